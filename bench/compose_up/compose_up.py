#!/usr/bin/env python3
"""bench/compose_up: `up -d` then `down` of 1, 10 and 50 busybox services on one network
(image present, `init: true`), timing both (wall, and the CLI's and supervisor's CPU) and
reading the supervisor's memory (smaps_rollup) with every container running. The run
directory is a tmpfs, as /run/pier is for the default root (bench/common.py;
--run-dir-on-disk keeps it on the --root's disk). In the same run, docker-compose when it
is installed and usable (docker-compose needs a running dockerd; `--start-dockerd` starts
a private one with no bridge and no iptables for the run). `--rootless` adds, for each
size, pier run as a throwaway user (bench_user.py) and podman-compose as that user, with
their ratios. Root's podman-compose is not measured: offline it has no image, and its
CNI networking leaves iptables chains and IPAM state on the host.

    bench/compose_up/compose_up.py --pier build/src/cli/pier [--sizes 1,10,50] [--runs 3] [--rootless]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common import CpuCgroup, in_private_mount_namespace, run_dir_on_tmpfs, seeded_root  # noqa: E402
from bench_user import BenchUser, open_tun_to_users  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))


SETTLE_S = 0.5  # after `up -d` returns, before the supervisor's memory is read


def compose_text(n):
    lines = ["services:"]
    for i in range(n):
        lines += [f"  s{i}:", "    image: busybox", "    init: true", '    command: ["sleep", "100000"]']
    return "\n".join(lines) + "\n"


def memory_kib(pid):
    """{Rss, Pss, Pss_Anon, ...} of the process in KiB, from /proc/PID/smaps_rollup."""
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                fields = line.split()
                if len(fields) == 3 and fields[2] == "kB":
                    out[fields[0].rstrip(":")] = int(fields[1])
    except OSError:
        pass
    return out


def timed(argv, cwd, env=None, cgroup=None):
    if cgroup:
        proc, took_ms = cgroup.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
        took = took_ms / 1000
    else:
        t0 = time.monotonic()
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
        took = time.monotonic() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return took


def bench_pier(pier, n, runs, root):
    """Medians of (up wall, up CPU, down wall, down CPU) in seconds and ms, and the
    largest supervisor memory seen. CPU is the CLI's and the supervisor's (cpu_cgroup.py);
    the containers' own is not counted."""
    return bench_runs(n, runs, lambda: tempfile.mkdtemp(prefix="pier-bench-"),
                      lambda compose: [pier, "--root", root, "-p", f"bench{n}", "-f", compose],
                      os.path.join(root, "run", f"bench{n}", "supervisor.pid"))


def bench_pier_rootless(user, n, runs):
    """bench_pier's figures for the same project run as `user` (pier's default root for
    a user, its run directory on the user's tmpfs XDG_RUNTIME_DIR). CPU includes the
    user's pause process, which each first command starts and which exits after `down`."""
    def after_down():
        user.wait_no_processes(30)
    return bench_runs(n, runs, user.workdir,
                      lambda compose: user.command([user.pier, "-p", f"bench{n}", "-f", compose]),
                      os.path.join(user.runtime_dir, "pier", f"bench{n}", "supervisor.pid"), after_down)


def bench_runs(n, runs, make_workdir, base_command, pid_file, after_down=None):
    ups, downs, up_cpus, down_cpus, rsss = [], [], [], [], []
    cgroup = CpuCgroup()
    try:
        for run in range(runs):
            one_run(n, make_workdir, base_command, pid_file, cgroup, ups, downs, up_cpus, down_cpus, rsss)
            if after_down:
                after_down()
    finally:
        cgroup.remove()
    return (statistics.median(ups), statistics.median(up_cpus), statistics.median(downs),
            statistics.median(down_cpus), max(rsss, key=lambda m: m.get("Rss", 0)))


def one_run(n, make_workdir, base_command, pid_file, cgroup, ups, downs, up_cpus, down_cpus, rsss):
    """One `up -d` and `down` of n services: each figure appended to its list."""
    work = make_workdir()
    try:
        compose = os.path.join(work, "compose.yaml")
        with open(compose, "w") as f:
            f.write(compose_text(n))
        os.chmod(compose, 0o644)
        base = base_command(compose)
        before = cgroup.usage_ms()
        ups.append(timed(base + ["up", "-d"], work, cgroup=cgroup))
        # Once it has answered, the supervisor gives back what the command used
        # (supervisor/memory_release.h): read what it keeps, not the reply's instant, and
        # count the CPU that took as the command's.
        time.sleep(SETTLE_S)
        up_cpus.append(cgroup.usage_ms() - before)
        with open(pid_file) as f:
            rsss.append(memory_kib(int(f.read())))
        before = cgroup.usage_ms()
        downs.append(timed(base + ["down", "-t", "10"], work, cgroup=cgroup))
        deadline = time.monotonic() + 30
        while not cgroup.empty() and time.monotonic() < deadline:
            time.sleep(0.01)
        down_cpus.append(cgroup.usage_ms() - before)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def seed_root():
    root = seeded_root(ARGS.pier, "pier-bench-root-")
    if not ARGS.run_dir_on_disk:
        run_dir_on_tmpfs(root)
    return root


