"""Files and directories a container controls, seen from the host (design rule 8): an
image's /etc/passwd that is a FIFO, a device node or a symlink out of the image is never
opened on the host, and what a container writes (its writable layer, its volumes) is out
of other local users' reach (CVE-2021-41091) while the container's own non-root user
still reads and writes what it should."""

import glob
import io
import os
import stat
import subprocess
import tarfile
import time
import unittest

from harness import PIER, Project, wait_for

APPLETS = ["sh", "id", "cat", "echo", "sleep", "rm", "mkfifo", "ls", "true"]
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"


def add_file(tar, name, data, mode=0o644, uid=0, gid=0):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.uid, info.gid = len(data), mode, uid, gid
    tar.addfile(info, io.BytesIO(data))


def add_node(tar, name, kind, mode=0o755, linkname="", uid=0, gid=0, major=0, minor=0):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname, info.uid, info.gid = kind, mode, linkname, uid, gid
    info.devmajor, info.devminor = major, minor
    tar.addfile(info)


def import_image(p, name, content):
    """A one-layer busybox image (no /etc) plus what `content(tar)` adds."""
    path = os.path.join(p.root, name.replace(":", "_") + ".tar")
    with tarfile.open(path, "w") as tar:
        for d in ["bin", "tmp", "root", "home"]:
            add_node(tar, d, tarfile.DIRTYPE, mode=0o1777 if d == "tmp" else 0o755)
        with open("/bin/busybox", "rb") as f:
            add_file(tar, "bin/busybox", f.read(), mode=0o755)
        for applet in APPLETS:
            add_node(tar, "bin/" + applet, tarfile.SYMTYPE, mode=0o777, linkname="busybox")
        content(tar)
    subprocess.run([PIER, "--root", p.root, "image", "import", "-c", 'CMD ["sh"]', path, name], check=True,
                   capture_output=True, timeout=60)


def etc_with(passwd, group):
    def content(tar):
        add_node(tar, "etc", tarfile.DIRTYPE)
        passwd(tar) if callable(passwd) else add_file(tar, "etc/passwd", passwd.encode())
        group(tar) if callable(group) else add_file(tar, "etc/group", group.encode())
    return content


def private(path):
    return stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0


