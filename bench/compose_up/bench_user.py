"""A throwaway local user for the rootless rows of compose_up: a system account (so
useradd adds no subordinate ranges of its own), one 65536-id range in /etc/subuid and
/etc/subgid, a home and a tmpfs XDG_RUNTIME_DIR (as /run/user/<uid> is on a systemd
host) under one private directory, and a copy of pier it may execute. `command(argv)`
runs argv as the user with a clean environment. `remove()` kills the user's processes
(by pid), unmounts the runtime directory, deletes its id ranges and account, and
removes the directory (home included, so podman's storage too) as root."""
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

SOURCE = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


class BenchUser:
    def __init__(self, pier):
        self.name = "pbenchr" + os.urandom(3).hex()
        self.tmp = tempfile.mkdtemp(prefix="pier-bench-user-")
        os.chmod(self.tmp, 0o755)
        self.home = os.path.join(self.tmp, "home")
        self.runtime_dir = os.path.join(self.tmp, "xdg-runtime")
        self.subid_span = None
        self.runtime_mounted = False
        subprocess.run(["useradd", "--system", "--create-home", "--home-dir", self.home, "--shell", "/bin/sh",
                        self.name], check=True, capture_output=True)
        try:
            entry = pwd.getpwnam(self.name)
            self.uid, self.gid = entry.pw_uid, entry.pw_gid
            # Above useradd's ranges (SUB_UID_MAX is 600100000) and the e2e tests' blocks.
            start = 3_000_000_000 + int.from_bytes(os.urandom(2), "big") % 10000 * 65536
            self.subid_span = f"{start}-{start + 65535}"
            subprocess.run(["usermod", "--add-subuids", self.subid_span, "--add-subgids", self.subid_span, self.name],
                           check=True, capture_output=True)
            os.mkdir(self.runtime_dir, 0o700)
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"mode=0700,uid={self.uid},gid={self.gid}",
                            "pier-bench-xdg", self.runtime_dir], check=True)
            self.runtime_mounted = True
            bin_dir = os.path.join(self.tmp, "bin")
            os.mkdir(bin_dir, 0o755)
            self.pier = os.path.join(bin_dir, "pier")
            shutil.copy2(pier, self.pier)
            self.seed_script = os.path.join(bin_dir, "seed-busybox.sh")
            shutil.copy2(os.path.join(SOURCE, "scripts", "seed-busybox.sh"), self.seed_script)
            for path in (self.pier, self.seed_script):
                os.chmod(path, 0o755)
        except BaseException:
            self.remove()
            raise

    def command(self, argv):
        env = {"HOME": self.home, "PATH": "/usr/local/bin:/usr/bin:/bin", "USER": self.name, "LANG": "C.UTF-8",
               "XDG_RUNTIME_DIR": self.runtime_dir}
        return ["runuser", "-u", self.name, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()], *argv]

    def run(self, argv, **kwargs):
        return subprocess.run(self.command(argv), cwd=self.home, check=True, capture_output=True, **kwargs)

    def workdir(self):
        """A fresh directory the user owns, for one compose file."""
        path = tempfile.mkdtemp(prefix="work-", dir=self.home)
        os.chown(path, self.uid, self.gid)
        return path

    def seed_pier_busybox(self):
        self.run(["env", f"PIER={self.pier}", self.seed_script, os.path.join(self.home, ".local", "share", "pier")])

    def seed_podman_busybox(self):
        """busybox:latest in the user's podman store, from the host's busybox-static."""
        rootfs = os.path.join(self.home, "busybox-rootfs")
        os.makedirs(os.path.join(rootfs, "bin"))
        shutil.copy("/bin/busybox", os.path.join(rootfs, "bin", "busybox"))
        for applet in ("sh", "sleep"):
            os.symlink("busybox", os.path.join(rootfs, "bin", applet))
        tar = os.path.join(self.home, "busybox.tar")
        subprocess.run(["tar", "--numeric-owner", "--owner=0", "--group=0", "-C", rootfs, "-cf", tar, "."], check=True)
        os.chmod(tar, 0o644)
        self.run(["podman", "import", "-c", "ENV PATH=/bin", tar, "busybox:latest"])

    def processes(self):
        out = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.stat(f"/proc/{entry}").st_uid == self.uid:
                        out.append(int(entry))
                except OSError:
                    pass
        return out

    def wait_no_processes(self, timeout):
        """The user's pause process and supervisor exit on their own after `down`."""
        deadline = time.monotonic() + timeout
        while self.processes() and time.monotonic() < deadline:
            time.sleep(0.05)

    def remove(self):
        for _ in range(5):
            pids = self.processes()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
        if self.runtime_mounted:
            subprocess.run(["umount", self.runtime_dir], check=False)
        if self.subid_span:
            subprocess.run(["usermod", "--del-subuids", self.subid_span, "--del-subgids", self.subid_span, self.name],
                           capture_output=True)
        subprocess.run(["userdel", "--force", self.name], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
        fallback = f"/tmp/pier-{getattr(self, 'uid', -1)}"
        if os.path.isdir(fallback) and not os.path.islink(fallback):
            shutil.rmtree(fallback, ignore_errors=True)


def open_tun_to_users():
    """pasta (and podman's slirp4netns) need /dev/net/tun, which this host makes root-only.
    Returns the mode to put back, or None when it was already 0666."""
    mode = os.stat("/dev/net/tun").st_mode & 0o777
    if mode == 0o666:
        return None
    os.chmod("/dev/net/tun", 0o666)
    return mode
