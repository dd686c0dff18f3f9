"""`pier cp` through the real binary: docker cp's placement rules both ways, tar streams on
stdin and stdout, -a, -L, --index, and a hostile container (design rule 8): a link it
planted to the host's /etc, a FIFO, a device node and a setuid file, its /proc."""

import io
import os
import stat
import subprocess
import tarfile
import tempfile
import unittest

from harness import Project

COMPOSE = """\
    services:
      web:
        image: busybox
        command: ["sh", "-c", "mkdir -p /data/sub && echo hello > /data/sub/a.txt && ln -s sub/a.txt /data/link && touch /ready && exec sleep 3600"]
"""


class Cp(unittest.TestCase):
    def up(self, compose=COMPOSE):
        p = Project(self, compose, name="cpstats" + os.urandom(3).hex())
        p.pier("up", "-d")
        p.wait_state(f"{p.name}-web-1", "running")
        for _ in range(100):
            if p.pier("exec", "-T", "web", "test", "-e", "/ready", check=False).returncode == 0:
                break
        self.out = tempfile.mkdtemp(prefix="cpstats-out-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.out])
        return p

    def read(self, *parts):
        with open(os.path.join(self.out, *parts)) as f:
            return f.read()

    def test_cp_follows_docker_cp_placement_both_ways(self):
        p = self.up()
        # A file to a new name, into a directory, and a directory made, merged, or its content.
        p.pier("cp", "web:/data/sub/a.txt", os.path.join(self.out, "renamed.txt"))
        self.assertEqual(self.read("renamed.txt"), "hello\n")
        os.mkdir(os.path.join(self.out, "into"))
        p.pier("cp", "web:/data/sub/a.txt", os.path.join(self.out, "into"))
        self.assertEqual(self.read("into", "a.txt"), "hello\n")
        p.pier("cp", "web:/data", os.path.join(self.out, "made"))
        self.assertEqual(self.read("made", "sub", "a.txt"), "hello\n")
        self.assertEqual(os.readlink(os.path.join(self.out, "made", "link")), "sub/a.txt")
        p.pier("cp", "web:/data", os.path.join(self.out, "into"))
        self.assertEqual(self.read("into", "data", "sub", "a.txt"), "hello\n")
        os.mkdir(os.path.join(self.out, "content"))
        p.pier("cp", "web:/data/.", os.path.join(self.out, "content"))
        self.assertEqual(self.read("content", "sub", "a.txt"), "hello\n")
        # -L follows the link SRC names; without it the link itself is copied.
        p.pier("cp", "web:/data/link", os.path.join(self.out, "as-link"))
        self.assertTrue(os.path.islink(os.path.join(self.out, "as-link")))
        p.pier("cp", "-L", "web:/data/link", os.path.join(self.out, "followed"))
        self.assertEqual(self.read("followed"), "hello\n")

        # Into the container: owned by its root without -a, the source's owner with it.
        src = os.path.join(self.out, "host.txt")
        with open(src, "w") as f:
            f.write("from host\n")
        os.chown(src, 1234, 2345)
        p.pier("cp", src, "web:/tmp/")
        self.assertEqual(p.pier("exec", "-T", "web", "cat", "/tmp/host.txt").stdout, "from host\n")
        self.assertEqual(p.pier("exec", "-T", "web", "stat", "-c", "%u:%g", "/tmp/host.txt").stdout, "0:0\n")
        p.pier("cp", "-a", src, "web:/tmp/kept.txt")
        self.assertEqual(p.pier("exec", "-T", "web", "stat", "-c", "%u:%g", "/tmp/kept.txt").stdout, "1234:2345\n")
        p.pier("cp", os.path.join(self.out, "made"), "web:/tmp/tree")
        self.assertEqual(p.pier("exec", "-T", "web", "cat", "/tmp/tree/sub/a.txt").stdout, "hello\n")

    def test_cp_streams_a_tar_on_stdout_and_from_stdin(self):
        p = self.up()
        out = subprocess.run(p.argv("cp", "web:/data", "-"), capture_output=True, timeout=60, cwd=p.dir)
        self.assertEqual(out.returncode, 0, out.stderr)
        with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
            self.assertIn("data/sub/a.txt", tar.getnames())
            self.assertEqual(tar.extractfile("data/sub/a.txt").read(), b"hello\n")
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            info = tarfile.TarInfo("in/x.txt")
            info.size = 3
            tar.addfile(info, io.BytesIO(b"abc"))
        sent = subprocess.run(p.argv("cp", "-", "web:/tmp"), input=buffer.getvalue(), capture_output=True,
                              timeout=60, cwd=p.dir)
        self.assertEqual(sent.returncode, 0, sent.stderr)
        self.assertEqual(p.pier("exec", "-T", "web", "cat", "/tmp/in/x.txt").stdout, "abc")
        refused = subprocess.run(p.argv("cp", "-", "web:/data/sub/a.txt"), input=buffer.getvalue(),
                                 capture_output=True, timeout=60, cwd=p.dir)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn(b"must be a directory", refused.stderr)

    def test_cp_errors_name_the_container_the_path_and_the_reason(self):
        p = self.up()
        missing = p.pier("cp", "web:/nope", self.out, check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn(f"could not find the file /nope in container {p.name}-web-1", missing.stderr)
        not_dir = p.pier("cp", "web:/data/sub/a.txt/", self.out, check=False)
        self.assertIn("Not a directory", not_dir.stderr)
        self.assertIn(f"{p.name}-web-1:/data/sub/a.txt", not_dir.stderr)
        to_file = p.pier("cp", "web:/data", os.path.join(self.out, "f"), check=False)
        self.assertEqual(to_file.returncode, 0)
        with open(os.path.join(self.out, "file"), "w"):
            pass
        dir_to_file = p.pier("cp", "web:/data", os.path.join(self.out, "file"), check=False)
        self.assertIn("cannot copy a directory to a file", dir_to_file.stderr)
        both = p.pier("cp", "web:/a", "web:/b", check=False)
        self.assertIn("copying between services is not supported", both.stderr)
        neither = p.pier("cp", "a", "b", check=False)
        self.assertIn("must name a service path", neither.stderr)
        no_service = p.pier("cp", "db:/a", self.out, check=False)
        self.assertIn("no such service: db", no_service.stderr)
        no_index = p.pier("cp", "--index", "3", "web:/data", self.out, check=False)
        self.assertIn('service "web" has no container with index 3', no_index.stderr)
        no_parent = p.pier("cp", os.path.join(self.out, "file"), "web:/missing/dir/x", check=False)
        self.assertIn(f"destination directory {p.name}-web-1:/missing/dir does not exist", no_parent.stderr)

    def test_cp_into_a_link_the_container_planted_to_etc_stays_in_the_container(self):
        p = self.up()
        probe = "pier-cpstats-probe-" + os.urandom(3).hex()
        self.assertFalse(os.path.exists("/etc/" + probe))
        for name in (probe, probe + "-2", probe + "-3"):
            self.addCleanup(lambda n=name: os.path.exists("/etc/" + n) and os.remove("/etc/" + n))
        p.pier("exec", "-T", "web", "sh", "-c", "ln -s /etc /data/etc-link && ln -s ../../../../../../etc /data/up")
        src = os.path.join(self.out, probe)
        with open(src, "w") as f:
            f.write("x\n")
        # The destination directory is a link, a link's parent, and a member's parent.
        p.pier("cp", src, "web:/data/etc-link/")
        p.pier("cp", src, "web:/data/up/" + probe + "-2")
        os.mkdir(os.path.join(self.out, "tree"))
        with open(os.path.join(self.out, "tree", probe + "-3"), "w") as f:
            f.write("y\n")
        p.pier("cp", os.path.join(self.out, "tree", "."), "web:/data/etc-link")
        for name in (probe, probe + "-2", probe + "-3"):
            self.assertFalse(os.path.exists("/etc/" + name), "pier cp wrote through the link to the host's /etc")
            self.assertEqual(p.pier("exec", "-T", "web", "test", "-f", "/etc/" + name, check=False).returncode, 0)
        # Out of the container, the same links are copied as links, never read through.
        p.pier("cp", "web:/data/etc-link/.", os.path.join(self.out, "etc"))
        self.assertFalse(os.path.exists(os.path.join(self.out, "etc", "shadow")))

    def test_cp_out_copies_a_fifo_as_a_fifo_without_opening_it(self):
        p = self.up()
        p.pier("exec", "-T", "web", "sh", "-c", "mkfifo /data/fifo")
        p.pier("cp", "web:/data", os.path.join(self.out, "data"), timeout=30)
        self.assertTrue(stat.S_ISFIFO(os.lstat(os.path.join(self.out, "data", "fifo")).st_mode))
        # The FIFO as SRC itself: an entry, never opened.
        p.pier("cp", "web:/data/fifo", os.path.join(self.out, "fifo"), timeout=30)
        self.assertTrue(stat.S_ISFIFO(os.lstat(os.path.join(self.out, "fifo")).st_mode))

    def test_cp_out_makes_no_device_node_and_no_setuid_file_on_the_host(self):
        p = self.up()
        p.pier("exec", "-T", "web", "sh", "-c",
               "mknod /data/disk b 7 0 && cp /bin/busybox /data/suid && chmod 6755 /data/suid")
        run = p.pier("cp", "web:/data", os.path.join(self.out, "data"), timeout=30)
        self.assertFalse(os.path.lexists(os.path.join(self.out, "data", "disk")))
        self.assertIn("device node `data/disk` was not copied", run.stderr)
        mode = os.stat(os.path.join(self.out, "data", "suid")).st_mode
        self.assertEqual(mode & (stat.S_ISUID | stat.S_ISGID), 0, oct(mode))
        self.assertEqual(stat.S_IMODE(mode), 0o755)

    def test_cp_out_leaves_the_containers_proc_and_sys_empty(self):
        p = self.up()
        for fs in ("proc", "sys"):
            p.pier("cp", "web:/" + fs, os.path.join(self.out, fs), timeout=30)
            self.assertEqual(os.listdir(os.path.join(self.out, fs)), [])

    def test_cp_into_a_service_reaches_every_replica_unless_index_is_given(self):
        p = self.up(COMPOSE + "        deploy:\n          replicas: 2\n")
        p.wait_state(f"{p.name}-web-2", "running")
        src = os.path.join(self.out, "r.txt")
        with open(src, "w") as f:
            f.write("r\n")
        p.pier("cp", src, "web:/tmp/")
        for index in ("1", "2"):
            self.assertEqual(p.pier("exec", "-T", "--index", index, "web", "cat", "/tmp/r.txt").stdout, "r\n")
        p.pier("cp", "--index", "2", src, "web:/tmp/only2.txt")
        self.assertEqual(p.pier("exec", "-T", "--index", "2", "web", "cat", "/tmp/only2.txt").stdout, "r\n")
        self.assertNotEqual(p.pier("exec", "-T", "--index", "1", "web", "test", "-e", "/tmp/only2.txt",
                                   check=False).returncode, 0)


if __name__ == "__main__":
    unittest.main()
