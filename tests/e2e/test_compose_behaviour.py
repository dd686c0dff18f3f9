"""Where pier behaved unlike Docker Compose in Compose's own end-to-end scenarios
(issue 17's list), each fixed difference as Compose's test expects it."""
import signal
import unittest

from harness import Project, wait_for


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

    def test_ctrl_c_on_up_of_one_service_stops_only_that_service(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                depends_on: [db]
              db:
                image: busybox
                init: true
                command: ["sleep", "1000"]
              other:
                image: busybox
                init: true
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d", "other")
        proc = p.popen("up", "app")
        wait_for(lambda: (r := p.record(p.name + "-app-1")) and r["state"] == "running", what="app up")
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
        self.assertEqual(p.record(p.name + "-app-1")["state"], "exited")
        # Its dependency and a service it did not name keep running, as in Compose.
        self.assertEqual(p.record(p.name + "-db-1")["state"], "running")
        self.assertEqual(p.record(p.name + "-other-1")["state"], "running")
        p.pier("down")


if __name__ == "__main__":
    unittest.main()
