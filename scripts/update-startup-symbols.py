#!/usr/bin/env python3
"""Writes cmake/startup-symbols.txt: what the common queries touch, in the order the linker lays
it out (cmake/StartupLayout.cmake).

    scripts/update-startup-symbols.py build/vramcalc

Run it on a Release binary after changes that move much code; a stale list only costs start-up
speed (a name the linker does not find is skipped). valgrind's lackey tells which code each
query runs and which data (tables, vtables, static variables) the plain queries read or write;
`nm -S` names the functions and objects those addresses lie in. Everything is listed in the
order first reached, and the queries go in order of how often people run them: start-up and
the plain query come first and lie tightest.
"""
import bisect
import os
import re
import subprocess
import sys
import tempfile

QUERIES = [
    ["--params", "7B", "--dtype", "fp16", "--gpu", "L4"],
    ["--params", "7B", "--dtype", "fp16", "--gpu", "L4", "--format", "json"],
    ["--model", "llama-3.1-8b", "--gpu", "rtx-4090", "--context", "32768"],
    ["--params", "70B", "--dtype", "int4", "--engine", "vllm", "--gpu", "H100", "--gpus", "2"],
    ["--params", "7B", "--gpu", "L4", "--max-context"],
    ["--params", "7B", "--gpu", "L4", "--which-gpus"],
    ["gpus"],
    ["models"],
    ["--help"],
]
# Data: the queries whose pages are worth packing (a data page is copied on first write).
DATA_QUERIES = QUERIES[:2]


def symbol_table(binary, kinds):
    """(start, size, name) of the symbols of `nm -S` whose type letter is in `kinds`, sorted."""
    symbols = []
    listing = subprocess.run(["nm", "-S", "-n", "--defined-only", binary], capture_output=True,
                             text=True, check=True).stdout
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[2] in kinds:
            symbols.append((int(fields[0], 16), max(int(fields[1], 16), 1), fields[3]))
    symbols.sort()
    return symbols


class Namer:
    """The symbol that holds an address."""

    def __init__(self, symbols):
        self.symbols = symbols
        self.starts = [start for start, _, _ in symbols]

    def __call__(self, address):
        at = bisect.bisect_right(self.starts, address) - 1
        if at >= 0 and address < self.symbols[at][0] + self.symbols[at][1]:
            return self.symbols[at][2]
        return None


# glibc picks its string functions by CPU at start-up (memmove_avx_unaligned_erms,
# memmove_evex_unaligned_erms, ...); valgrind's CPU is not the machine's, so every variant of a
# family it saw is listed.
STRING_VARIANT = re.compile(r"^(__\w+?)_(sse2|ssse3|sse4|avx|avx2|evex|avx512)")


def with_variants(names, symbols):
    families = {}
    for _, _, name in symbols:
        match = STRING_VARIANT.match(name)
        if match:
            families.setdefault(match.group(1), []).append(name)
    listed = {}
    for name in names:
        listed.setdefault(name, None)
        match = STRING_VARIANT.match(name)
        if match:
            for sibling in families.get(match.group(1), []):
                listed.setdefault(sibling, None)
    return list(listed)


def traced(binary, query, trace, memory):
    """Runs `query` under valgrind's lackey, writing what it executes (and touches) to `trace`."""
    flags = ["--trace-superblocks=yes"] + (["--trace-mem=yes"] if memory else [])
    with open(trace, "w", encoding="utf-8") as log:
        subprocess.run(["valgrind", "--tool=lackey", *flags, "--log-fd=2", binary, *query],
                       stdout=subprocess.DEVNULL, stderr=log, check=False)


def touched(binary, work):
    """Names of the functions the queries run and of the data objects the first ones touch,
    each in the order first reached."""
    code_symbols = symbol_table(binary, "tTWi")
    code_name = Namer(code_symbols)
    data_name = Namer(symbol_table(binary, "bBdDrRvV"))
    code, data = {}, {}
    for i, query in enumerate(QUERIES):
        trace = os.path.join(work, f"{i:02d}.lackey")
        traced(binary, query, trace, memory=query in DATA_QUERIES)
        with open(trace, encoding="utf-8", errors="replace") as log:
            for line in log:
                # "SB 0040a2c0" (a block of code about to run); " L 04a2c0e8,8" (a load),
                # " S" (a store), " M" (both); "I" lines are instructions.
                if line.startswith("SB "):
                    name = code_name(int(line[3:], 16))
                    if name is not None:
                        code.setdefault(name, None)
                elif len(line) > 3 and line[0] == " " and line[1] in "LSM":
                    name = data_name(int(line[3:].split(",")[0], 16))
                    if name is not None:
                        data.setdefault(name, None)
    return with_variants(list(code), code_symbols), list(data)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: update-startup-symbols.py BUILD/vramcalc")
    binary = os.path.abspath(sys.argv[1])
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    version = subprocess.run([binary, "-V"], capture_output=True, text=True).stdout.split()
    with tempfile.TemporaryDirectory() as work:
        code, data = touched(binary, work)
    target = os.path.join(here, "cmake", "startup-symbols.txt")
    with open(target, "w", encoding="utf-8") as out:
        out.write(f"# Written by scripts/update-startup-symbols.py from {' '.join(version)}:\n")
        out.write(f"# {len(code)} functions, then {len(data)} data objects.\n")
        out.write("\n".join(code + data) + "\n")
    print(f"cmake/startup-symbols.txt: {len(code)} functions, {len(data)} data objects")


if __name__ == "__main__":
    main()
