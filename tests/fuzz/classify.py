#!/usr/bin/env python3
"""Says whose failure a fuzzer's report (AddressSanitizer, UBSan or libFuzzer's timeout and
out-of-memory reports, on standard input) shows: "nnq" or "libhdf5", and the frame it blames.

Debian's libhdf5 1.10 crashes on crafted files in parts that no HDF5 format version
checksums (the global heap of variable-length strings, version-1 B-trees, old object
headers); nnq cannot mend that. A failure is libhdf5's when the first frame of its stack that
is not the sanitizer's or libFuzzer's is in libhdf5 and the report names no nnq source
elsewhere (a buffer nnq allocated or a variable on nnq's stack that libhdf5 overran is nnq's
failure: it passed libhdf5 too small a buffer). Anything else is nnq's.

An out-of-memory report of libFuzzer's RSS limit has no stack, and a report made without
llvm-symbolizer has frames without names: "unclear", listed, not failed (tests/fuzz/run.sh
finds the symbolizer; nnq's own reads are bounded by [run] memory_limit, which
tests/test_h5read.c checks).

Usage: classify.py < report; prints "libhdf5 FRAME", "unclear WHY" or "nnq FRAME"; exits 1
for nnq's only.
"""
import re
import sys

FRAME = re.compile(r"^\s*#(\d+) 0x[0-9a-f]+(?: in (\S+))?(?: (.*))?$")
RUNTIME = ("__interceptor_", "__sanitizer", "__asan", "__ubsan", "__lsan", "fuzzer::",
           "__interception", "__libc_start", "_start", "main", "malloc", "calloc", "realloc",
           "free", "memcpy", "memmove", "memset", "operator", "std::")


def stacks(lines):
    """The report's stacks, each a list of (function, location)."""
    out, cur = [], []
    for line in lines:
        m = FRAME.match(line)
        if m:
            if m.group(1) == "0" and cur:
                out.append(cur)
                cur = []
            cur.append((m.group(2) or "", m.group(3) or ""))
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def ours(frame):
    function, where = frame
    return "/src/" in where or "/tests/" in where or function.startswith("nnq_")


def blame(lines):
    all_stacks = stacks(lines)
    if not all_stacks and any("out-of-memory (used:" in line for line in lines):
        # libFuzzer's RSS limit, met by a thread that has no stack of the allocation: whose it
        # is cannot be told (test_h5read bounds nnq's own reads against memory_limit)
        return "unclear", "(libFuzzer's RSS limit: no stack to tell whose)"
    if not all_stacks:
        return "nnq", "(no stack in the report)"
    first = [f for f in all_stacks[0] if not f[0].startswith(RUNTIME) and f[0] != "raise"
             and not any(lib in f[1] for lib in ("libclang_rt", "libc.so", "libstdc++", "sysdeps/"))]
    if not first:
        return "nnq", "(only runtime frames)"
    top = first[0]
    if not top[0] and "libhdf5" not in top[1]:
        # a frame of the fuzzer's own binary with no name: the report was not symbolized
        return "unclear", "(not symbolized: " + top[1] + ")"
    if "libhdf5" not in top[1]:
        return "nnq", " ".join(top)
    for stack in all_stacks[1:]:
        for f in stack:
            if ours(f):
                return "nnq", "buffer of " + " ".join(f)
    return "libhdf5", " ".join(top)


def main():
    who, frame = blame(sys.stdin.read().splitlines())
    print(who, frame)
    return 1 if who == "nnq" else 0


if __name__ == "__main__":
    sys.exit(main())
