"""End-to-end harness: runs the real `pier` binary, as root, on a fresh root and
project per test, with busybox seeded from the host's busybox-static. Every test
ends with `pier down` and a leak check (processes, cgroups, links, nft tables)."""

import ctypes
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import textwrap
import threading
import time
import unittest

PIER = os.environ.get("PIER_BINARY", "")
SOURCE = os.environ.get("PIER_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
_seed_cache = None
SEED_SCRIPT = os.path.join(SOURCE, "scripts", "seed-busybox.sh")
SEED_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "pier-tests", "busybox-seeds")


def seeded_store():
    """A root with busybox:latest that tests copy their images from. Every e2e test is a
    process of its own and seeding takes seconds, so the seed is made once per set of
    inputs (this pier, the host's busybox, the seed script) and kept in SEED_CACHE."""
    global _seed_cache
    if _seed_cache is None:
        _seed_cache = _cached_seed()
    return _seed_cache


def _seed_key():
    """pier and busybox by identity and time of change (pier is large with its debug
    information: hashing it cost a second per test), the script by content."""
    digest = hashlib.sha256()
    for path in (PIER, os.environ.get("BUSYBOX", "/bin/busybox")):
        st = os.stat(path)
        digest.update(f"{os.path.realpath(path)} {st.st_dev} {st.st_ino} {st.st_size} {st.st_mtime_ns}\n".encode())
    with open(SEED_SCRIPT, "rb") as f:
        digest.update(f.read())
    return digest.hexdigest()[:32]


def _cached_seed():
    os.makedirs(SEED_CACHE, mode=0o700, exist_ok=True)
    seed = os.path.join(SEED_CACHE, _seed_key())
    if os.path.isdir(seed):
        os.utime(seed)  # in use: kept by _prune_seeds
        return seed
    # Seeded beside it and renamed into place, so a seed that is there is whole; of two
    # processes seeding at once, the second's rename fails and it uses the first's.
    work = tempfile.mkdtemp(prefix=".seeding-", dir=SEED_CACHE)
    try:
        subprocess.run([SEED_SCRIPT, work], check=True, env=dict(os.environ, PIER=PIER),
                       stdout=subprocess.DEVNULL)
        os.rename(work, seed)
    except OSError:
        if not os.path.isdir(seed):
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _prune_seeds(keep=seed)
    return seed


def _prune_seeds(keep, unused_for=2 * 86400):
    """Seeds of other builds not used for two days, and seedings left by a killed test."""
    now = time.time()
    for entry in os.scandir(SEED_CACHE):
        if entry.path != keep and now - entry.stat(follow_symlinks=False).st_mtime > unused_for:
            shutil.rmtree(entry.path, ignore_errors=True)


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")


def pid_alive(pid):
    """Running (a zombie nobody reaped is not: this machine's PID 1 may not reap). A
    killed process whose main thread is already a zombie still runs while any other
    thread of it is exiting, and holds its files (a supervisor's lock) until the last
    one is gone: every thread counts."""
    if not pid:
        return False
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                    return True
        except OSError:
            continue
    return False


def pier_links():
    """Names of pier-made links (bridges `pier-*`, host veth ends `pv*`) in this netns."""
    return {name for _, name in socket.if_nameindex() if name.startswith(("pier-", "pv"))}


