"""`pier attach` through the real binary: the main process's output from now on, stdout
and stderr on their own streams, Ctrl-C proxied to the container (its exit code is
attach's) or, with --sig-proxy=false, leaving it running; the input of a `stdin_open`
container relayed (kept open between attaches), and a `tty` container's terminal: raw
keys, its size and resizes, and the detach keys that leave it running."""

import fcntl
import os
import select
import signal
import subprocess
import tempfile
import termios
import time
import unittest

from harness import Project, wait_for
from terminal import read_until, set_size

STDIN_COMPOSE = """\
    services:
      echo:
        image: busybox
        stdin_open: true
        command: ["sh", "-c", "while read line; do echo \\"got $$line\\"; done; echo stdin-closed"]
      shell:
        image: busybox
        stdin_open: true
        tty: true
        command: ["sh"]
      deaf:
        image: busybox
        stdin_open: true
        command: ["sh", "-c", "while :; do echo tick; sleep 0.2; done"]
"""


def read_line_within(stream, timeout):
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if ready else None

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


class AttachInput(unittest.TestCase):
    def up(self):
        p = Project(self, STDIN_COMPOSE, name="clix" + os.urandom(3).hex())
        p.pier("up", "-d")
        p.wait_state(f"{p.name}-echo-1", "running")
        p.wait_state(f"{p.name}-shell-1", "running")
        return p

    def test_attach_relays_stdin_and_keeps_it_open_for_the_next_attach(self):
        p = self.up()
        proc = p.popen("attach", "--sig-proxy=false", "echo", stdin=subprocess.PIPE)
        proc.stdin.write("hello\n")
        proc.stdin.flush()
        self.assertEqual(read_line_within(proc.stdout, 10), "got hello\n")
        # Our EOF ends our input, not the container's stdin (Docker's stdin_open without
        # stdin_once): it keeps running and reads what the next attach sends.
        proc.stdin.close()
        time.sleep(0.5)
        self.assertIsNone(proc.poll())
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=20), 130)
        self.assertNotIn("stdin-closed", proc.stdout.read())
        proc.stdout.close()
        proc.stderr.close()
        self.assertEqual(p.record(f"{p.name}-echo-1")["state"], "running")
        again = p.popen("attach", "--sig-proxy=false", "echo", stdin=subprocess.PIPE)
        again.stdin.write("again\n")
        again.stdin.flush()
        self.assertEqual(read_line_within(again.stdout, 10), "got again\n")
        again.send_signal(signal.SIGINT)
        again.communicate(timeout=20)
        # --no-stdin: the container gets nothing from this attach.
        quiet = p.popen("attach", "--no-stdin", "--sig-proxy=false", "echo", stdin=subprocess.PIPE)
        quiet.stdin.write("ignored\n")
        quiet.stdin.flush()
        self.assertIsNone(read_line_within(quiet.stdout, 1.5))
        quiet.send_signal(signal.SIGINT)
        quiet.communicate(timeout=20)
        # A tty container's keys come from a terminal only, as Docker says.
        piped = p.pier("attach", "shell", check=False, input="")
        self.assertNotEqual(piped.returncode, 0)
        self.assertIn("the input device is not a TTY", piped.stderr)
        bad = p.pier("attach", "--detach-keys", "ctrl-1", "echo", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("--detach-keys: unknown key `ctrl-1`", bad.stderr)
        # A supervisor killed meanwhile (a tty container's pty dies with it): the next one
        # adopts the container and opens its stdin again by its FIFO.
        os.kill(p.supervisor_pid(), signal.SIGKILL)
        wait_for(lambda: not os.path.exists(f"/proc/{p.supervisor_pid()}"), what="the supervisor to die")
        adopted = p.popen("attach", "--sig-proxy=false", "echo", stdin=subprocess.PIPE)
        adopted.stdin.write("adopted\n")
        adopted.stdin.flush()
        self.assertEqual(read_line_within(adopted.stdout, 10), "got adopted\n")
        adopted.send_signal(signal.SIGINT)
        adopted.communicate(timeout=20)

    def test_attach_to_a_tty_container_is_a_terminal_and_detaches_with_its_keys(self):
        p = self.up()

        def attach(*flags, env=None):
            master, slave = os.openpty()
            set_size(master, 30, 100)

            def become_terminal_owner():
                os.setsid()
                fcntl.ioctl(0, termios.TIOCSCTTY, 0)

            proc = subprocess.Popen(p.argv("attach", *flags, "shell"), stdin=slave, stdout=slave, stderr=slave,
                                    cwd=p.dir, preexec_fn=become_terminal_owner,
                                    env=dict(os.environ, **env) if env else None)
            self.addCleanup(os.close, master)
            self.addCleanup(os.close, slave)
            self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
            return proc, master, slave

        proc, master, slave = attach()
        # Keys go to the container's shell raw (our terminal echoes nothing itself), its
        # pty has our size, and a resize reaches it.
        os.write(master, b"stty size; echo mark-$((40+2))\r")
        self.assertIn(b"30 100", read_until(master, b"mark-42"))
        set_size(master, 44, 120)
        deadline = time.monotonic() + 10
        seen = b""
        while b"44 120" not in seen:
            self.assertLess(time.monotonic(), deadline, f"the pty never followed the resize: {seen!r}")
            os.write(master, b"stty size\r")
            try:
                seen += read_until(master, b"44 120", timeout=1.0)
            except AssertionError as e:
                seen += str(e).encode()
        # Ctrl-P Ctrl-Q: attach ends with Docker's words and code, the container runs on,
        # and our terminal is as it was.
        os.write(master, b"\x10\x11")
        self.assertIn(b"read escape sequence", read_until(master, b"read escape sequence"))
        self.assertEqual(proc.wait(timeout=10), 1)
        self.assertTrue(termios.tcgetattr(slave)[3] & termios.ECHO)
        time.sleep(0.3)
        self.assertEqual(p.record(f"{p.name}-shell-1")["state"], "running")
        # Other keys; the shell still has what the first attach typed behind it.
        proc, master, _ = attach("--detach-keys", "ctrl-a,x")
        os.write(master, b"echo back-$((1+2))\r")
        read_until(master, b"back-3")
        os.write(master, b"\x01x")
        read_until(master, b"read escape sequence")
        self.assertEqual(proc.wait(timeout=10), 1)
        # Without --detach-keys, the Docker config's detachKeys, as docker attach reads it.
        docker_config = os.path.join(p.root, "docker-config")
        os.makedirs(docker_config)
        with open(os.path.join(docker_config, "config.json"), "w") as f:
            f.write('{"detachKeys": "ctrl-x,y"}')
        proc, master, _ = attach(env={"DOCKER_CONFIG": docker_config})
        os.write(master, b"\x10\x11echo still-$((2+2))\r")
        read_until(master, b"still-4")
        os.write(master, b"\x18y")
        read_until(master, b"read escape sequence")
        self.assertEqual(proc.wait(timeout=10), 1)
        # The shell exits: attach returns its code.
        proc, master, _ = attach()
        os.write(master, b"exit 7\r")
        self.assertEqual(proc.wait(timeout=20), 7)
        p.wait_state(f"{p.name}-shell-1", "exited")

    def test_a_container_that_never_reads_its_stdin_cannot_hang_attach(self):
        # Its stdin fills up: attach's writes wait for room without blocking, so the
        # output still flows and a signal still ends attach (container content is
        # hostile, design rule 8).
        p = self.up()
        p.wait_state(f"{p.name}-deaf-1", "running")
        with tempfile.TemporaryFile() as big:
            big.write(b"x" * (4 << 20))
            big.seek(0)
            proc = p.popen("attach", "--sig-proxy=false", "deaf", stdin=big)
            try:
                for _ in range(15):  # 3 s of output, long after its stdin is full
                    self.assertEqual(read_line_within(proc.stdout, 5), "tick\n")
                proc.send_signal(signal.SIGINT)
                self.assertEqual(proc.wait(timeout=10), 130)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                proc.stdout.close()
                proc.stderr.close()
        self.assertEqual(p.record(f"{p.name}-deaf-1")["state"], "running")


if __name__ == "__main__":
    unittest.main()
