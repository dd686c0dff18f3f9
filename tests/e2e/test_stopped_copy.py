"""`cp` and `export` of stopped containers (created or exited) through the real binary,
as `docker cp`/`docker export` reach them: the image's layers under the container's
writable layer, mounted for the CLI alone; what is copied in lands in the writable layer
and is there at the next start. A link the container planted is still resolved inside
the container, and no mount is left behind."""

import io
import os
import subprocess
import tarfile
import tempfile
import unittest

from harness import Project

COMPOSE = """\
    services:
      web:
        image: busybox
        command: ["sh", "-c", "mkdir -p /data/sub && echo hello > /data/sub/a.txt && rm -f /bin/ls && ln -sfn /etc /data/escape && touch /ready && exec sleep 3600"]
"""


class StoppedCopy(unittest.TestCase):
    def stopped(self):
        p = Project(self, COMPOSE, name="clix" + os.urandom(3).hex())
        p.pier("up", "-d")
        p.wait_state(f"{p.name}-web-1", "running")
        for _ in range(100):
            if p.pier("exec", "-T", "web", "test", "-e", "/ready", check=False).returncode == 0:
                break
        p.pier("stop", "-t", "1", "web")
        p.wait_state(f"{p.name}-web-1", "exited")
        self.out = tempfile.mkdtemp(prefix="clix-out-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.out])
        return p

    def no_mount_of(self, p, container):
        upper = p.record(container)["scratch_dir"] + "/upper"
        with open("/proc/self/mountinfo") as f:
            self.assertNotIn(upper, f.read())

    def test_cp_reads_and_writes_a_stopped_container_seen_at_its_next_start(self):
        p = self.stopped()
        name = f"{p.name}-web-1"
        # Out of the writable layer and out of the image's layers.
        p.pier("cp", "web:/data/sub/a.txt", os.path.join(self.out, "a.txt"))
        with open(os.path.join(self.out, "a.txt")) as f:
            self.assertEqual(f.read(), "hello\n")
        p.pier("cp", "web:/bin/busybox", os.path.join(self.out, "busybox"))
        self.assertGreater(os.path.getsize(os.path.join(self.out, "busybox")), 100000)
        # What the container deleted stays deleted.
        gone = p.pier("cp", "web:/bin/ls", self.out, check=False)
        self.assertNotEqual(gone.returncode, 0)
        self.assertIn("could not find the file /bin/ls", gone.stderr)
        # In: into its writable layer, also through the link it planted to /etc, which
        # is the container's /etc, never the host's.
        marker = "clix-" + os.urandom(4).hex()
        src = os.path.join(self.out, marker)
        with open(src, "w") as f:
            f.write("copied while stopped\n")
        p.pier("cp", src, "web:/data/")
        p.pier("cp", src, "web:/data/escape/")
        self.assertFalse(os.path.exists("/etc/" + marker), "the copy left the container")
        upper = p.record(name)["scratch_dir"] + "/upper"
        self.assertTrue(os.path.isfile(os.path.join(upper, "data", marker)))
        self.assertTrue(os.path.isfile(os.path.join(upper, "etc", marker)))
        self.no_mount_of(p, name)
        self.assertEqual(p.record(name)["state"], "exited")
        p.pier("start", "web")
        p.wait_state(name, "running")
        seen = p.pier("exec", "-T", "web", "cat", f"/data/{marker}", f"/etc/{marker}").stdout
        self.assertEqual(seen, "copied while stopped\n" * 2)

    def test_cp_into_a_created_container_and_export_of_a_stopped_one(self):
        p = Project(self, COMPOSE, name="clix" + os.urandom(3).hex())
        p.pier("create")
        name = f"{p.name}-web-1"
        p.wait_state(name, "created")
        out = tempfile.mkdtemp(prefix="clix-out-")
        self.addCleanup(subprocess.run, ["rm", "-rf", out])
        src = os.path.join(out, "seed.txt")
        with open(src, "w") as f:
            f.write("before the first start\n")
        # docker create; docker cp; docker start.
        p.pier("cp", src, "web:/")
        self.no_mount_of(p, name)
        p.pier("start", "web")
        p.wait_state(name, "running")
        self.assertEqual(p.pier("exec", "-T", "web", "cat", "/seed.txt").stdout, "before the first start\n")
        for _ in range(100):
            if p.pier("exec", "-T", "web", "test", "-e", "/ready", check=False).returncode == 0:
                break
        p.pier("stop", "-t", "1", "web")
        p.wait_state(name, "exited")
        tar_path = os.path.join(out, "web.tar")
        p.pier("export", "-o", tar_path, "web")
        with tarfile.open(tar_path) as tar:
            names = set(m.name.rstrip("/") for m in tar.getmembers())
            self.assertEqual(tar.extractfile("seed.txt").read(), b"before the first start\n")
            self.assertEqual(tar.extractfile("data/sub/a.txt").read(), b"hello\n")
            self.assertEqual(tar.getmember("data/escape").linkname, "/etc")
        self.assertIn("bin/busybox", names)
        self.assertNotIn("bin/ls", names, "a file the container deleted is exported")
        self.no_mount_of(p, name)
        # To stdout too.
        piped = subprocess.run(p.argv("export", "web"), capture_output=True, timeout=60)
        self.assertEqual(piped.returncode, 0, piped.stderr)
        with tarfile.open(fileobj=io.BytesIO(piped.stdout)) as tar:
            self.assertIn("data/sub/a.txt", tar.getnames())


if __name__ == "__main__":
    unittest.main()
