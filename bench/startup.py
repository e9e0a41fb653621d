#!/usr/bin/env python3
"""Whole-process cost of vramcalc queries against the `true` process (issue 15).

Interleaved runs: each round starts every command once, in a new random order, so that neither
a busy moment of the machine nor the command before (a heavy process leaves the kernel work
to do) favours one of them; the figure of a command is the median of its rounds. Output
goes to /dev/null. Usage:

    bench/startup.py [--rounds N] BINARY [BINARY ...]

Each binary runs the plain query (`--params 7B --dtype fp16 --gpu L4`), `--max-context` and
`--which-gpus` (every card of the built-in database); the ratios asked for are printed: the
plain query against `true`, the solvers against the plain query of the same binary.
"""
import argparse
import os
import random
import shutil
import statistics
import time

QUERY = ["--params", "7B", "--dtype", "fp16", "--gpu", "L4"]


def run_once(argv):
    devnull = os.open(os.devnull, os.O_WRONLY)
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                       (os.POSIX_SPAWN_DUP2, devnull, 2)])
    os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    os.close(devnull)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("binaries", nargs="+")
    args = parser.parse_args()
    commands = {"true": [shutil.which("true")]}
    for binary in args.binaries:
        path = os.path.abspath(binary)
        commands[f"{binary} plain"] = [path] + QUERY
        commands[f"{binary} --max-context"] = [path] + QUERY + ["--max-context"]
        commands[f"{binary} --which-gpus"] = [path] + QUERY + ["--which-gpus"]
    times = {name: [] for name in commands}
    for name, argv in commands.items():  # warm the page cache
        for _ in range(10):
            run_once(argv)
    order = list(commands.items())
    for _ in range(args.rounds):
        random.shuffle(order)
        for name, argv in order:
            times[name].append(run_once(argv))
    median = {name: statistics.median(values) * 1e3 for name, values in times.items()}
    for name, ms in median.items():
        print(f"{ms:8.2f} ms  {name}")
    print()
    for binary in args.binaries:
        plain = median[f"{binary} plain"]
        print(f"{binary}: plain / true = {plain / median['true']:.2f} (goal <= 1.3); "
              f"--max-context / plain = {median[f'{binary} --max-context'] / plain:.2f} "
              f"(goal <= 1.3); --which-gpus / plain = "
              f"{median[f'{binary} --which-gpus'] / plain:.2f} (goal <= 2)")


if __name__ == "__main__":
    main()
