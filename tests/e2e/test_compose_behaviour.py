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

    def test_network_mode_bridge_gets_a_network_and_loopback(self):
        # pier has no daemon-wide bridge: the service joins the project's default network.
        # Before, it got no interface but a loopback that was down.
        p = Project(self, """
            services:
              web:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                network_mode: bridge
        """)
        self.assertNotIn("networks", p.pier("config").stdout)  # the model stays Compose's
        p.pier("up", "-d")
        addr = p.pier("exec", "-T", "web", "ip", "-4", "addr").stdout
        self.assertIn("inet 127.0.0.1/8", addr)
        self.assertRegex(addr, r"inet \d+\.\d+\.\d+\.\d+/\d+ scope global eth0")
        p.pier("down")


if __name__ == "__main__":
    unittest.main()
