#!/usr/bin/env python3
"""bench/demo: the README's demo as a new user meets it. By default, its third command:
`pier -f compose.example.yml down -v` of the running demo (web and worker up, web
healthy), after an untimed `up -d --wait`, `--runs` times. Its services run under
`init: true`, so nothing waits out a stop grace period; target: at most 1 s.

With `--build`, first what `./dev.sh demo` builds before it serves, on fresh clones of
this repository's HEAD (uncommitted changes are not in it): `./dev.sh build pier`
with an empty compiler cache (a user's first demo; target: at most 5 minutes), again
in a new clone of the same path with that cache filled (a clone after the first), and
again in the same build directory (the second `./dev.sh demo`; target: seconds). The
cache is a temporary one, so the user's own is neither used nor changed.

    bench/demo/demo.py [--pier build/src/cli/pier] [--runs 5] [--build]

As root. The project runs under a `--root` of the bench's own, seeded with busybox from
Debian's busybox-static, in a private mount namespace with a tmpfs on its run directory
(as /run/pier is for the default root), with web published on a free loopback port
instead of 8080. No peer: docker-compose needs a dockerd, which this machine has not
(the issue's peer for the build, `apt install docker-compose`, takes about a minute).
"""
import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "bench"))
from common import CpuCgroup, in_private_mount_namespace, run_dir_on_tmpfs, seeded_root  # noqa: E402

DOWN_TARGET_S = 1.0
COLD_BUILD_TARGET_S = 300.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(argv, **kwargs):
    """(wall s, CPU s of it and of every process it waited for) of argv; raises if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, **kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_down(pier, runs):
    root = seeded_root(pier, "pier-bench-demo-root-")
    work = tempfile.mkdtemp(prefix="pier-bench-demo-")
    cgroup = CpuCgroup()
    try:
        run_dir_on_tmpfs(root)
        with open(os.path.join(SOURCE, "compose.example.yml")) as f:
            compose = f.read().replace("127.0.0.1:8080:8080", f"127.0.0.1:{free_port()}:8080")
        with open(os.path.join(work, "compose.example.yml"), "w") as f:
            f.write(compose)
        shutil.copytree(os.path.join(SOURCE, "examples", "site"), os.path.join(work, "examples", "site"))
        base = [pier, "--root", root, "-f", os.path.join(work, "compose.example.yml")]

        def worker_running():
            ps = subprocess.run(base + ["ps", "--services", "--status", "running"], cwd=work,
                                capture_output=True, text=True)
            return "worker" in ps.stdout.split()

        downs, cpus = [], []
        for _ in range(runs):
            # In the cgroup too: the supervisor it starts does most of `down`'s work.
            up, _ = cgroup.run(base + ["up", "-d", "--wait"], cwd=work, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=120)
            if up.returncode != 0:
                raise RuntimeError(f"up -d --wait exited {up.returncode}: {up.stderr.decode()[-2000:]}")
            deadline = time.monotonic() + 30
            while not worker_running():
                if time.monotonic() > deadline:
                    raise RuntimeError("the demo's worker did not start within 30 s")
                time.sleep(0.1)
            before = cgroup.usage_ms()
            proc, wall_ms = cgroup.run(base + ["down", "-v"], cwd=work, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)
            if proc.returncode != 0:
                raise RuntimeError(f"down -v exited {proc.returncode}: {proc.stderr.decode()[-2000:]}")
            deadline = time.monotonic() + 30  # the supervisor exits once the project is down
            while not cgroup.empty() and time.monotonic() < deadline:
                time.sleep(0.01)
            downs.append(wall_ms / 1e3)
            cpus.append((cgroup.usage_ms() - before) / 1e3)
        down = statistics.median(downs)
        met = "met" if down <= DOWN_TARGET_S else "missed"
        print(f"demo: `pier -f compose.example.yml down -v` (web and worker running): median {down:.2f} s wall, "
              f"{statistics.median(cpus):.3f} s CPU with the supervisor's, slowest {max(downs):.2f} s ({runs} runs, load average "
              f"{os.getloadavg()[0]:.1f}; target <= {DOWN_TARGET_S:.0f} s: {met})", flush=True)
    finally:
        subprocess.run([pier, "--root", root, "-f", os.path.join(work, "compose.example.yml"), "down", "-v"],
                       cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        subprocess.run(["umount", "-l", os.path.join(root, "run")], stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        cgroup.remove()


def bench_build():
    scratch = tempfile.mkdtemp(prefix="pier-bench-demo-build-")
    clone = os.path.join(scratch, "pier")
    # A cache of the bench's own: empty for the first build, shared by the clones after.
    env = dict(os.environ, CCACHE_DIR=os.path.join(scratch, "ccache"), CCACHE_BASEDIR=scratch,
               PIER_BUILD_DIR=os.path.join(clone, "build"))
    env.pop("CCACHE_DISABLE", None)
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    head = subprocess.run(["git", "-C", SOURCE, "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    try:
        rows = []
        for what, fresh_clone in (("cold: fresh clone, empty compiler cache", True),
                                  ("fresh clone, compiler cache filled", True),
                                  ("again in the same build directory", False)):
            if fresh_clone:
                shutil.rmtree(clone, ignore_errors=True)
                subprocess.run(["git", "clone", "-q", SOURCE, clone], check=True)
            wall, cpu = timed([os.path.join(clone, "dev.sh"), "build", "pier"], cwd=clone, **quiet)
            rows.append((what, wall, cpu))
            print(f"demo: `./dev.sh build pier` ({head}), {what}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
        cold, warm = rows[0][1], rows[2][1]
        print(f"demo: the demo's build: {cold / 60:.1f} min cold (target <= {COLD_BUILD_TARGET_S / 60:.0f} min: "
              f"{'met' if cold <= COLD_BUILD_TARGET_S else 'missed'}), {warm:.1f} s warm "
              f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pier", default=os.path.join(SOURCE, "build", "src", "cli", "pier"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--build", action="store_true",
                        help="also time `./dev.sh build pier` on fresh clones (minutes)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("demo: needs root")
    in_private_mount_namespace()
    if args.build:
        bench_build()
    bench_down(os.path.abspath(args.pier), args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