class Nft:
    """libnftables through ctypes (the nft command is not always installed)."""

    def __init__(self):
        lib = ctypes.CDLL("libnftables.so.1")
        lib.nft_ctx_new.restype = ctypes.c_void_p
        lib.nft_ctx_new.argtypes = [ctypes.c_uint32]
        for f in ("nft_ctx_buffer_output", "nft_ctx_buffer_error", "nft_ctx_free"):
            getattr(lib, f).argtypes = [ctypes.c_void_p]
        lib.nft_run_cmd_from_buffer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        for f in ("nft_ctx_get_output_buffer", "nft_ctx_get_error_buffer"):
            getattr(lib, f).argtypes = [ctypes.c_void_p]
            getattr(lib, f).restype = ctypes.c_char_p
        self.lib = lib

    def run(self, commands):
        """(ok, output) of one nft command buffer."""
        ctx = self.lib.nft_ctx_new(0)
        try:
            self.lib.nft_ctx_buffer_output(ctx)
            self.lib.nft_ctx_buffer_error(ctx)
            rc = self.lib.nft_run_cmd_from_buffer(ctx, commands.encode())
            out = self.lib.nft_ctx_get_output_buffer(ctx) or b""
            err = self.lib.nft_ctx_get_error_buffer(ctx) or b""
            return rc == 0, (out + err).decode()
        finally:
            self.lib.nft_ctx_free(ctx)

    def tables(self):
        """The names of every nft table on the host."""
        ok, out = self.run("list tables")
        return {line.split()[-1] for line in out.splitlines() if line.startswith("table ")} if ok else set()


def kernel_name(root, project):
    """The project's name among kernel objects, as state::project_paths makes it: the
    project under the default root, else `<project>.<8 hex>`, the hex from pier's fnv1a
    (base/strings.h) of the real path of the root's run directory (where the project's lock is)."""
    run = os.path.realpath("/run/pier" if root == "/var/lib/pier" else root + "/run")
    if run == os.path.realpath("/run/pier"):
        return project
    h = 1469598103934665603
    for byte in run.encode():
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{project}.{h & 0xFFFFFFFF:08x}"


def nft_table(kernel):
    """The project's nft table (net::nft_table_name)."""
    if "_" in kernel:
        return "pier-" + kernel
    return "pier_" + "".join(c if c.isalnum() or c == "." else "_" for c in kernel)


def container_pids(kernel):
    """Host PIDs of every process in the cgroups of a project, by its kernel_name (all
    hierarchies)."""
    pids = set()
    for procs in glob.glob(f"/sys/fs/cgroup/**/pier/{kernel}/**/cgroup.procs", recursive=True):
        with open(procs) as f:
            pids.update(int(line) for line in f if line.strip())
    return pids


