#!/usr/bin/env python3
"""Where the time goes: the hottest frames of a JFR recording made with BENCH_JFR=1.

  jfr-top.py FILE.jfr [TOP] [PREFIX...]

Prints the top frames by self samples (the frame on top of the stack) and by inclusive samples (the frame anywhere
in the stack, once per sample), as a share of all execution samples. PREFIXes (e.g. dev.fastcgi org.apache) add a
third list restricted to frames of those packages. Uses the JDK's `jfr` tool (`jfr print --stack-depth 64`).
"""

import collections
import re
import shutil
import subprocess
import sys

FRAME = re.compile(r"^\s{4}(\S.*?)(?:\s+line: \d+)?\s*$")


def samples(path):
    jfr = shutil.which("jfr") or "jfr"
    out = subprocess.run([jfr, "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", path],
                         check=True, capture_output=True, text=True).stdout
    stack, inside = [], False
    for line in out.splitlines():
        if line.strip() == "stackTrace = [":
            stack, inside = [], True
        elif inside and line.strip() == "]":
            inside = False
            yield stack
        elif inside:
            m = FRAME.match(line)
            if m and m.group(1) != "...":
                stack.append(re.sub(r"\(.*\)$", "", m.group(1)))


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    top = int(argv[2]) if len(argv) > 2 else 25
    prefixes = tuple(argv[3:])
    self_counts, incl_counts, own_counts = collections.Counter(), collections.Counter(), collections.Counter()
    total = 0
    for stack in samples(argv[1]):
        if not stack:
            continue
        total += 1
        self_counts[stack[0]] += 1
        for frame in set(stack):
            incl_counts[frame] += 1
        if prefixes:
            own = next((f for f in stack if f.startswith(prefixes)), None)
            if own:
                own_counts[own] += 1
    print("%d execution samples in %s" % (total, argv[1]))
    lists = [("self", self_counts), ("inclusive", incl_counts)]
    if prefixes:
        lists.append(("topmost frame of %s" % " ".join(prefixes), own_counts))
    for title, counts in lists:
        print("\n%s:" % title)
        for frame, n in counts.most_common(top):
            print("%6.1f %%  %s" % (100.0 * n / max(total, 1), frame))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
