"""`exec` on a terminal: a pty in the container with the terminal's size, and window
size changes after the start passed on (SIGWINCH -> TIOCSWINSZ)."""
import fcntl
import os
import subprocess
import termios
import time
import unittest

from harness import Project
from terminal import read_until, set_size


class ExecTty(unittest.TestCase):
    def test_exec_gets_the_terminal_size_and_follows_resizes(self):
        p = Project(self, """
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        p.wait_state(p.name + "-a-1", "running")
        master, slave = os.openpty()
        set_size(master, 30, 100)

        def become_terminal_owner():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        # Prints the size for every line typed, until `end`: the CLI passes a resize on
        # when SIGWINCH reaches it, which may be after a line typed just then arrives.
        script = 'stty size; while read line && [ "$line" != end ]; do stty size; done; echo "tty=$(tty) $(stty size)."'

        def resized_to(size):
            deadline = time.monotonic() + 10
            seen = b""
            while time.monotonic() < deadline:
                os.write(master, b"go\n")
                try:
                    seen += read_until(master, size, timeout=1.0)
                    return
                except AssertionError as e:
                    seen += str(e).encode()
            raise AssertionError(f"the container's terminal never became {size!r}: {seen!r}")

        proc = subprocess.Popen(p.argv("exec", "a", "sh", "-c", script), stdin=slave, stdout=slave, stderr=slave,
                                cwd=p.dir, preexec_fn=become_terminal_owner)
        os.close(slave)
        try:
            read_until(master, b"30 100")
            # The terminal is resized while the command runs: the container's pty follows.
            set_size(master, 50, 160)
            resized_to(b"50 160")
            set_size(master, 12, 40)
            resized_to(b"12 40")
            os.write(master, b"end\n")
            out = read_until(master, b".\r\n")
            self.assertRegex(out, rb"tty=/dev/pts/\d+ 12 40\.")
            self.assertEqual(proc.wait(timeout=10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)


if __name__ == "__main__":
    unittest.main()
