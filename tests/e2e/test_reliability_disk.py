"""Reliability on a full disk: a state change the supervisor cannot write down fails
its command with the record's path and the reason, the records stay whole, and the
record catches up once there is space again."""
import errno
import json
import os
import shutil
import subprocess
import unittest

from harness import Project, wait_for

COMPOSE = """
    services:
      a:
        image: busybox
        command: ["sleep", "1000"]
        stop_grace_period: 1s
      b:
        image: busybox
        command: ["sleep", "1000"]
"""


def fill(path):
    """Writes zeros to `path` until the filesystem holding it is full."""
    block = b"\0" * (1 << 16)
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                f.write(block)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                break
    # The last bytes that fit: a write of a few hundred bytes must fail too.
    with open(path, "ab", buffering=0) as f:
        while True:
            try:
                f.write(b"\0")
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                return


class Disk(unittest.TestCase):
    def mount_small_run_dir(self, p):
        """The project's run directory (records, sockets, scratch) on a 16 MiB tmpfs."""
        mount_point = os.path.join(p.root, "run")
        os.makedirs(mount_point)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "pier-e2e-full", mount_point],
                       check=True)
        return mount_point

    def test_a_stop_that_cannot_be_recorded_fails_and_the_record_catches_up(self):
        # Unmounted after the project's own cleanup (cleanups run last-registered first),
        # so `down` still finds the records.
        mounts = []

        def unmount():
            for m in mounts:
                subprocess.run(["umount", m], check=False)
                shutil.rmtree(os.path.dirname(m), ignore_errors=True)
        self.addCleanup(unmount)
        p = Project(self, COMPOSE)
        mounts.append(self.mount_small_run_dir(p))
        p.pier("up", "-d")
        a, b = p.name + "-a-1", p.name + "-b-1"
        p.wait_state(a, "running")
        filler = os.path.join(mounts[0], "filler")
        fill(filler)

        out = p.pier("stop", "a", check=False, timeout=60)
        record_file = os.path.join(p.run_dir, "containers", a + ".json")
        self.assertNotEqual(out.returncode, 0, f"stop reported success although its record was not written\n{out.stderr}")
        self.assertIn(record_file, out.stderr, "the error names the record")
        self.assertIn("No space left on device", out.stderr)
        # Whole records, old or new content: never a truncated one.
        for name in (a, b):
            with open(os.path.join(p.run_dir, "containers", name + ".json")) as f:
                record = json.load(f)
            self.assertIn(record["state"], ("running", "exited"), record)
        self.assertEqual(p.record(b)["state"], "running")

        os.unlink(filler)
        wait_for(lambda: p.record(a)["state"] == "exited", timeout=15,
                 what=lambda: f"the record of {a} to say exited once there is space\n{p.supervisor_log()}")
        rows = {r["Name"]: r for r in map(json.loads, p.pier("ps", "-a", "--format", "json").stdout.splitlines())}
        self.assertEqual(rows[a]["State"], "exited", rows[a])
        self.assertTrue(rows[a]["Status"].startswith("Exited"), rows[a])
        self.assertEqual(rows[b]["State"], "running", rows[b])
        # Space again: the next change is written at once.
        p.pier("start", "a")
        self.assertEqual(p.record(a)["state"], "running")


if __name__ == "__main__":
    unittest.main()