class TrustFiles(unittest.TestCase):
    def bounded(self, p, *args, timeout=30):
        """A pier command that must answer within `timeout` seconds, whatever it answers."""
        try:
            return p.pier(*args, check=False, timeout=timeout)
        except subprocess.TimeoutExpired:
            p.remember_pids()  # the cleanup kills a supervisor stuck in open(2)
            self.fail(f"pier {' '.join(args)} did not answer within {timeout}s\n{p.supervisor_log()}")

    def assert_refused(self, out, path, kind):
        self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn(path, out.stderr)
        self.assertIn(f"it is {kind}, not a regular file", out.stderr)

    def assert_supervisor_responsive(self, p):
        start = time.monotonic()
        p.pier("ps", "-a", timeout=10)
        self.assertLess(time.monotonic() - start, 10)

    def test_a_fifo_at_etc_passwd_fails_up_and_run_fast_and_names_it(self):
        p = Project(self, """
            services:
              app:
                image: fifo:1
                user: nobody
                command: ["sleep", "1000"]
        """)
        import_image(p, "fifo:1", etc_with(lambda tar: add_node(tar, "etc/passwd", tarfile.FIFOTYPE, 0o644), GROUP))
        self.assert_refused(self.bounded(p, "up", "-d"), "etc/passwd", "a FIFO")
        self.assert_supervisor_responsive(p)
        self.assert_refused(self.bounded(p, "run", "--rm", "-T", "app", "true"), "etc/passwd", "a FIFO")
        self.assert_supervisor_responsive(p)

    def test_copy_chown_refuses_a_fifo_at_the_stage_passwd(self):
        p = Project(self, """
            services:
              app:
                build: .
                image: chowned:1
        """, files={"Dockerfile": "FROM fifo:1\nCOPY --chown=nobody greeting /greeting\n", "greeting": "hi\n"})
        import_image(p, "fifo:1", etc_with(lambda tar: add_node(tar, "etc/passwd", tarfile.FIFOTYPE, 0o644), GROUP))
        out = self.bounded(p, "build", "app", timeout=60)
        self.assert_refused(out, "etc/passwd", "a FIFO")
        self.assertIn("Dockerfile:2", out.stderr)

    def test_a_device_node_at_etc_group_is_refused(self):
        p = Project(self, """
            services:
              app:
                image: devnode:1
                user: nobody
                command: ["sleep", "1000"]
        """)
        import_image(p, "devnode:1", etc_with(
            PASSWD, lambda tar: add_node(tar, "etc/group", tarfile.CHRTYPE, 0o666, major=1, minor=3)))
        self.assert_refused(self.bounded(p, "up", "-d"), "etc/group", "a character device")
        self.assert_supervisor_responsive(p)

    def test_etc_linked_out_of_the_image_resolves_inside_it(self):
        p = Project(self, """
            services:
              app:
                image: linked:1
                user: nobody
                command: ["sh", "-c", "id -u; sleep 1000"]
        """)
        # /etc is a link climbing to a host directory whose passwd maps nobody to 4242;
        # inside the image, the same path holds the image's own passwd (5555).
        host_etc = os.path.join(p.root, "host-etc")
        os.makedirs(host_etc)
        with open(os.path.join(host_etc, "passwd"), "w") as f:
            f.write("nobody:x:4242:4242::/:/bin/sh\n")

        def content(tar):
            parts = host_etc.strip("/").split("/")
            for i in range(1, len(parts) + 1):
                add_node(tar, "/".join(parts[:i]), tarfile.DIRTYPE)
            add_file(tar, host_etc.strip("/") + "/passwd", b"nobody:x:5555:5555::/:/bin/sh\n")
            add_file(tar, host_etc.strip("/") + "/group", GROUP.encode())
            add_node(tar, "etc", tarfile.SYMTYPE, 0o777, linkname="/../../.." + host_etc)
        import_image(p, "linked:1", content)
        out = self.bounded(p, "up", "-d")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr + p.supervisor_log())
        # The container's own process: its user was resolved on the host before it started.
        uid = wait_for(lambda: p.pier("logs", "--no-log-prefix", "app").stdout.strip(), what="the uid in the logs")
        self.assertEqual(uid, "5555", "nobody must come from the image's passwd, not the host's")

    def test_exec_and_restart_refuse_a_fifo_the_running_container_made(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        p.pier("exec", "-T", "app", "sh", "-c", "rm /etc/passwd && mkfifo /etc/passwd")
        self.assert_refused(self.bounded(p, "exec", "-T", "-u", "nobody", "app", "true"), "etc/passwd", "a FIFO")
        self.assert_supervisor_responsive(p)
        # The FIFO is in the container's upper dir now, which the next start reads.
        self.assert_refused(self.bounded(p, "restart", "-t", "1", "app"), "upper/etc/passwd", "a FIFO")
        self.assert_supervisor_responsive(p)

    def test_container_content_is_private_on_the_host_and_a_non_root_user_still_works(self):
        p = Project(self, """
            services:
              app:
                image: owned:1
                user: "1000"
                command: ["sleep", "1000"]
                volumes: ["data:/data", "/scratch"]
            volumes:
              data: {}
        """)

        def content(tar):
            etc_with(PASSWD + "app:x:1000:1000::/home:/bin/sh\n", GROUP)(tar)
            add_node(tar, "data", tarfile.DIRTYPE, 0o755, uid=1000, gid=1000)
        import_image(p, "owned:1", content)
        p.pier("up", "-d")
        container = p.name + "-app-1"
        volumes = os.path.join(p.root, "volumes")
        scratch = os.path.join(p.run_dir, "scratch", container)
        anonymous = glob.glob(os.path.join(volumes, "_anonymous", p.name, container, "*"))
        self.assertEqual(len(anonymous), 1, anonymous)
        for path in [volumes, os.path.join(volumes, p.name + "_data"), scratch, os.path.dirname(anonymous[0]),
                     os.path.join(volumes, "_anonymous")]:
            self.assertTrue(private(path), f"{path} is {oct(stat.S_IMODE(os.stat(path).st_mode))}")
        # User 1000 walks its tree, reads the generated files and writes the volume it owns.
        out = p.pier("exec", "-T", "app", "sh", "-c",
                     "id -u; ls / >/dev/null && cat /etc/hosts /etc/resolv.conf /etc/hostname >/dev/null"
                     " && echo hi > /data/f && cat /data/f", timeout=30)
        self.assertEqual(out.stdout.split(), ["1000", "hi"], out.stderr)
        self.assertEqual(os.stat(os.path.join(volumes, p.name + "_data", "_data", "f")).st_uid, 1000)
