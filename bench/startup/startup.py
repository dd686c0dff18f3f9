#!/usr/bin/env python3
"""bench/startup: what every pier command pays before it does anything, `pier version`,
against the same for crun (`crun --version`), run in turn (pier, crun, pier, crun...) so
both see the same machine. Prints the median wall and CPU time of each and pier's ratio to
crun per pair. crun is installed with apt when it is missing and this runs as root.

    bench/startup/startup.py [--pier build/src/cli/pier] [--runs 200] [--no-install]

The CPU time (user + sys, from wait4's rusage of the child) is the figure to compare on a
busy machine: wall time then includes waiting for a core, for both sides alike.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
TARGET_RATIO = 1.3  # issue 18: pier's start-up at most 1.3x crun's


def ensure_crun(install):
    """The path of crun, installing Debian's package when allowed; None when unavailable."""
    found = shutil.which("crun")
    if found or not install:
        return found
    if os.geteuid() != 0:
        print("startup: crun is not installed and this is not root: run `apt-get install crun`", file=sys.stderr)
        return None
    print("startup: installing crun (apt-get install crun)", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "crun"], env=env,
                   check=False, stdout=subprocess.DEVNULL)
    return shutil.which("crun")


def run_once(argv):
    """(wall ms, cpu ms) of one run of argv with its output discarded; raises if it fails."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        start = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status, usage = os.wait4(pid, 0)
        wall = (time.perf_counter_ns() - start) / 1e6
    finally:
        os.close(devnull)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {os.waitstatus_to_exitcode(status)}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pier", default=os.path.join(SOURCE, "build", "src", "cli", "pier"))
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--no-install", action="store_true", help="do not apt-get install crun when missing")
    args = parser.parse_args()

    pier = [os.path.abspath(args.pier), "version"]
    crun_path = ensure_crun(not args.no_install)
    crun = [crun_path, "--version"] if crun_path else None
    for argv in [pier] + ([crun] if crun else []):
        run_once(argv)  # warm-up: page cache, loader cache

    pier_runs, crun_runs = [], []
    for _ in range(args.runs):
        pier_runs.append(run_once(pier))
        if crun:
            crun_runs.append(run_once(crun))

    def median(runs, i):
        return statistics.median(r[i] for r in runs)

    print(f"startup: `pier version`: median {median(pier_runs, 0):.2f} ms wall, {median(pier_runs, 1):.2f} ms CPU "
          f"({args.runs} runs, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
    if not crun:
        print("startup: peer: crun is not installed; no ratio")
        return 0
    version = subprocess.run(crun, capture_output=True, text=True).stdout.split("\n")[0]
    print(f"startup: `crun --version` ({version}): median {median(crun_runs, 0):.2f} ms wall, "
          f"{median(crun_runs, 1):.2f} ms CPU")
    wall_ratio = statistics.median(p[0] / c[0] for p, c in zip(pier_runs, crun_runs))
    cpu_ratio = median(pier_runs, 1) / median(crun_runs, 1) if median(crun_runs, 1) else float("nan")
    met = "met" if wall_ratio <= TARGET_RATIO else "missed"
    print(f"startup: pier / crun: {wall_ratio:.2f}x wall (median of pairs), {cpu_ratio:.2f}x CPU (medians); "
          f"target <= {TARGET_RATIO}x: {met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
