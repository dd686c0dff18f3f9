"""Where pier behaved unlike Docker Compose in Compose's own end-to-end scenarios
(issue 17's list), each fixed difference as Compose's test expects it."""
import unittest

from harness import Project


class ComposeBehaviour(unittest.TestCase):
    def test_pausing_a_paused_service_is_an_error(self):
        p = Project(self, """
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                init: true
        """)
        p.pier("up", "-d")
        p.pier("pause", "web")
        again = p.pier("pause", "web", check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn(f"container {p.name}-web-1 is already paused", again.stderr)
        self.assertEqual(p.record(p.name + "-web-1")["state"], "paused")
        p.pier("unpause", "web")
        self.assertEqual(p.record(p.name + "-web-1")["state"], "running")
        p.pier("down")


if __name__ == "__main__":
    unittest.main()
