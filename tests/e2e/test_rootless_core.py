"""Rootless pier's core (issue 19): a user's directories, the per-user pause process that
holds pier's user and mount namespaces (made once, joined after, gone when nothing uses
it), id mapping from /etc/subuid and /etc/subgid or the single-id fallback, the image
store as a user, and one user's pier against another's. Every test runs the real binary
as users it creates (rootless_user.py)."""

import os
import stat
import subprocess
import textwrap
import unittest

from harness import pid_alive, wait_for
from rootless_user import RootlessUser, tar_bytes


def ns_inode(pid, kind="user"):
    return os.readlink(f"/proc/{pid}/ns/{kind}")


def read(path):
    with open(path) as f:
        return f.read()


def descendant(pid, comm):
    """The first process named `comm` at or under `pid`, 0 if none (yet)."""
    while pid:
        try:
            if read(f"/proc/{pid}/comm").strip() == comm:
                return pid
        except OSError:
            return 0
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pid = int(children[0]) if children else 0
    return 0


class BlockedImport:
    """`pier image import` of a FIFO as `user`: a pier command that stays inside the
    user's namespaces until `finish()` feeds it a tar."""

    def __init__(self, user, name="held:1", wait=True):
        self.fifo = os.path.join(user.tmp, f"fifo-{os.urandom(3).hex()}")
        os.mkfifo(self.fifo, 0o600)
        os.chown(self.fifo, user.uid, user.gid)
        self.proc = user.popen("image", "import", self.fifo, name)
        if wait:
            self.wait_blocked()

    def wait_blocked(self):
        wait_for(lambda: self.proc.poll() is not None or self.blocked(), 30, what="pier image import to open its FIFO")
        if self.proc.poll() is not None:
            raise AssertionError("pier image import exited early:\n" + self.proc.stderr.read())

    def pier_pid(self):
        """The pier process: runuser's child (or runuser itself, exec'd through env)."""
        return descendant(self.proc.pid, "pier")

    def blocked(self):
        pid = self.pier_pid()
        try:
            return pid and read(f"/proc/{pid}/wchan") == "wait_for_partner"
        except OSError:
            return False

    def finish(self):
        with open(self.fifo, "wb") as f:
            f.write(tar_bytes([("a", b"a", 0, 0)]))
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, err


