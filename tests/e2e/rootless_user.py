"""A local user made for one rootless test: its own account (name `rcore<hex>`), optional
subordinate id ranges in /etc/subuid and /etc/subgid (through usermod), a private XDG_RUNTIME_DIR, and a
copy of the pier binary it may execute. `pier(...)` runs the real binary as that user
with a clean environment. Cleanup kills the user's processes (by pid), removes its id
ranges, its account, home and directories."""

import atexit
import io
import os
import pwd
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time

from harness import PIER, SOURCE, pid_alive, wait_for

_binary_dir = None


def user_binary():
    """pier copied where every user may run it (the build tree may not be reachable),
    with pier-supervisor beside it as an install puts it."""
    global _binary_dir
    if _binary_dir is None:
        _binary_dir = tempfile.mkdtemp(prefix="pier-e2e-rcore-bin-")
        os.chmod(_binary_dir, 0o755)
        shutil.copy2(PIER, os.path.join(_binary_dir, "pier"))
        shutil.copy2(os.path.join(os.path.dirname(PIER), "pier-supervisor"), os.path.join(_binary_dir, "pier-supervisor"))
        shutil.copy2(os.path.join(SOURCE, "scripts", "seed-busybox.sh"), os.path.join(_binary_dir, "seed-busybox.sh"))
        for name in ("pier", "pier-supervisor", "seed-busybox.sh"):
            os.chmod(os.path.join(_binary_dir, name), 0o755)
        atexit.register(shutil.rmtree, _binary_dir, True)
    return os.path.join(_binary_dir, "pier")


def tar_bytes(members, xattrs=None):
    """An uncompressed tar of (name, data, None for a directory or (major, minor) for a
    character device, uid, gid); `xattrs`:
    {name: {attribute: value}} as PAX SCHILY.xattr records."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data, uid, gid in members:
            info = tarfile.TarInfo(name)
            info.uid, info.gid = uid, gid
            info.pax_headers = {f"SCHILY.xattr.{k}": v for k, v in (xattrs or {}).get(name, {}).items()}
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                t.addfile(info)
            elif isinstance(data, tuple):  # (major, minor) of a character device
                info.type, info.mode = tarfile.CHRTYPE, 0o666
                info.devmajor, info.devminor = data
                t.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                t.addfile(info, io.BytesIO(data))
    return out.getvalue()


class RootlessUser:
    def __init__(self, test, subids=True, runtime_dir=True):
        self.test = test
        self.name = "rcore" + os.urandom(3).hex()
        self.tmp = tempfile.mkdtemp(prefix="pier-e2e-rcore-")
        os.chmod(self.tmp, 0o755)
        self.home = os.path.join(self.tmp, "home")
        # A system account: useradd then adds no subordinate ranges of its own.
        subprocess.run(["useradd", "--system", "--create-home", "--home-dir", self.home, "--shell", "/bin/sh",
                        self.name], check=True, capture_output=True)
        test.addCleanup(self.cleanup)
        entry = pwd.getpwnam(self.name)
        self.uid, self.gid = entry.pw_uid, entry.pw_gid
        self.subid_start = None
        if subids:
            # Far above useradd's ranges (SUB_UID_MAX is 600100000), below 2^32, one 65536 block per user.
            # usermod edits /etc/subuid and /etc/subgid under shadow's locks: other tests
            # add and remove their users' lines at the same time.
            self.subid_start = 1_000_000_000 + int.from_bytes(os.urandom(2), "big") % 40000 * 65536
            span = f"{self.subid_start}-{self.subid_start + 65535}"
            subprocess.run(["usermod", "--add-subuids", span, "--add-subgids", span, self.name], check=True,
                           capture_output=True)
        self.runtime_dir = None
        if runtime_dir:
            self.runtime_dir = os.path.join(self.tmp, "xdg-runtime")
            os.mkdir(self.runtime_dir, 0o700)
            os.chown(self.runtime_dir, self.uid, self.gid)
        self.binary = user_binary()

    @property
    def data_dir(self):
        return os.path.join(self.home, ".local", "share", "pier")

    @property
    def run_dir(self):
        return os.path.join(self.runtime_dir, "pier") if self.runtime_dir else f"/tmp/pier-{self.uid}"

    def env(self, extra=None):
        env = {"HOME": self.home, "PATH": "/usr/local/bin:/usr/bin:/bin", "USER": self.name, "LANG": "C.UTF-8"}
        if self.runtime_dir:
            env["XDG_RUNTIME_DIR"] = self.runtime_dir
        env.update(extra or {})
        return env

    def command(self, argv, extra_env=None):
        return ["runuser", "-u", self.name, "--", "env", "-i",
                *[f"{k}={v}" for k, v in self.env(extra_env).items()], *argv]

    def pier(self, *args, check=True, cwd=None, extra_env=None, timeout=60):
        proc = subprocess.run(self.command([self.binary, *args], extra_env), capture_output=True, text=True,
                              cwd=cwd or self.home, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"pier {' '.join(args)} as {self.name} exited {proc.returncode}\n"
                                 f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        return proc

    def popen(self, *args, cwd=None):
        return subprocess.Popen(self.command([self.binary, *args]), cwd=cwd or self.home, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def seed_busybox(self):
        script = os.path.join(os.path.dirname(self.binary), "seed-busybox.sh")
        subprocess.run(self.command([script, self.data_dir], {"PIER": self.binary}), check=True,
                       capture_output=True, cwd=self.home, timeout=120)

    def pause_pid(self):
        """The pid in the user's pause record, 0 without one."""
        try:
            with open(os.path.join(self.run_dir, "pause.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return 0

    def processes(self):
        """Pids of the user's live processes (zombies nobody reaped are not)."""
        out = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.stat(f"/proc/{entry}").st_uid == self.uid and pid_alive(int(entry)):
                        out.append(int(entry))
                except OSError:
                    pass
        return out

    def wait_no_processes(self, timeout=15):
        wait_for(lambda: not self.processes(), timeout,
                 what=lambda: f"no process of {self.name} left: {self.describe(self.processes())}")

    @staticmethod
    def describe(pids):
        names = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/comm") as f:
                    names.append(f"{pid} {f.read().strip()}")
            except OSError:
                pass
        return ", ".join(names)

    def cleanup(self):
        for _ in range(3):
            pids = self.processes()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
        if self.subid_start is not None:
            span = f"{self.subid_start}-{self.subid_start + 65535}"
            subprocess.run(["usermod", "--del-subuids", span, "--del-subgids", span, self.name], capture_output=True)
        subprocess.run(["userdel", "--force", self.name], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
        # The store holds files owned by the user's subordinate ids: removed as root.
        fallback = f"/tmp/pier-{self.uid}"
        if os.path.islink(fallback) or os.path.isfile(fallback):
            os.unlink(fallback)
        else:
            shutil.rmtree(fallback, ignore_errors=True)
