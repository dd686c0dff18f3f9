"""A rootless pier for one test, without pier's own bootstrap: a user the test creates (its name has `rrun` in it),
with subordinate ids in /etc/subuid and /etc/subgid, and a holder process in a user and
mount namespace of that user's (`unshare --user --mount`, root there = the user). Every
pier command the test runs joins those namespaces as the user (`nsenter`), as pier's own
bootstrap has its commands join the user's namespace. Cleanup ends every process of the
user, removes the user, its id ranges, its directories and its cgroup."""

import glob
import os
import pwd
import random
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time

from harness import PIER, SOURCE, kernel_name, pid_alive, wait_for

RANGE = 65536


def _remove_lines(path, prefix):
    with open(path) as f:
        lines = f.readlines()
    with open(path, "w") as f:
        f.writelines(line for line in lines if not line.startswith(prefix))


class RootlessUser:
    def __init__(self, test, full_map=True, delegate_cgroup=False):
        self.test = test
        self.name = "rrun" + os.urandom(3).hex()
        self.base = tempfile.mkdtemp(prefix="pe-rrun-")
        os.chmod(self.base, 0o755)
        self.home = os.path.join(self.base, "home")
        os.makedirs(self.home)
        subprocess.run(["useradd", "-M", "-d", self.home, "-s", "/bin/sh", self.name], check=True)
        test.addCleanup(self.cleanup)
        entry = pwd.getpwnam(self.name)
        self.uid, self.gid = entry.pw_uid, entry.pw_gid
        os.chown(self.home, self.uid, self.gid)
        # A range of its own, far above the machine's users and other tests' ranges.
        self.sub_start = 1_000_000 + random.randrange(1, 20000) * RANGE
        for path in ("/etc/subuid", "/etc/subgid"):
            with open(path, "a") as f:
                f.write(f"{self.name}:{self.sub_start}:{RANGE}\n")
        # pier's binary where the user may run it (the build tree may be private).
        self.bin_dir = os.path.join(self.base, "bin")
        os.makedirs(self.bin_dir)
        self.pier_binary = os.path.join(self.bin_dir, "pier")
        shutil.copy2(PIER, self.pier_binary)
        os.chmod(self.pier_binary, 0o755)
        self.cgroup = None
        if delegate_cgroup:
            self.cgroup = self._delegate_cgroup()
        maps = ([f"--map-users={self.sub_start},1,{RANGE}", f"--map-groups={self.sub_start},1,{RANGE}"]
                if full_map else [])
        self.holder = subprocess.Popen(
            self._as_user(["unshare", "--user", "--mount", "--map-root-user", *maps, "sleep", "infinity"]),
            cwd=self.home, stdin=subprocess.DEVNULL, preexec_fn=self._enter_cgroup)
        wait_for(lambda: self._holder_mapped(), what="the holder's user namespace")

    # --- the namespaces --------------------------------------------------------------

    def _as_user(self, argv):
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups", *argv]

    def _enter_cgroup(self):
        # Runs as root in the child before exec: the user's processes live in its cgroup.
        if self.cgroup:
            with open(os.path.join(self.cgroup, "session", "cgroup.procs"), "w") as f:
                f.write("0")

    def _holder_mapped(self):
        try:
            with open(f"/proc/{self.holder.pid}/uid_map") as f:
                return f.read().split()[:2] == ["0", str(self.uid)]
        except OSError:
            return False

    def _delegate_cgroup(self):
        """A cgroup v2 directory the user owns, as systemd's Delegate=yes makes
        user@<uid>.service, with the user's processes in a `session` cgroup below it."""
        mounts = [line.split()[4] for line in open("/proc/self/mountinfo") if " - cgroup2 " in line]
        if not mounts:
            self.test.skipTest("no cgroup v2 hierarchy to delegate")
        top = os.path.join(mounts[0], self.name)
        for path in (top, os.path.join(top, "session")):
            os.mkdir(path)
            for f in [path] + [os.path.join(path, n) for n in ("cgroup.procs", "cgroup.subtree_control", "cgroup.threads")]:
                if os.path.exists(f):
                    os.chown(f, self.uid, self.gid)
        return top

    def run(self, argv, check=True, timeout=60, input=None, cwd=None, env=None):
        """`argv` as the user, root of its user namespace, in its mount namespace."""
        full = self._as_user(["nsenter", "-t", str(self.holder.pid), "-U", "-m", "--preserve-credentials", "--", *argv])
        environment = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": self.home, "USER": self.name}
        environment.update(env or {})
        proc = subprocess.run(full, capture_output=True, text=True, timeout=timeout, input=input,
                              cwd=cwd or self.home, env=environment, preexec_fn=self._enter_cgroup)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} exited {proc.returncode}\nstdout:\n{proc.stdout}\n"
                                 f"stderr:\n{proc.stderr}")
        return proc

    def mkdir(self, path):
        os.makedirs(path, exist_ok=True)
        os.chown(path, self.uid, self.gid)
        return path

    def processes(self):
        """The pids of every process running as the user (its namespace's root)."""
        out = []
        for status in glob.glob("/proc/[0-9]*/status"):
            try:
                with open(status) as f:
                    for line in f:
                        if line.startswith("Uid:"):
                            if str(self.uid) in line.split()[1:2] or self._in_range(line):
                                out.append(int(status.split("/")[2]))
                            break
            except OSError:
                continue
        return [p for p in out if pid_alive(p)]

    def _in_range(self, uid_line):
        real = int(uid_line.split()[1])
        return self.sub_start <= real < self.sub_start + RANGE

    def cleanup(self):
        for _ in range(50):
            pids = self.processes()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.05)
        if getattr(self, "holder", None):
            self.holder.wait(timeout=10)
        subprocess.run(["userdel", self.name], capture_output=True)
        for path in ("/etc/subuid", "/etc/subgid"):
            _remove_lines(path, self.name + ":")
        if self.cgroup:
            # Children first: pier's own pier/<project> levels, if any were left.
            for d in sorted(glob.glob(self.cgroup + "/**/", recursive=True), key=len, reverse=True):
                try:
                    os.rmdir(d)
                except OSError:
                    pass
        shutil.rmtree(self.base, ignore_errors=True)
        # Without XDG_RUNTIME_DIR the user's pier keeps its namespace state here
        # (rootless/locations.cpp): it goes with the user.
        shutil.rmtree(f"/tmp/pier-{self.uid}", ignore_errors=True)


