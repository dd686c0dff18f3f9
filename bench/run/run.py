#!/usr/bin/env python3
"""bench/run: `pier run --rm -T t /bin/true` with no supervisor running (the CLI starts
one, the container runs and is removed, the CLI exits with its code) against `crun run`
of the same container: a busybox root, every namespace crun's default spec gives, run
in turn (pier, crun, pier, crun...) so both see the same machine.

    bench/run/run.py [--pier build/src/cli/pier] [--runs 20] [--no-install]

Two pier services are timed: `none` (network_mode: none, a network namespace with only
loopback, as crun's default spec has: the same container) and `bridge` (the project's
default network, what a plain `run` of a compose service gets). Before each pier run the
bench waits, untimed, for the previous supervisor to be gone, so every run starts one.

CPU time is the whole command's: the bench runs each command in a cgroup of its own and
reads the cgroup's CPU usage once the command and what it started outside the container
(pier's supervisor, which outlives the CLI by its idle exit) are gone. Wall time is the
command's, as users see it, from its exec to its exit: the move into the cgroup comes
before the clock starts (it waits out an RCU grace period users never pay). crun is installed with apt when missing (as root).

crun refuses a hybrid cgroup host, so the bench re-executes itself in a private mount
namespace without /sys/fs/cgroup/unified (as bench/runtime does): both tools see the
same pure-v1 host there. In it the root's run directory is a tmpfs, as /run/pier is for
the default root (bench/common.py; --run-dir-on-disk keeps it on disk).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common import CpuCgroup, in_private_mount_namespace, run_dir_on_tmpfs, seeded_root  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
TARGET = 2.0  # issue 18: pier at least 2x faster than crun run


def ensure_crun(install):
    found = shutil.which("crun")
    if found or not install:
        return found
    print("run: installing crun (apt-get install crun)", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "crun"],
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), check=False, stdout=subprocess.DEVNULL)
    return shutil.which("crun")


def run_once(argv, cwd, cgroup, settle):
    """(wall ms, cpu ms) of argv; cpu once the cgroup is empty again (`settle` waits)."""
    before = cgroup.usage_ms()
    proc, wall = cgroup.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()[-2000:]}")
    settle()
    return wall, cgroup.usage_ms() - before


def wait_until(predicate, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.01)


def crun_bundle(crun, work):
    """A bundle of busybox's /bin/true with crun's default spec plus a cgroup namespace,
    as pier's containers have."""
    bundle = os.path.join(work, "bundle")
    rootfs = os.path.join(bundle, "rootfs")
    os.makedirs(os.path.join(rootfs, "bin"))
    shutil.copy("/bin/busybox", os.path.join(rootfs, "bin", "busybox"))
    os.symlink("busybox", os.path.join(rootfs, "bin", "true"))
    subprocess.run([crun, "spec", "--bundle", bundle], check=True)
    with open(os.path.join(bundle, "config.json")) as f:
        spec = json.load(f)
    spec["process"]["terminal"] = False
    spec["process"]["args"] = ["/bin/true"]
    spec["root"]["readonly"] = False
    spec["linux"]["namespaces"].append({"type": "cgroup"})
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(spec, f)
    return bundle


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pier", default=os.path.join(SOURCE, "build", "src", "cli", "pier"))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-install", action="store_true", help="do not apt-get install crun when missing")
    parser.add_argument("--run-dir-on-disk", action="store_true",
                        help="keep the run directory on the --root's disk (default: a tmpfs, as /run/pier)")
    args = parser.parse_args()
    pier = os.path.abspath(args.pier)
    if os.geteuid() != 0:
        sys.exit("run: needs root")
    in_private_mount_namespace()
    if os.path.ismount("/sys/fs/cgroup/unified"):
        subprocess.run(["umount", "-l", "/sys/fs/cgroup/unified"], check=False)

    crun = ensure_crun(not args.no_install)
    root = seeded_root(pier, "pier-bench-run-root-")
    if not args.run_dir_on_disk:
        run_dir_on_tmpfs(root)
    work = tempfile.mkdtemp(prefix="pier-bench-run-")
    cgroup = CpuCgroup()
    project = "benchrun"
    try:
        with open(os.path.join(work, "compose.yaml"), "w") as f:
            f.write("services:\n"
                    "  none:\n    image: busybox\n    network_mode: none\n"
                    "  bridge:\n    image: busybox\n")
        run_dir = os.path.join(root, "run", project)
        supervisor_gone = lambda: not os.path.exists(os.path.join(run_dir, "supervisor.pid")) and cgroup.empty()

        def pier_argv(service):
            return [pier, "--root", root, "-p", project, "-f", os.path.join(work, "compose.yaml"),
                    "run", "--rm", "-T", service, "/bin/true"]

        def pier_once(service):
            wait_until(supervisor_gone, "the previous supervisor to exit")
            return run_once(pier_argv(service), work, cgroup,
                            lambda: wait_until(supervisor_gone, "the supervisor to exit"))

        bundle = crun_bundle(crun, work) if crun else None
        counter = iter(range(1 << 30))

        def crun_once():
            return run_once([crun, "run", "--bundle", bundle, f"pier-bench-run-{os.getpid()}-{next(counter)}"],
                            work, cgroup, lambda: wait_until(cgroup.empty, "crun's processes to exit"))

        pier_once("none"), pier_once("bridge")  # warm-up: page cache, image store, the bridge
        if crun:
            crun_once()
        runs = {"none": [], "bridge": [], "crun": []}
        for _ in range(args.runs):
            runs["none"].append(pier_once("none"))
            if crun:
                runs["crun"].append(crun_once())
            runs["bridge"].append(pier_once("bridge"))

        def med(key, i):
            return statistics.median(r[i] for r in runs[key])

        load = os.getloadavg()[0]
        print(f"run: `pier run --rm -T none /bin/true` (network_mode: none): median {med('none', 0):.1f} ms wall, "
              f"{med('none', 1):.1f} ms CPU ({args.runs} runs, {os.cpu_count()} cores, load average {load:.1f})")
        print(f"run: `pier run --rm -T bridge /bin/true` (default network): median {med('bridge', 0):.1f} ms wall, "
              f"{med('bridge', 1):.1f} ms CPU")
        if not crun:
            print("run: peer: crun is not installed; no ratio")
            return 0
        version = subprocess.run([crun, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        print(f"run: `crun run` ({version}): median {med('crun', 0):.1f} ms wall, {med('crun', 1):.1f} ms CPU")
        wall_ratio = statistics.median(c[0] / p[0] for p, c in zip(runs["none"], runs["crun"]))
        cpu_ratio = med("crun", 1) / med("none", 1)
        met = "met" if wall_ratio >= TARGET else "missed"
        print(f"run: crun / pier (same container): {wall_ratio:.2f}x wall (median of pairs), {cpu_ratio:.2f}x CPU "
              f"(medians); target pier >= {TARGET}x faster: {met}")
        return 0
    finally:
        # The `bridge` runs made the project's network (bridge, nft table): `down` removes it.
        subprocess.run([pier, "--root", root, "-p", project, "-f", os.path.join(work, "compose.yaml"), "down"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run(["umount", "-l", os.path.join(root, "run")], stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(root, ignore_errors=True)
        cgroup.remove()


if __name__ == "__main__":
    sys.exit(main())
