#!/usr/bin/env python3
"""Summarises a `perf record -a -g -F HZ` of one benchmark cell (written by `bench/run.sh perf`).

Usage: perf-summary.py PERF_DATA HZ REQUESTS APP_PID

Prints CPU microseconds per request (samples x 1e6 / HZ / REQUESTS) per process (the app is APP_PID, other
processes are named by their command), split into user and kernel time; per process, the kernel time by the
system call it was spent under (the frame under `do_syscall_64` in the kernel call chain) and the part of it spent
waking the reader of a socket the process wrote to (under `sock_def_readable`: a thread asleep in `read` or
`epoll_wait` on the other end); for the app, the time per thread group (thread name without its number) and the
top symbols. Reads `perf script` output; needs perf.
"""
import collections
import re
import subprocess
import sys

HEADER = re.compile(r"^\s*(?P<comm>.+?)\s+(?P<pid>\d+)/(?P<tid>\d+)\s*$")
FRAME = re.compile(r"^\s+(?P<ip>[0-9a-f]+)\s+(?P<sym>.*?)\s+\((?P<dso>[^()]*)\)\s*$")
SYSCALL = re.compile(r"^(?:__x64_sys_|__ia32_sys_|__se_sys_|__do_sys_|ksys_|do_)(\w+)")


def samples(data):
    """Yields (comm, pid, tid, frames) per sample; frames innermost first, each (sym, dso)."""
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,tid,ip,sym,dso"],
                         capture_output=True, text=True, check=True).stdout
    head, frames = None, []
    for line in out.splitlines():
        if not line.strip():
            if head:
                yield head + (frames,)
            head, frames = None, []
            continue
        m = FRAME.match(line)
        if m and head:
            frames.append((m.group("sym"), m.group("dso")))
            continue
        m = HEADER.match(line)
        if m:
            if head:
                yield head + (frames,)
            head, frames = (m.group("comm"), int(m.group("pid")), int(m.group("tid"))), []
    if head:
        yield head + (frames,)


def kernel(dso):
    return dso.startswith("[kernel")


def main():
    data, hz, requests, app_pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    names = {app_pid: "app"}
    us = 1e6 / hz / max(requests, 1)
    per_proc = collections.Counter()
    per_proc_kernel = collections.Counter()
    app_groups = collections.Counter()
    syscalls = collections.defaultdict(collections.Counter)
    waking = collections.Counter()  # kernel time spent waking the reader of a socket this process wrote to
    app_syms = collections.Counter()
    total = 0
    for comm, pid, tid, frames in samples(data):
        total += 1
        leaf_kernel = bool(frames) and kernel(frames[0][1])
        label = names.get(pid) or comm.split("-")[0].rstrip("0123456789") or comm
        if pid == 0:
            label = "idle"
        per_proc[label] += 1
        if leaf_kernel:
            per_proc_kernel[label] += 1
            call = "(none: interrupt, fault or scheduler)"
            for i, (sym, dso) in enumerate(frames):
                if sym in ("do_syscall_64", "x64_sys_call") and i > 0:
                    call = SYSCALL.sub(r"\1", frames[i - 1][0])
                    break
            syscalls[label][call] += 1
            if any(sym == "sock_def_readable" for sym, _ in frames):
                waking[label] += 1
        if pid != app_pid:
            continue
        app_groups[re.sub(r"[-_ ]?\d+$", "", comm.strip())] += 1
        sym, dso = frames[0] if frames else ("?", "?")
        if dso.startswith("/tmp/perf-") or dso.startswith("[JIT]"):
            dso = "JIT"
        app_syms[(sym[:110], dso.rsplit("/", 1)[-1])] += 1

    print(f"{total} samples at {hz} Hz on every cpu; {requests} requests; figures in CPU us per request")
    print()
    print("| process | total | kernel | user |")
    print("|---|---:|---:|---:|")
    for label, n in per_proc.most_common():
        if n * us < 0.05:
            continue
        k = per_proc_kernel[label]
        print(f"| {label} | {n * us:.1f} | {k * us:.1f} | {(n - k) * us:.1f} |")
    print()
    print("app threads by name:", ", ".join(f"{g} {n * us:.1f}" for g, n in app_groups.most_common(8)))
    print()
    busy = [label for label, n in per_proc.most_common() if label != "idle" and n * us >= 1]
    for label in busy:
        print(f"kernel time of {label} by system call:",
              ", ".join(f"{c} {k * us:.1f}" for c, k in syscalls[label].most_common(8) if k * us >= 0.05))
    print("time spent waking a socket's reader (under sock_def_readable):",
          ", ".join(f"{label} {waking[label] * us:.1f}" for label in busy))
    print()
    print("| app symbol | where | us/request |")
    print("|---|---|---:|")
    for (sym, dso), n in app_syms.most_common(30):
        print(f"| `{sym}` | {dso} | {n * us:.2f} |")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        pass
