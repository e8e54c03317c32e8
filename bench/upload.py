#!/usr/bin/env python3
"""Streams a generated body of SIZE bytes to URL (POST, with Content-Length) and checks the reply of the
benchmark app's /upload endpoint ("bytes=<n> crc32=<hex>"). Memory stays constant: one 1 MiB block is reused.
Prints one JSON line: ok, bytes, seconds, mib_per_s, status, body (or error).

  upload.py URL SIZE_BYTES TIMEOUT_SECONDS
"""

import http.client
import json
import random
import sys
import time
import urllib.parse
import zlib

BLOCK = 1024 * 1024


def main(url, size, timeout):
    parts = urllib.parse.urlsplit(url)
    block = random.Random(7).randbytes(BLOCK)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    start = time.monotonic()
    crc = 0
    sent = 0
    try:
        conn.putrequest("POST", parts.path or "/")
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        while sent < size:
            chunk = block if size - sent >= BLOCK else block[:size - sent]
            # vary the content per block so a stuck or repeated block changes the CRC
            chunk = sent.to_bytes(8, "big") + chunk[8:] if len(chunk) >= 8 else chunk
            conn.send(chunk)
            crc = zlib.crc32(chunk, crc)
            sent += len(chunk)
        response = conn.getresponse()
        body = response.read(4096).decode("utf-8", "replace").strip()
        status = response.status
    except (OSError, http.client.HTTPException) as ex:
        return {"ok": False, "error": "%s after %d bytes" % (ex.__class__.__name__ + ": " + str(ex), sent)}
    finally:
        conn.close()
    seconds = time.monotonic() - start
    expected = "bytes=%d crc32=%x" % (size, crc)
    return {"ok": status == 200 and body == expected, "bytes": sent, "seconds": round(seconds, 2),
            "mib_per_s": round(size / BLOCK / seconds, 1), "status": status, "body": body[:200],
            "expected": expected}


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    result = main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)