class RootlessProject:
    """A pier project of `user`, with its own root under the user's directory and
    busybox seeded there by the user (scripts/seed-busybox.sh)."""

    def __init__(self, user, compose, files=None):
        self.user = user
        self.root = user.mkdir(os.path.join(user.base, "root"))
        self.dir = user.mkdir(os.path.join(user.base, "project"))
        self.name = "rrun" + os.urandom(3).hex()
        self.write("compose.yaml", compose)
        for path, text in (files or {}).items():
            self.write(path, text)
        self.kernel_name = kernel_name(self.root, self.name)
        user.run([os.path.join(SOURCE, "scripts", "seed-busybox.sh"), self.root],
                 env={"PIER": user.pier_binary}, timeout=120)
        user.test.addCleanup(self.cleanup)

    def write(self, path, text):
        full = os.path.join(self.dir, path)
        self.user.mkdir(os.path.dirname(full))
        with open(full, "w") as f:
            f.write(textwrap.dedent(text))
        os.chown(full, self.user.uid, self.user.gid)

    def pier(self, *args, check=True, timeout=60, input=None):
        argv = [self.user.pier_binary, "--root", self.root, "-p", self.name,
                "-f", os.path.join(self.dir, "compose.yaml"), *args]
        proc = self.user.run(argv, check=False, timeout=timeout, input=input, cwd=self.dir)
        if check and proc.returncode != 0:
            raise AssertionError(f"pier {' '.join(args)} exited {proc.returncode}\nstdout:\n{proc.stdout}\n"
                                 f"stderr:\n{proc.stderr}\nsupervisor log:\n{self.supervisor_log()}")
        return proc

    def supervisor_log(self):
        try:
            with open(os.path.join(self.root, "run", self.name, "supervisor.log")) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def records(self):
        import json
        out = {}
        for path in glob.glob(os.path.join(self.root, "run", self.name, "containers", "*.json")):
            try:
                with open(path) as f:
                    r = json.load(f)
            except (OSError, ValueError):
                continue
            out[r["name"]] = r
        return out

    def record(self, container):
        return self.records().get(container)

    def wait_state(self, container, state, timeout=10):
        def check():
            r = self.record(container)
            return r and r["state"] == state
        return wait_for(check, timeout, what=lambda: f"{container} to be {state}\n{self.supervisor_log()}")

    def cleanup(self):
        self.pier("down", "-t", "1", "-v", check=False)