def docker_usable():
    return shutil.which("docker-compose") and subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def prepare_docker_busybox():
    """busybox:latest in dockerd from the host's busybox-static (no Docker Hub here)."""
    if subprocess.run(["docker", "image", "inspect", "busybox:latest"], capture_output=True).returncode == 0:
        return
    work = tempfile.mkdtemp()
    try:
        rootfs = os.path.join(work, "rootfs")
        os.makedirs(os.path.join(rootfs, "bin"))
        shutil.copy("/bin/busybox", os.path.join(rootfs, "bin", "busybox"))
        for applet in ("sh", "sleep"):
            os.symlink("busybox", os.path.join(rootfs, "bin", applet))
        subprocess.run(["tar", "-C", rootfs, "-cf", os.path.join(work, "r.tar"), "."], check=True)
        subprocess.run(["docker", "import", "-c", "ENV PATH=/bin", os.path.join(work, "r.tar"), "busybox:latest"],
                       check=True, capture_output=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_peer(label, tool, n):
    work = tempfile.mkdtemp(prefix="peer-bench-")
    try:
        with open(os.path.join(work, "docker-compose.yml"), "w") as f:
            f.write('version: "2.4"\n' + compose_text(n))
        base = tool + ["-p", f"peerbench{n}", "-f", os.path.join(work, "docker-compose.yml")]
        up = timed(base + ["up", "-d"], work)
        running = count_running(label, f"peerbench{n}", lambda argv: argv)
        down = timed(base + ["down", "-t", "10"], work)
        if running != n:
            raise RuntimeError(f"{running} of {n} containers were running after `up -d`")
        return up, down
    finally:
        shutil.rmtree(work, ignore_errors=True)


def count_running(label, project, wrap):
    """Containers of the project running, counted untimed: podman-compose 1.0 exits 0 when
    its containers fail to start. `wrap` turns the command into the user's."""
    if label == "docker-compose":
        argv = ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={project}"]
    else:
        argv = ["podman", "ps", "-q", "--filter", f"label=io.podman.compose.project={project}"]
    return len(subprocess.run(wrap(argv), capture_output=True, text=True).stdout.split())


def bench_podman_rootless(user, n):
    """podman-compose's up -d and down of the same project as `user` (its network stays in
    the user's store, removed with the user)."""
    work = user.workdir()
    try:
        compose = os.path.join(work, "docker-compose.yml")
        with open(compose, "w") as f:
            f.write('version: "2.4"\n' + compose_text(n))
        os.chmod(compose, 0o644)
        base = user.command(["podman-compose", "-p", f"peerbench{n}", "-f", compose])
        up = timed(base + ["up", "-d"], work)
        running = count_running("podman-compose", f"peerbench{n}", user.command)
        down = timed(base + ["down", "-t", "10"], work)
        if running != n:
            raise RuntimeError(f"{running} of {n} containers were running after `up -d`")
        return up, down
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_rootless(n, user, rootful):
    """The rootless rows of one size: pier as `user`, its ratio to the rootful figures of
    this run, and podman-compose as the same user when installed."""
    up, up_cpu, down, down_cpu, rss = bench_pier_rootless(user, n, ARGS.runs)
    print(f"compose_up: {n:>3} services: pier rootless up -d {up * 1000:7.0f} ms wall, {up_cpu:6.0f} ms CPU, "
          f"down {down * 1000:7.0f} ms wall, {down_cpu:6.0f} ms CPU; supervisor Rss {rss.get('Rss', 0) / 1024:5.1f} "
          f"MiB; rootless / rootful {up / rootful[0]:.2f}x up, {down / rootful[2]:.2f}x down (median of "
          f"{ARGS.runs}, load average {os.getloadavg()[0]:.1f}; target <= 2x)", flush=True)
    if not (shutil.which("podman-compose") and shutil.which("podman")):
        print(f"compose_up: {n:>3} services: podman-compose rootless not measured (not installed)", flush=True)
        return
    try:
        p_up, p_down = bench_podman_rootless(user, n)
        print(f"compose_up: {n:>3} services: podman-compose rootless up -d {p_up * 1000:7.0f} ms, down "
              f"{p_down * 1000:7.0f} ms; pier rootless is {p_up / up:.1f}x faster up, {p_down / down:.1f}x down "
              f"(target > 1x)", flush=True)
    except RuntimeError as e:
        print(f"compose_up: {n:>3} services: podman-compose rootless failed: {e}", flush=True)


def start_rootless():
    """The user for the rootless rows, /dev/net/tun opened to it (pasta), and podman's
    busybox in its store. Returns (user, the tun mode to put back)."""
    tun_mode = open_tun_to_users()
    user = None
    try:
        user = BenchUser(ARGS.pier)
        user.seed_pier_busybox()
        if shutil.which("podman"):
            user.seed_podman_busybox()
        return user, tun_mode
    except BaseException:
        stop_rootless(user, tun_mode)
        raise


def stop_rootless(user, tun_mode):
    if user:
        user.remove()
    if tun_mode is not None:
        os.chmod("/dev/net/tun", tun_mode)


def main():
    sizes = [int(s) for s in ARGS.sizes.split(",")]
    root = seed_root()
    dockerd = None
    dockerd_data = None
    user, tun_mode = None, None
    try:
        if ARGS.rootless:
            user, tun_mode = start_rootless()
        if ARGS.start_dockerd and shutil.which("dockerd") and not docker_usable():
            dockerd_data = data = tempfile.mkdtemp(prefix="pier-bench-dockerd-")
            dockerd = subprocess.Popen(["dockerd", "--data-root", data, "--bridge=none", "--iptables=false",
                                        "--exec-root", data + "/exec", "-p", data + "/pid"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                if docker_usable():
                    break
                time.sleep(0.2)
        peers = []
        if docker_usable():
            prepare_docker_busybox()
            peers.append(("docker-compose", ["docker-compose"]))

        for n in sizes:
            up, up_cpu, down, down_cpu, rss = bench_pier(ARGS.pier, n, ARGS.runs, root)
            print(f"compose_up: {n:>3} services: pier up -d {up * 1000:7.0f} ms wall, {up_cpu:6.0f} ms CPU "
                  f"({up * 1000 / n:5.1f} / {up_cpu / n:4.1f} ms per service), down {down * 1000:7.0f} ms wall, "
                  f"{down_cpu:6.0f} ms CPU ({down * 1000 / n:5.1f} / {down_cpu / n:4.1f} ms per service); supervisor Rss "
                  f"{rss.get('Rss', 0) / 1024:5.1f} MiB, Pss {rss.get('Pss', 0) / 1024:5.1f} MiB, Pss_Anon "
                  f"{rss.get('Pss_Anon', 0) / 1024:5.1f} MiB (median of {ARGS.runs}, load average "
                  f"{os.getloadavg()[0]:.1f}; targets: 50 services up <= 500 ms, down <= 300 ms, Rss <= 10 MiB; "
                  f"500 services <= 4 ms per service, Rss <= 40 MiB)", flush=True)
            for label, tool in peers:
                try:
                    p_up, p_down = bench_peer(label, tool, n)
                    print(f"compose_up: {n:>3} services: {label} up -d {p_up * 1000:7.0f} ms, down "
                          f"{p_down * 1000:7.0f} ms; pier is {p_up / up:.1f}x faster up, {p_down / down:.1f}x down "
                          f"(target >= 50x)", flush=True)
                except RuntimeError as e:
                    print(f"compose_up: {n:>3} services: {label} failed: {e}", flush=True)
            if user:
                print_rootless(n, user, (up, up_cpu, down, down_cpu))
        if not peers:
            print("compose_up: no rootful peer measured (docker-compose needs a running dockerd, or pass "
                  "--start-dockerd)")
    finally:
        stop_rootless(user, tun_mode)
        subprocess.run(["umount", "-l", os.path.join(root, "run")], stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(root, ignore_errors=True)
        if dockerd:
            dockerd.terminate()
            dockerd.wait(timeout=30)
        if dockerd_data:
            shutil.rmtree(dockerd_data, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pier", default=os.path.join(SOURCE, "build", "src", "cli", "pier"))
    parser.add_argument("--sizes", default="1,10,50")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--start-dockerd", action="store_true")
    parser.add_argument("--rootless", action="store_true",
                        help="also as a throwaway user: pier rootless and podman-compose rootless")
    parser.add_argument("--run-dir-on-disk", action="store_true",
                        help="keep the run directory on the --root's disk (default: a tmpfs, as /run/pier)")
    ARGS = parser.parse_args()
    ARGS.pier = os.path.abspath(ARGS.pier)
    if os.geteuid() != 0:
        sys.exit("compose_up: needs root")
    in_private_mount_namespace()
    # crun (podman's runtime) refuses a hybrid cgroup host; pier does not use the v2
    # mount. Hidden in the bench's namespace only, as bench/run does.
    if os.path.ismount("/sys/fs/cgroup/unified"):
        subprocess.run(["umount", "-l", "/sys/fs/cgroup/unified"], check=False)
    main()
