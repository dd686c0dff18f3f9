"""`exec` picks its container as Docker Compose does (its e2e TestExec): a running
replica of the service first, a running `run` one-off when no replica runs, and with
--index N replica N only."""
import os
import unittest

from harness import Project


class ExecOneOff(unittest.TestCase):
    def test_exec_prefers_the_service_container_and_falls_back_to_a_one_off(self):
        p = Project(self, """
            services:
              test:
                image: busybox
                command: ["tail", "-f", "/dev/null"]
        """, name="clix" + os.urandom(3).hex())
        oneoff = p.pier("run", "-d", "test", "cat").stdout.strip()
        p.wait_state(oneoff, "running")
        numbered = p.pier("exec", "--index=1", "test", "ps", check=False)
        self.assertEqual(numbered.returncode, 1)
        self.assertIn('service "test" is not running container #1', numbered.stderr)
        # Only the one-off runs: exec lands in it (its main process is `cat`).
        self.assertIn("cat", p.pier("exec", "-T", "test", "ps").stdout)
        p.pier("up", "-d")
        p.wait_state(p.name + "-test-1", "running")
        now = p.pier("exec", "-T", "test", "ps").stdout
        self.assertIn("tail", now)
        self.assertNotIn("cat", now)


if __name__ == "__main__":
    unittest.main()
