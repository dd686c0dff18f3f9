"""What the whole-command benchmarks (run/, compose_up/) share.

- CpuCgroup: the CPU time of whole commands, the processes they leave behind included
  (pier's supervisor outlives the CLI that started it): each command runs in a cgroup of
  the bench's own, whose CPU usage is read before and after. Containers move to their
  own cgroups and are not counted.
- A private mount namespace for the bench, and in it a tmpfs on the run directory of
  the bench's --root: pier's default root keeps its run directory in /run/pier, a tmpfs
  on every systemd host, while a --root keeps it in <root>/run, on that disk. On ext4
  the run directory's files cost `up -d` of 50 services twice the CPU (inode allocation,
  `recently_deleted`, was 38% of its profile), which is not what users of the default
  root pay.
"""
import os
import subprocess
import sys
import tempfile
import time

PRIVATE_NS_ENV = "PIER_BENCH_PRIVATE_NS"


def in_private_mount_namespace():
    """Re-executes this script in a private mount namespace (once); returns in it."""
    if os.environ.get(PRIVATE_NS_ENV):
        return
    os.environ[PRIVATE_NS_ENV] = "1"
    os.execvp("unshare", ["unshare", "--mount", "--propagation", "private", sys.executable] + sys.argv)


def run_dir_on_tmpfs(root):
    """A tmpfs on <root>/run, as /run/pier is for the default root (private namespace only)."""
    run = os.path.join(root, "run")
    os.makedirs(run, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "pier-bench-run", run], check=True)


def seeded_root(pier, prefix):
    """A fresh --root with busybox:latest seeded from Debian's busybox-static."""
    root = tempfile.mkdtemp(prefix=prefix)
    source = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run([os.path.join(source, "scripts", "seed-busybox.sh"), root], check=True,
                   stdout=subprocess.DEVNULL, env=dict(os.environ, PIER=pier))
    return root


class CpuCgroup:
    """A cgroup whose CPU usage counts one command and the processes it leaves behind."""

    def __init__(self):
        name = f"pier-bench-cpu-{os.getpid()}"
        if os.path.exists("/sys/fs/cgroup/cpuacct/cpuacct.usage"):
            self.path = f"/sys/fs/cgroup/cpuacct/{name}"
            self.usage_file, self.scale = "cpuacct.usage", 1e-6  # ns
        else:
            self.path = f"/sys/fs/cgroup/{name}"
            self.usage_file, self.scale = None, 1e-3  # cpu.stat usage_usec
        os.makedirs(self.path, exist_ok=True)

    def usage_ms(self):
        if self.usage_file:
            with open(os.path.join(self.path, self.usage_file)) as f:
                return int(f.read()) * self.scale
        with open(os.path.join(self.path, "cpu.stat")) as f:
            for line in f:
                if line.startswith("usage_usec"):
                    return int(line.split()[1]) * self.scale
        return 0.0

    def enter_fn(self):
        procs = os.path.join(self.path, "cgroup.procs")
        return lambda: open(procs, "w").write(str(os.getpid()))

    def run(self, argv, **kwargs):
        """subprocess.run(argv) in this cgroup; returns (process, wall ms). The clock starts
        in the child once it is in the cgroup, just before its exec: moving a process into
        a v1 cgroup waits out an RCU grace period (8-12 ms here), which is the bench's
        doing, not the measured command's, and would pad every tool's figure alike."""
        stamp_read, stamp_write = os.pipe()
        enter = self.enter_fn()

        def enter_and_stamp():
            enter()
            os.write(stamp_write, str(time.perf_counter_ns()).encode())

        try:
            proc = subprocess.run(argv, preexec_fn=enter_and_stamp, **kwargs)
            end = time.perf_counter_ns()
            os.close(stamp_write)
            stamp_write = -1
            with os.fdopen(stamp_read, "rb") as f:
                stamp_read = -1
                start = int(f.read() or end)
        finally:
            for fd in (stamp_read, stamp_write):
                if fd >= 0:
                    os.close(fd)
        return proc, (end - start) / 1e6

    def empty(self):
        with open(os.path.join(self.path, "cgroup.procs")) as f:
            return not f.read().strip()

    def remove(self):
        try:
            os.rmdir(self.path)
        except OSError:
            pass
