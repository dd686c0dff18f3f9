"""`pier export` and `pier commit` through the real binary: the container's own files as a
tar (its mounts, /proc and a FIFO it made left unread), and a new image from its
writable layer that `image ls` lists and a service runs."""

import io
import json
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
        command: ["sh", "-c", "echo made > /made.txt && mkfifo /fifo && ln -s /etc/shadow /link && rm /etc/nsswitch.conf && echo v > /vol/in-volume && touch /ready && exec sleep 3600"]
        volumes:
          - data:/vol
      check:
        image: cpstats/committed:v1
        profiles: [check]
    volumes:
      data: {}
"""


class ExportCommit(unittest.TestCase):
    def up(self):
        p = Project(self, COMPOSE, name="cpstats" + os.urandom(3).hex())
        p.pier("up", "-d", "web")
        p.wait_state(f"{p.name}-web-1", "running")
        for _ in range(100):
            if p.pier("exec", "-T", "web", "test", "-e", "/ready", check=False).returncode == 0:
                break
        return p

    def test_export_writes_the_containers_own_files_and_leaves_its_mounts_out(self):
        p = self.up()
        out = tempfile.mkdtemp(prefix="cpstats-export-")
        self.addCleanup(subprocess.run, ["rm", "-rf", out])
        path = os.path.join(out, "web.tar")
        p.pier("export", "-o", path, "web", timeout=60)
        with tarfile.open(path) as tar:
            names = set(tar.getnames())
            self.assertEqual(tar.extractfile("made.txt").read(), b"made\n")
            self.assertTrue(tar.getmember("fifo").isfifo())
            self.assertEqual(tar.getmember("link").linkname, "/etc/shadow")
        self.assertIn("bin/busybox", names)
        self.assertNotIn("etc/nsswitch.conf", names)
        self.assertIn("vol", names)  # the volume's mount point, empty
        self.assertNotIn("vol/in-volume", names)
        self.assertIn("proc", names)
        self.assertFalse([n for n in names if n.startswith("proc/") or n.startswith("sys/")])
        # To a pipe as well; a terminal is refused (not testable without one).
        piped = subprocess.run(p.argv("export", "web"), capture_output=True, timeout=60, cwd=p.dir)
        self.assertEqual(piped.returncode, 0, piped.stderr)
        with tarfile.open(fileobj=io.BytesIO(piped.stdout)) as tar:
            self.assertIn("made.txt", tar.getnames())
        missing = p.pier("export", "--index", "2", "web", check=False)
        self.assertIn('service "web" has no container with index 2', missing.stderr)

    def test_commit_makes_an_image_that_image_ls_lists_and_a_service_runs(self):
        p = self.up()
        commit = p.pier("commit", "-a", "cpstats <c@example.com>", "-m", "from e2e", "-c", "ENV FOO=bar",
                        "web", "cpstats/committed:v1", timeout=120)
        image_id = commit.stdout.strip()
        self.assertRegex(image_id, r"^sha256:[0-9a-f]{64}$")
        # -p (the default) froze it for the commit only.
        self.assertEqual(p.record(f"{p.name}-web-1")["state"], "running")
        self.assertEqual(p.pier("exec", "-T", "web", "echo", "alive").stdout, "alive\n")
        listed = p.pier("image", "ls").stdout
        self.assertIn("cpstats/committed", listed)
        inspect = json.loads(p.pier("image", "inspect", "cpstats/committed:v1").stdout)[0]
        self.assertEqual(inspect["Id"], image_id)
        self.assertIn("FOO=bar", inspect["Config"]["Env"])
        self.assertEqual(len(inspect["RootFS"]["diff_ids"]), 2)  # the image's layer and the container's
        with open(os.path.join(p.root, "images", "blobs", "sha256", image_id.split(":")[1])) as f:
            config = json.load(f)
        self.assertEqual(config["author"], "cpstats <c@example.com>")
        self.assertEqual(config["history"][-1]["comment"], "from e2e")
        run = p.pier("--profile", "check", "run", "--rm", "-T", "check", "sh", "-c",
                     "cat /made.txt; test -e /etc/nsswitch.conf || echo whited-out; echo $FOO; "
                     "test -e /vol/in-volume || echo no-volume", timeout=60)
        self.assertEqual(run.stdout, "made\nwhited-out\nbar\nno-volume\n")

    def test_commit_of_a_stopped_container_and_with_pause_off(self):
        p = self.up()
        p.pier("commit", "--pause=false", "web", "cpstats/committed:v1")
        p.pier("stop", "-t", "1", "web")
        again = p.pier("commit", "web", "cpstats/stopped:v1")
        self.assertRegex(again.stdout.strip(), r"^sha256:")
        self.assertIn("cpstats/stopped", p.pier("image", "ls").stdout)
        bad = p.pier("commit", "web", "Not A Reference", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("Not A Reference", bad.stderr)


if __name__ == "__main__":
    unittest.main()
