"""Reliability of the container records: one record that does not parse leaves the rest
of the project manageable and `down` still removes its container, and `down` run twice
at once succeeds twice and leaves nothing behind."""
import os
import signal
import unittest

from harness import Project, pid_alive, wait_for

TWO_SERVICES = """
    services:
      good:
        image: busybox
        command: ["sleep", "1000"]
      bad:
        image: busybox
        command: ["sleep", "1000"]
"""


class Records(unittest.TestCase):
    def test_a_truncated_record_is_skipped_and_down_removes_its_container_by_name(self):
        p = Project(self, TWO_SERVICES)
        p.pier("up", "-d")
        good, bad = p.name + "-good-1", p.name + "-bad-1"
        records = p.records()
        good_pid, bad_pid = records[good]["pid"], records[bad]["pid"]
        sup = p.supervisor_pid()
        os.kill(sup, signal.SIGKILL)
        wait_for(lambda: not pid_alive(sup), what="supervisor gone")
        # Truncated while no supervisor ran: the file is no longer JSON.
        bad_file = os.path.join(p.run_dir, "containers", bad + ".json")
        with open(bad_file, "r+") as f:
            f.truncate(40)

        ps = p.pier("ps")
        self.assertIn(good, ps.stdout)
        self.assertIn(bad_file, ps.stderr, "the warning names the file")
        self.assertEqual(p.pier("exec", "-T", "good", "echo", "in-good").stdout.strip(), "in-good")
        self.assertIn(p.name, p.pier("ls").stdout)

        p.pier("up", "-d")
        self.assertEqual(p.record(good)["pid"], good_pid, "up adopted the good container, not recreated it")
        self.assertTrue(pid_alive(good_pid))
        # The container nothing describes is replaced, not left running beside its successor.
        wait_for(lambda: not pid_alive(bad_pid), what="the unrecorded container replaced")
        self.assertEqual(p.record(bad)["state"], "running")

        # Truncated again: now `down` is what finds it by its name.
        bad_pid = p.record(bad)["pid"]
        sup = p.supervisor_pid()
        os.kill(sup, signal.SIGKILL)
        wait_for(lambda: not pid_alive(sup), what="supervisor gone")
        with open(bad_file, "r+") as f:
            f.truncate(40)
        p.pier("down")
        self.assertFalse(pid_alive(good_pid))
        self.assertFalse(pid_alive(bad_pid), "down killed the container whose record was truncated")
        self.assertFalse(os.path.exists(bad_file))
        self.assertFalse(os.path.exists(os.path.join(p.run_dir, "scratch", bad)))
        self.assertEqual(p.leaks(), [])

    def test_two_downs_at_once_both_succeed_and_leave_nothing(self):
        p = Project(self, TWO_SERVICES)
        for _ in range(3):
            p.pier("up", "-d")
            p.remember_pids()
            downs = [p.popen("down", "-t", "1") for _ in range(2)]
            results = [(d.wait(timeout=60), *d.communicate()) for d in downs]
            for code, _, err in results:
                self.assertEqual(code, 0, f"a concurrent down failed:\n{err}\nsupervisor log:\n{p.supervisor_log()}")
            self.assertFalse(os.path.exists(os.path.join(p.root, "containers", p.name)),
                             "down leaves no empty log directory for the project")
            self.assertEqual(p.leaks(), [])


if __name__ == "__main__":
    unittest.main()
