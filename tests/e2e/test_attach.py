"""`pier attach` through the real binary: the main process's output from now on, stdout
and stderr on their own streams, Ctrl-C proxied to the container (its exit code is
attach's) or, with --sig-proxy=false, leaving it running."""

import os
import signal
import subprocess
import time
import unittest

from harness import Project, wait_for

COMPOSE = """\
    services:
      talk:
        image: busybox
        command: ["sh", "-c", "trap 'echo got-int; exit 3' INT; i=0; while :; do echo tick $$i; echo err $$i >&2; i=$$((i+1)); sleep 0.2; done"]
      term:
        image: busybox
        tty: true
        command: ["sh", "-c", "while :; do echo on-the-tty; sleep 0.2; done"]
"""


class Attach(unittest.TestCase):
    def up(self):
        p = Project(self, COMPOSE, name="cpstats" + os.urandom(3).hex())
        p.pier("up", "-d")
        p.wait_state(f"{p.name}-talk-1", "running")
        p.wait_state(f"{p.name}-term-1", "running")
        return p

    def test_attach_follows_output_and_proxies_ctrl_c_to_the_container(self):
        p = self.up()
        proc = p.popen("attach", "talk")
        first = proc.stdout.readline()
        self.assertRegex(first, r"^tick \d+\n$")
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 3, err)
        self.assertIn("got-int", out)
        self.assertIn("err ", err)
        self.assertNotIn("tick", err)
        p.wait_state(f"{p.name}-talk-1", "exited")
        self.assertIn('service "talk" has no running container', p.pier("attach", "talk", check=False).stderr)

    def test_attach_without_sig_proxy_leaves_the_container_running(self):
        p = self.up()
        proc = p.popen("attach", "--sig-proxy=false", "--no-stdin", "--detach-keys", "ctrl-p,ctrl-q", "talk")
        self.assertRegex(proc.stdout.readline(), r"^tick \d+\n$")
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 130)
        time.sleep(0.5)
        self.assertEqual(p.record(f"{p.name}-talk-1")["state"], "running")
        # A tty container's output: the supervisor reads its pty into the same log.
        tty = p.popen("attach", "--sig-proxy=false", "term")
        self.assertEqual(tty.stdout.readline().rstrip("\r\n"), "on-the-tty")
        tty.send_signal(signal.SIGINT)
        tty.communicate(timeout=20)
        missing = p.pier("attach", "--index", "2", "talk", check=False)
        self.assertIn('service "talk" has no container with index 2', missing.stderr)


if __name__ == "__main__":
    unittest.main()
