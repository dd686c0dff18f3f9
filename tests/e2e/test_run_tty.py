"""`run -it`: a real terminal in the one-off container, as `exec -it` gets: a pty with
the terminal's size and its changes, the CLI's terminal raw while it runs and restored
after, the container's exit code; `-T` and a stdin that is no terminal give pipes."""
import fcntl
import os
import subprocess
import termios
import time
import unittest

from harness import Project
from test_exec_tty import read_until, set_size


class RunTty(unittest.TestCase):
    def test_run_it_gets_a_pty_sized_like_the_terminal_raw_mode_and_the_exit_code(self):
        p = Project(self, """
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
        """)
        master, slave = os.openpty()
        set_size(master, 30, 100)

        def become_terminal_owner():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        # A size for every line typed until `end` (busybox's interactive sh would query the
        # cursor position, which only a terminal emulator answers).
        script = 'echo "tty=$(tty) $(stty size)."; while read line && [ "$line" != end ]; do stty size; done; exit 7'
        proc = subprocess.Popen(p.argv("run", "--rm", "-it", "a", "sh", "-c", script), stdin=slave, stdout=slave,
                                stderr=slave, cwd=p.dir, preexec_fn=become_terminal_owner)
        try:
            out = read_until(master, b".\r\n", timeout=20)
            self.assertRegex(out, rb"tty=/dev/pts/\d+ 30 100\.")
            # The CLI's terminal is raw while the container has it: keys go to the container.
            self.assertFalse(termios.tcgetattr(slave)[3] & termios.ICANON)
            set_size(master, 50, 160)
            deadline = time.monotonic() + 10
            while True:
                os.write(master, b"go\n")
                try:
                    read_until(master, b"50 160", timeout=1.0)
                    break
                except AssertionError:
                    if time.monotonic() > deadline:
                        raise
            os.write(master, b"end\n")
            self.assertEqual(proc.wait(timeout=20), 7)
            self.assertTrue(termios.tcgetattr(slave)[3] & termios.ICANON, "the terminal is restored")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)
            os.close(slave)
        self.assertFalse(any("-run-" in n for n in p.records()), "--rm removed the one-off container")

    def test_pipes_under_no_tty_or_without_a_terminal_and_a_pty_under_dash_t(self):
        p = Project(self, """
            services:
              a:
                image: busybox
        """)
        master, slave = os.openpty()
        try:
            out = subprocess.run(p.argv("run", "--rm", "-T", "a", "tty"), stdin=slave, stdout=slave, stderr=slave,
                                 cwd=p.dir, timeout=30)
            self.assertEqual(out.returncode, 1)
            self.assertIn(b"not a tty", read_until(master, b"not a tty"))
        finally:
            os.close(master)
            os.close(slave)
        # Pipes, no -t: no TTY (Compose's default); -t asks for one all the same.
        self.assertEqual(p.pier("run", "--rm", "a", "tty", check=False).stdout, "not a tty\n")
        out = p.pier("run", "--rm", "-t", "a", "sh", "-c", "tty; exit 3", check=False)
        self.assertEqual(out.returncode, 3, out.stderr)
        self.assertRegex(out.stdout, r"^/dev/pts/\d+\n$")  # the pty's \r\n, as text


if __name__ == "__main__":
    unittest.main()