class RootlessCore(unittest.TestCase):
    def test_a_user_gets_xdg_directories_and_one_namespace_its_commands_join(self):
        user = RootlessUser(self)
        out = user.pier("image", "ls")
        self.assertIn("REPOSITORY", out.stdout)
        self.assertNotIn("warning", out.stderr, "XDG_RUNTIME_DIR is set and the user has subordinate ids")
        for path in (user.data_dir, user.run_dir):
            st = os.lstat(path)
            self.assertTrue(stat.S_ISDIR(st.st_mode), path)
            self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (user.uid, 0o700), path)
        self.assertTrue(os.path.isdir(os.path.join(user.data_dir, "images")), "the store is in $HOME/.local/share/pier")

        # XDG_DATA_HOME wins over HOME; --root and PIER_ROOT over both.
        xdg_data = os.path.join(user.home, "xdg-data")
        user.pier("image", "ls", extra_env={"XDG_DATA_HOME": xdg_data})
        self.assertTrue(os.path.isdir(os.path.join(xdg_data, "pier", "images")))
        explicit = os.path.join(user.home, "explicit")
        user.pier("image", "ls", extra_env={"XDG_DATA_HOME": xdg_data, "PIER_ROOT": explicit})
        self.assertTrue(os.path.isdir(os.path.join(explicit, "images")))
        user.wait_no_processes()

        # Commands racing to be first make one pause process; all of them join it.
        first = [BlockedImport(user, f"first{i}:1", wait=False) for i in range(4)]
        for blocked in first:
            blocked.wait_blocked()
        pause = user.pause_pid()
        self.assertTrue(pid_alive(pause), "the pause process runs while pier commands use it")
        self.assertEqual(read(f"/proc/{pause}/comm").strip(), "pier-pause")
        self.assertEqual(read(f"/proc/{pause}/cmdline").rstrip("\0"), "pier-pause", "not the command that started it")
        self.assertEqual(os.stat(f"/proc/{pause}").st_uid, user.uid)
        self.assertEqual(read(f"/proc/{pause}/uid_map").split(),
                         ["0", str(user.uid), "1", "1", str(user.subid_start), "65536"])
        self.assertEqual(read(f"/proc/{pause}/gid_map").split(),
                         ["0", str(user.gid), "1", "1", str(user.subid_start), "65536"])
        pauses = [p for p in user.processes() if read(f"/proc/{p}/comm").strip() == "pier-pause"]
        self.assertEqual(pauses, [pause], "one pause process for the user")
        for blocked in first:
            pid = blocked.pier_pid()
            self.assertEqual(ns_inode(pid), ns_inode(pause), "a command joins the pause process's user namespace")
            self.assertEqual(ns_inode(pid, "mnt"), ns_inode(pause, "mnt"), "and its mount namespace")
            self.assertNotEqual(ns_inode(pause), ns_inode(os.getpid()))
        # A later command joins the same one.
        later = BlockedImport(user, "later:1")
        self.assertEqual(ns_inode(later.pier_pid()), ns_inode(pause))
        self.assertEqual(user.pause_pid(), pause)
        # A mount made in pier's mount namespace is seen by every pier process of the user
        # (a restarted supervisor finds a container's overlay root) and never by the host.
        probe = os.path.join(user.home, "probe")
        os.mkdir(probe)
        subprocess.run(user.command(["nsenter", "-t", str(pause), "-U", "-m", "--preserve-credentials",
                                     "mount", "-t", "tmpfs", "rcoreprobe", probe]), check=True, capture_output=True)
        seen_by = BlockedImport(user, "seen:1")
        self.assertIn(f" {probe} ", read(f"/proc/{seen_by.pier_pid()}/mountinfo"))
        self.assertNotIn(f" {probe} ", read("/proc/self/mountinfo"))
        later = [later, seen_by]

        # Nothing left using it: the pause process exits and removes its record.
        for blocked in first + later:
            rc, err = blocked.finish()
            self.assertEqual(rc, 0, err)
        user.wait_no_processes()
        self.assertFalse(os.path.exists(os.path.join(user.run_dir, "pause.pid")))

        # Started as uid 0 of a user namespace someone else made, pier stays in it: the
        # user's directories, no pause process.
        inside = subprocess.run(user.command(["unshare", "-r", "sh", "-c",
                                              f"{user.binary} image ls && cat /proc/self/uid_map"]),
                                capture_output=True, text=True, cwd=user.home, timeout=60)
        self.assertEqual(inside.returncode, 0, inside.stderr)
        self.assertIn("first0", inside.stdout, "the images of the user's store")
        self.assertFalse(os.path.exists(os.path.join(user.run_dir, "pause.pid")))

    def test_without_subordinate_ids_the_namespace_maps_only_the_user_and_says_what_that_limits(self):
        user = RootlessUser(self, subids=False)
        held = BlockedImport(user)
        pause = user.pause_pid()
        self.assertEqual(read(f"/proc/{pause}/uid_map").split(), ["0", str(user.uid), "1"])
        self.assertEqual(read(f"/proc/{pause}/gid_map").split(), ["0", str(user.gid), "1"])
        self.assertEqual(read(f"/proc/{pause}/setgroups").strip(), "deny")
        # The warning comes with the namespace, once: a command joining it says nothing.
        again = user.pier("image", "ls")
        self.assertNotIn("warning", again.stderr)
        tarball = os.path.join(user.tmp, "www.tar")
        with open(tarball, "wb") as f:
            f.write(tar_bytes([("www", None, 33, 33), ("www/index.html", b"hi", 33, 33)]))
        os.chmod(tarball, 0o644)
        refused = user.pier("image", "import", tarball, "www:1", check=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("chown `www` to 33:33: the id is not mapped in pier's user namespace", refused.stderr)
        rc, first_stderr = held.finish()
        self.assertEqual(rc, 0, first_stderr)
        self.assertIn(f"user `{user.name}` has no subordinate uids in /etc/subuid", first_stderr)
        self.assertIn("an image with files owned by other ids cannot be unpacked", first_stderr)
        user.wait_no_processes()

    def test_image_files_are_owned_by_the_users_subordinate_ids_shifted_by_one(self):
        user = RootlessUser(self)
        tarball = os.path.join(user.tmp, "www.tar")
        with open(tarball, "wb") as f:
            f.write(tar_bytes([("www", None, 33, 33), ("www/index.html", b"hi", 33, 34), ("root.txt", b"r", 0, 0)]))
        os.chmod(tarball, 0o644)
        user.pier("image", "import", tarball, "www:1")
        layers = os.path.join(user.data_dir, "images", "layers")
        (layer,) = os.listdir(layers)
        index = os.stat(os.path.join(layers, layer, "root", "www", "index.html"))
        # Inside, 33 is 33: the map sends 1.. to the subordinate range, 0 to the user.
        self.assertEqual((index.st_uid, index.st_gid), (user.subid_start + 32, user.subid_start + 33))
        owner = os.stat(os.path.join(layers, layer, "root", "root.txt"))
        self.assertEqual((owner.st_uid, owner.st_gid), (user.uid, user.gid))
        # Seen from pier's namespace (the way a container sees it), the owner is 33 again.
        held = BlockedImport(user)
        seen = subprocess.run(user.command(["nsenter", "-t", str(user.pause_pid()), "-U", "--preserve-credentials",
                                            "stat", "-c", "%u:%g", os.path.join(layers, layer, "root", "www",
                                                                               "index.html")]),
                              capture_output=True, text=True, check=True).stdout.strip()
        self.assertEqual(seen, "33:34")
        self.assertEqual(held.finish()[0], 0)
        # An id past the 65536 the user has is refused by name, and nothing is stored.
        known = set(os.listdir(layers))
        with open(tarball, "wb") as f:
            f.write(tar_bytes([("far", b"x", 70000, 0)]))
        refused = user.pier("image", "import", tarball, "far:1", check=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("chown `far` to 70000:0: the id is not mapped in pier's user namespace", refused.stderr)
        self.assertIn("/etc/subuid", refused.stderr)
        self.assertEqual(set(os.listdir(layers)), known)
        # Opaque directories of a rootless layer carry overlayfs's user.* attribute, and
        # only pier's whiteout translation sets it: a layer's own is dropped.
        with open(tarball, "wb") as f:
            f.write(tar_bytes([("d", None, 0, 0), ("d/.wh..wh..opq", b"", 0, 0), ("forged", None, 0, 0)],
                              xattrs={"forged": {"user.overlay.opaque": "y", "user.overlay.redirect": "/etc"}}))
        user.pier("image", "import", tarball, "opaque:1")
        (opaque_layer,) = set(os.listdir(layers)) - known
        self.assertEqual(os.getxattr(os.path.join(layers, opaque_layer, "root", "d"), "user.overlay.opaque"), b"y")
        self.assertEqual(os.listxattr(os.path.join(layers, opaque_layer, "root", "forged")), [])
        # A device node cannot be made in a user namespace (nor opened by its containers):
        # it is left out, and the rest of the layer is there.
        known = set(os.listdir(layers))
        with open(tarball, "wb") as f:
            f.write(tar_bytes([("dev", None, 0, 0), ("dev/null", (1, 3), 0, 0), ("dev/keep", b"k", 0, 0)]))
        user.pier("image", "import", tarball, "devices:1")
        (device_layer,) = set(os.listdir(layers)) - known
        self.assertEqual(sorted(os.listdir(os.path.join(layers, device_layer, "root", "dev"))), ["keep"])
        user.wait_no_processes()

    def test_image_commands_work_as_a_user_busybox_a_registry_pull_and_a_build(self):
        from test_more_commands import LocalRegistry
        user = RootlessUser(self)
        user.seed_busybox()
        listed = user.pier("image", "ls")
        self.assertIn("busybox", listed.stdout)
        registry = LocalRegistry(self)
        ref = registry.push_busybox(f"{user.name}/bb:1")
        user.pier("image", "pull", "-q", ref)
        self.assertIn(f"{user.name}/bb", user.pier("image", "ls").stdout)
        user.pier("image", "rm", ref)
        self.assertNotIn(f"{user.name}/bb", user.pier("image", "ls").stdout)
        # A build whose steps need no container (RUN needs the rootless runtime): its
        # layers are written inside the namespace, a --chown owner shifted like an image's.
        context = os.path.join(user.home, "app")
        os.mkdir(context)
        for name, text in {"Dockerfile": "FROM busybox\nCOPY --chown=33:33 f /srv/f\n", "f": "hi\n",
                           "compose.yaml": "services:\n  app:\n    build: .\n    image: rcorebuilt:1\n"}.items():
            with open(os.path.join(context, name), "w") as f:
                f.write(text)
        for path in [context] + [os.path.join(context, n) for n in os.listdir(context)]:
            os.chown(path, user.uid, user.gid)
        user.pier("build", cwd=context)
        self.assertIn("rcorebuilt", user.pier("image", "ls").stdout)
        built = [os.path.join(d, "f") for d, _, files in os.walk(os.path.join(user.data_dir, "images", "layers"))
                 if d.endswith("/root/srv") and "f" in files]
        self.assertEqual([(os.stat(p).st_uid, os.stat(p).st_gid) for p in built],
                         [(user.subid_start + 32, user.subid_start + 32)])
        # Every file of the store is the user's or one of its subordinate ids: no root's.
        for dirpath, dirnames, filenames in os.walk(user.data_dir):
            for name in dirnames + filenames:
                st = os.lstat(os.path.join(dirpath, name))
                self.assertTrue(st.st_uid == user.uid or user.subid_start <= st.st_uid < user.subid_start + 65536,
                                os.path.join(dirpath, name))
        user.wait_no_processes()

    def test_a_pause_record_naming_another_users_process_is_not_joined(self):
        user = RootlessUser(self)
        user.pier("image", "ls")
        user.wait_no_processes()
        # A live process in a user namespace of its own, as the pause process is, but root's.
        decoy = subprocess.Popen(["unshare", "-U", "sleep", "120"])
        self.addCleanup(decoy.wait)
        self.addCleanup(decoy.kill)
        wait_for(lambda: ns_inode(decoy.pid) != ns_inode(os.getpid()), what="the decoy's user namespace")
        start_time = read(f"/proc/{decoy.pid}/stat").rsplit(")", 1)[1].split()[19]
        record = os.path.join(user.run_dir, "pause.pid")
        with open(record, "w") as f:
            f.write(f"{decoy.pid} {start_time}\n")
        os.chown(record, user.uid, user.gid)
        held = BlockedImport(user)
        pause = user.pause_pid()
        self.assertNotEqual(pause, decoy.pid)
        self.assertEqual(os.stat(f"/proc/{pause}").st_uid, user.uid)
        self.assertEqual(ns_inode(held.pier_pid()), ns_inode(pause))
        self.assertEqual(held.finish()[0], 0)
        user.wait_no_processes()
        # The user's own process in a user namespace, under a recorded pid whose start
        # time is not its own: the pid of a pause process that ended, since given to it.
        own = subprocess.Popen(user.command(["unshare", "-U", "sleep", "120"]))
        self.addCleanup(own.wait)
        self.addCleanup(own.kill)
        sleeper = wait_for(lambda: descendant(own.pid, "sleep"), what="the user's sleep")
        wait_for(lambda: ns_inode(sleeper) != ns_inode(os.getpid()), what="the sleep's user namespace")
        start_time = int(read(f"/proc/{sleeper}/stat").rsplit(")", 1)[1].split()[19])
        with open(record, "w") as f:
            f.write(f"{sleeper} {start_time + 1}\n")
        held = BlockedImport(user)
        self.assertNotEqual(user.pause_pid(), sleeper)
        self.assertNotEqual(ns_inode(held.pier_pid()), ns_inode(sleeper))
        self.assertEqual(held.finish()[0], 0)
        os.kill(sleeper, 9)
        user.wait_no_processes()

    def test_a_run_directory_under_tmp_that_another_user_prepared_is_refused(self):
        user = RootlessUser(self, runtime_dir=False)
        trap = f"/tmp/pier-{user.uid}"
        decoy = os.path.join(user.tmp, "decoy")
        os.mkdir(decoy)
        os.chmod(decoy, 0o777)
        # A symlink to a directory the attacker reads.
        os.symlink(decoy, trap)
        out = user.pier("image", "ls", check=False)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"refusing pier's run directory `{trap}`: it is a symbolic link", out.stderr)
        self.assertEqual(os.listdir(decoy), [], "nothing was written through the link")
        os.unlink(trap)
        # A directory someone else owns, private or not.
        os.mkdir(trap, 0o700)
        out = user.pier("image", "ls", check=False)
        self.assertIn(f"refusing pier's run directory `{trap}`: it is owned by uid 0", out.stderr)
        os.rmdir(trap)
        # The user's own, but others may write it.
        os.mkdir(trap)
        os.chown(trap, user.uid, user.gid)
        os.chmod(trap, 0o777)
        out = user.pier("image", "ls", check=False)
        self.assertIn(f"refusing pier's run directory `{trap}`: its mode is 0777, not 0700", out.stderr)
        os.rmdir(trap)
        # None there: pier makes it, private, and says why it is under /tmp.
        out = user.pier("image", "ls")
        self.assertIn(f"warning: XDG_RUNTIME_DIR is not set: pier keeps its run state in `{trap}`", out.stderr)
        st = os.lstat(trap)
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (user.uid, 0o700))
        self.assertTrue(os.path.exists(os.path.join(trap, "pause.lock")))
        user.wait_no_processes()

    def test_one_users_project_is_invisible_and_untouchable_to_another(self):
        owner = RootlessUser(self)
        other = RootlessUser(self)
        owner.seed_busybox()
        project = os.path.join(owner.tmp, "shared-project")
        os.mkdir(project, 0o755)
        with open(os.path.join(project, "compose.yaml"), "w") as f:
            f.write(textwrap.dedent("""\
                name: rcoreshared
                services:
                  app:
                    image: busybox
                    network_mode: none
                    command: ["sleep", "1000"]
            """))
        os.chmod(os.path.join(project, "compose.yaml"), 0o644)
        # Whether the container starts depends on the rootless runtime; the project exists
        # either way: its supervisor and the app's record.
        owner.pier("up", "-d", cwd=project, check=False, timeout=120)
        supervisor = int(read(os.path.join(owner.run_dir, "rcoreshared", "supervisor.pid")))
        self.assertTrue(pid_alive(supervisor))
        self.assertEqual(ns_inode(supervisor), ns_inode(owner.pause_pid()),
                         "the supervisor runs in the user's namespace")
        self.assertEqual(ns_inode(supervisor, "mnt"), ns_inode(owner.pause_pid(), "mnt"))
        self.assertIn("rcoreshared-app-1", owner.pier("ps", "-a", cwd=project).stdout)
        self.assertIn("rcoreshared", owner.pier("ls", "-a").stdout)
        # The other user, same project name and files: nothing to see, nothing to stop.
        self.assertNotIn("rcoreshared-app-1", other.pier("ps", "-a", cwd=project).stdout)
        self.assertNotIn("rcoreshared", other.pier("ls", "-a").stdout)
        other.pier("down", cwd=project, check=False)
        self.assertTrue(pid_alive(supervisor), "another user's down left the supervisor alone")
        self.assertTrue(os.listdir(os.path.join(owner.run_dir, "rcoreshared", "containers")))
        # Pointing at the owner's directories is refused by the kernel (0700).
        peek = other.pier("image", "ls", extra_env={"PIER_ROOT": owner.data_dir}, check=False)
        self.assertNotIn("busybox", peek.stdout)
        self.assertIn("Permission denied", peek.stderr)
        peek = other.pier("ls", "-a", extra_env={"XDG_RUNTIME_DIR": owner.runtime_dir}, check=False)
        self.assertNotIn("rcoreshared", peek.stdout)
        self.assertIn("Permission denied", peek.stderr)
        self.assertNotEqual(other.pause_pid(), owner.pause_pid())
        # The owner's down of its last project: no supervisor, no pause process is left.
        owner.pier("down", cwd=project, check=False)
        owner.wait_no_processes()
        other.wait_no_processes()
        self.assertFalse(os.path.exists(os.path.join(owner.run_dir, "pause.pid")))


if __name__ == "__main__":
    unittest.main()
