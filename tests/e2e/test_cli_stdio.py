"""`exec -T` and `run` never hand the CLI's own descriptors (the admin's terminal) to a
container: the container gets pipes that the CLI relays, so a process it leaves behind
cannot read or write the terminal once the command has returned."""
import glob
import os
import select
import subprocess
import time
import unittest

from harness import Project, container_pids


def fds_on(pids, device):
    """`pid/fd` for every descriptor of `pids` open on the character device `device`."""
    found = []
    for pid in pids:
        for fd in glob.glob(f"/proc/{pid}/fd/*"):
            try:
                if os.stat(fd).st_rdev == device:
                    found.append(fd)
            except OSError:
                pass
    return found


def read_for(fd, seconds):
    data = b""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        try:
            data += os.read(fd, 4096)
        except OSError:
            break
    return data


class CliStdio(unittest.TestCase):
    def test_a_process_left_behind_by_exec_cannot_use_the_terminal(self):
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        p.wait_state(p.name + "-s-1", "running")
        master, slave = os.openpty()
        try:
            terminal = os.fstat(slave).st_rdev
            # Leaves a reader of stdin behind that echoes what it reads to stdout (through
            # fd 3: a background job's stdin is /dev/null).
            script = "exec 3<&0; (while read line <&3; do echo late:$line; done; exec sleep 1000) & echo started"
            proc = subprocess.run(p.argv("exec", "-T", "s", "sh", "-c", script), stdin=slave, stdout=slave,
                                  stderr=slave, cwd=p.dir, timeout=30)
            self.assertEqual(proc.returncode, 0)
            self.assertIn(b"started", read_for(master, 1.0))
            pids = container_pids(p.kernel_name)
            self.assertGreater(len(pids), 1, "the background process is still there")
            self.assertEqual(fds_on(pids, terminal), [], "container processes hold the CLI's terminal")
            # What the admin types next is not read by the container.
            os.write(master, b"secret\n")
            self.assertNotIn(b"late:secret", read_for(master, 1.0))
        finally:
            os.close(master)
            os.close(slave)

    def test_exec_and_run_give_the_container_pipes_not_the_cli_descriptors(self):
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        p.wait_state(p.name + "-s-1", "running")
        show = "for i in 0 1 2; do readlink /proc/self/fd/$i; done"
        for command in (["exec", "-T", "s"], ["run", "--rm", "-T", "s"]):
            master, slave = os.openpty()
            try:
                proc = subprocess.run(p.argv(*command, "sh", "-c", show), stdin=slave,
                                      stdout=slave, stderr=slave, cwd=p.dir, timeout=60)
                self.assertEqual(proc.returncode, 0, command)
                out = read_for(master, 1.0).decode(errors="replace").split()
                self.assertEqual(len(out), 3, (command, out))
                for link in out:
                    self.assertRegex(link, r"^pipe:\[\d+\]$", command)
            finally:
                os.close(master)
                os.close(slave)


if __name__ == "__main__":
    unittest.main()