class Project:
    def __init__(self, test, compose, name=None, files=None):
        self.test = test
        self.root = tempfile.mkdtemp(prefix="pe-")
        shutil.copytree(os.path.join(seeded_store(), "images"), os.path.join(self.root, "images"), symlinks=True)
        self.dir = os.path.join(self.root, "project")
        os.makedirs(self.dir)
        self.name = name or ("e2e" + os.urandom(3).hex())
        self.write("compose.yaml", compose)
        for path, text in (files or {}).items():
            self.write(path, text)
        self.run_dir = os.path.join(self.root, "run", self.name)
        self.kernel_name = kernel_name(self.root, self.name)
        self.seen_pids = set()
        # Links are checked against what was there before, in this process's own network
        # namespace (if_nameindex asks the kernel over netlink; /sys/class/net shows the
        # namespace sysfs was mounted in, which under some CI sandboxes is another one).
        # A pier project the user has running on the same machine is not this test's leak.
        self.links_before = pier_links()
        test.addCleanup(self.cleanup)

    def write(self, path, text):
        full = os.path.join(self.dir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(textwrap.dedent(text))

    def argv(self, *args):
        return [PIER, "--root", self.root, "-p", self.name, "-f", os.path.join(self.dir, "compose.yaml"), *args]

    def pier(self, *args, check=True, timeout=60, input=None, env=None):
        """`env`: variables added to this process's environment for the CLI."""
        proc = subprocess.run(self.argv(*args), capture_output=True, text=True, timeout=timeout, input=input,
                              cwd=self.dir, env=dict(os.environ, **env) if env else None)
        if check and proc.returncode != 0:
            raise AssertionError(f"pier {' '.join(args)} exited {proc.returncode}\nstdout:\n{proc.stdout}\n"
                                 f"stderr:\n{proc.stderr}\nsupervisor log:\n{self.supervisor_log()}")
        self.remember_pids()
        return proc

    def popen(self, *args, **kwargs):
        return subprocess.Popen(self.argv(*args), cwd=self.dir, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, **kwargs)

    def supervisor_log(self):
        try:
            with open(os.path.join(self.run_dir, "supervisor.log")) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def records(self):
        out = {}
        for path in glob.glob(os.path.join(self.run_dir, "containers", "*.json")):
            try:
                with open(path) as f:
                    r = json.load(f)
            except (OSError, ValueError):
                continue
            out[r["name"]] = r
        self.seen_pids.update(r.get("pid", 0) for r in out.values())
        return out

    def record(self, container):
        return self.records().get(container)

    def remember_pids(self):
        self.records()
        pid = self.supervisor_pid()
        if pid:
            self.seen_pids.add(pid)

    def supervisor_pid(self):
        try:
            with open(os.path.join(self.run_dir, "supervisor.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return 0

    def wait_state(self, container, state, timeout=10, health=None):
        def check():
            r = self.record(container)
            return r and r["state"] == state and (health is None or r["health"] == health)
        return wait_for(check, timeout, what=f"{container} to be {state} {health or ''}\n{self.supervisor_log()}")

    def cleanup(self):
        try:
            subprocess.run(self.argv("down", "-t", "1", "-v"), capture_output=True, timeout=60)
        finally:
            leaks = self.leaks()
            for pid in self.seen_pids:
                if pid_alive(pid):
                    os.kill(pid, signal.SIGKILL)
            shutil.rmtree(self.root, ignore_errors=True)
            if leaks:
                self.test.fail("left behind after down: " + "; ".join(leaks))

    def leaks(self):
        found = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(pid_alive(p) for p in self.seen_pids):
            time.sleep(0.05)
        for pid in self.seen_pids:
            if pid_alive(pid) and pid != os.getpid():
                found.append(f"process {pid} ({open(f'/proc/{pid}/comm').read().strip() if pid_alive(pid) else ''})")
        for path in glob.glob("/sys/fs/cgroup/**/pier/" + self.kernel_name, recursive=True):
            found.append("cgroup " + path)
        for name in sorted(pier_links() - self.links_before):
            found.append("link " + name)
        # Through libnftables: the nft command is not installed everywhere pier is tested.
        table = nft_table(self.kernel_name)
        if table in Nft().tables():
            found.append("nft table " + table)
        if os.path.exists(os.path.join(self.run_dir, "containers")) and os.listdir(os.path.join(self.run_dir, "containers")):
            found.append("container records")
        return found


def project_with_outbox(test, compose):
    """A project with a host directory `out` that any container user may write into:
    what ran in the containers, seen from outside. Returns the project and the path.
    The project is named after the test's file (`test_pre_start` -> `prestart...`)."""
    prefix = type(test).__module__.removeprefix("test_").replace("_", "")
    p = Project(test, compose, name=prefix + os.urandom(3).hex())
    out = os.path.join(p.dir, "out")
    os.makedirs(out)
    os.chmod(out, 0o777)
    return p, out


def read_out(out, name):
    with open(os.path.join(out, name)) as f:
        return f.read()


def free_port():
    return free_ports(1)[0]


def free_ports(count):
    """`count` distinct free TCP ports: all held at once while they are picked (two
    free_port() calls in a row may get the same port back)."""
    held = [socket.socket() for _ in range(count)]
    try:
        for s in held:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def http_get(port, path="/", timeout=5.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                if data:
                    return data.decode(errors="replace")
                # pier's loopback proxy accepted, but nothing listens in the container yet.
                last = "the connection closed without an answer"
        except OSError as e:
            last = e
        time.sleep(0.1)
    raise AssertionError(f"no HTTP answer on port {port}: {last}")


class EventReader:
    """`pier events --json` in the background, its lines collected as they come."""

    def __init__(self, project):
        self.proc = project.popen("events", "--json")
        self.events = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.events.append(json.loads(line))
            except ValueError:
                pass

    def of(self, name, action):
        return [e for e in list(self.events) if e.get("name") == name and e.get("action") == action]

    def actions(self, name):
        return [e.get("action") for e in list(self.events) if e.get("name") == name]

    def close(self):
        self.proc.kill()
        self.proc.communicate()
