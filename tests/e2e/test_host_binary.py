"""pier's own binary stays out of a container's reach (CVE-2019-5736): every process
that clones into containers (the supervisor, which also runs health checks, and the CLI
of `pier exec`) runs from a sealed copy, so what a container could reach through
/proc/<pid>/exe, before the child's execve or through `#!/proc/self/exe`, is never the
host's file. Each test runs its own copy of pier, whose checksum must not change."""
import hashlib
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import PIER, Project, container_pids, wait_for


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def can_append(path):
    """Opening a sealed memfd for writing works, writing to it does not."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError:
        return False
    try:
        os.write(fd, b"X")
        return True
    except OSError:
        return False
    finally:
        os.close(fd)



class HostBinary(unittest.TestCase):
    def setUp(self):
        # A copy only this test runs: a write that got through would damage only it.
        self.bin_dir = tempfile.mkdtemp(prefix="pier-bin-")
        self.addCleanup(shutil.rmtree, self.bin_dir, True)
        self.pier = os.path.join(self.bin_dir, "pier")
        shutil.copy2(PIER, self.pier)
        self.digest = sha256(self.pier)

    def assert_sealed(self, pid, what, host_file=None):
        exe, host = os.stat(f"/proc/{pid}/exe"), os.stat(host_file or self.pier)
        self.assertNotEqual((exe.st_dev, exe.st_ino), (host.st_dev, host.st_ino), f"{what} runs the host's file")
        self.assertFalse(can_append(f"/proc/{pid}/exe"), f"the binary {what} runs is writable")

    def up_one_service(self):
        """A project of one sleeping service, brought up by this test's copy of pier."""
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
        """)
        up = subprocess.run([self.pier, *p.argv("up", "-d")[1:]], cwd=p.dir, capture_output=True, text=True, timeout=60)
        p.remember_pids()
        self.assertEqual(up.returncode, 0, up.stderr)
        p.wait_state(p.name + "-s-1", "running")
        return p

    def test_the_supervisor_and_the_exec_cli_run_from_a_sealed_copy(self):
        p = self.up_one_service()
        self.assert_sealed(p.supervisor_pid(), "the supervisor")
        # No pier-supervisor beside this copy: pier supervises the project itself.
        self.assertNotIn("pier-supervisor", os.readlink(f"/proc/{p.supervisor_pid()}/exe"))

        before = container_pids(p.kernel_name)
        cli = subprocess.Popen([self.pier, *p.argv("exec", "-T", "s", "sleep", "30")[1:]], cwd=p.dir,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # The CLI has cloned into the container: it did so from a sealed copy.
            wait_for(lambda: container_pids(p.kernel_name) - before, timeout=30, what="the exec'd process")
            self.assert_sealed(cli.pid, "the CLI of `pier exec`")
        finally:
            cli.kill()
            cli.wait()
        self.assertEqual(sha256(self.pier), self.digest)

    def test_pier_supervisor_beside_pier_is_the_supervisor_and_runs_from_a_sealed_copy(self):
        supervisor = os.path.join(self.bin_dir, "pier-supervisor")
        shutil.copy2(os.path.join(os.path.dirname(PIER), "pier-supervisor"), supervisor)
        digest = sha256(supervisor)
        p = self.up_one_service()
        pid = p.supervisor_pid()
        exe = os.readlink(f"/proc/{pid}/exe")
        if exe.startswith("/memfd:"):
            self.skipTest("no sealed overlay on this kernel (Linux 6.8's lowerdir+): pier supervises itself")
        # The sealed overlay of the directory both lie in, as for pier itself.
        self.assertEqual(exe, "/pier-supervisor")
        self.assert_sealed(pid, "the supervisor", supervisor)
        self.assertEqual(p.pier("exec", "-T", "s", "echo", "in").stdout, "in\n")
        p.pier("down")
        self.assertEqual(sha256(supervisor), digest)

    def test_the_supervisor_holds_no_inheritable_descriptor(self):
        # The CLI hands the mounts of the sealed copy to the supervisor it starts (closing
        # them would wait out RCU grace periods): the supervisor makes them close-on-exec
        # again, or every program it starts (pasta, hooks) would get a handle to them.
        p = self.up_one_service()
        pid = p.supervisor_pid()
        self.assert_sealed(pid, "the supervisor")
        inheritable = []
        for fd in os.listdir(f"/proc/{pid}/fd"):
            if int(fd) < 3:
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as info:
                flags = next(int(line.split()[1], 8) for line in info if line.startswith("flags:"))
            if not flags & os.O_CLOEXEC:
                inheritable.append(f"{fd} -> {os.readlink(f'/proc/{pid}/fd/{fd}')}")
        self.assertEqual(inheritable, [], "descriptors the supervisor's children would inherit")

    def test_up_that_builds_reexecutes_once_and_warns_once(self):
        # `up` loads the project, finds an image to build and re-executes itself from the
        # sealed copy before building: the compose warnings are the first process's.
        p = Project(self, """
            services:
              app:
                build: ./app
                command: ["sleep", "1000"]
                environment: ["GREETING=${PIER_TEST_UNSET_VARIABLE}"]
        """, files={"app/Dockerfile": "FROM busybox\nRUN echo built > /built\n"})
        up = p.pier("up", "-d")
        self.assertEqual(up.stderr.count("PIER_TEST_UNSET_VARIABLE"), 1, up.stderr)
        self.assertIn("RUN echo built", up.stderr)
        p.wait_state(p.name + "-app-1", "running")
        self.assertEqual(p.pier("exec", "-T", "app", "cat", "/built").stdout, "built\n")


if __name__ == "__main__":
    unittest.main()
