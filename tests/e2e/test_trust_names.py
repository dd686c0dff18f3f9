"""Names and ids from a compose file or the command line never reach the host: a volume
named like a path cannot make `down -v` remove a host directory, a project named like a
path cannot put pier's run directory elsewhere, and uid 4294967295 ((uid_t)-1, which
setresuid reads as "unchanged") never runs a process as root."""
import os
import signal
import subprocess
import unittest

from harness import PIER, Project


def listing(top):
    return sorted(os.path.relpath(os.path.join(d, n), top) for d, dirs, files in os.walk(top) for n in dirs + files)


class TrustNames(unittest.TestCase):
    def make_victim(self, p):
        """A directory beside pier's own under the test's root, with a file in it."""
        victim = os.path.join(p.root, "victim")
        os.makedirs(os.path.join(victim, "scratch"))
        with open(os.path.join(victim, "scratch", "keep"), "w") as f:
            f.write("keep me\n")
        return victim

    def test_a_volume_named_like_a_path_is_refused_and_down_v_removes_nothing(self):
        # <root>/volumes/../victim is <root>/victim: the directory `down -v` would remove.
        p = Project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                volumes:
                  - data:/data
            volumes:
              data:
                name: "../victim"
        """)
        victim = self.make_victim(p)
        before = listing(victim)
        up = p.pier("up", "-d", check=False)
        down = p.pier("down", "-v", check=False)
        self.assertEqual(listing(victim) if os.path.isdir(victim) else "removed", before)
        self.assertNotEqual(up.returncode, 0, up.stderr)
        self.assertIn("compose.yaml:10:", up.stderr)
        self.assertIn("invalid volume name `../victim`", up.stderr)
        self.assertNotEqual(down.returncode, 0, down.stderr)
        self.assertIn("invalid volume name `../victim`", down.stderr)

    def test_a_project_named_like_a_path_is_refused_without_a_compose_file(self):
        p = Project(self, "services: {}\n")
        victim = self.make_victim(p)
        before = listing(victim)
        empty = os.path.join(p.root, "empty")
        os.makedirs(empty)
        proc = subprocess.run([PIER, "--root", p.root, "-p", "../victim", "down"], cwd=empty,
                              capture_output=True, text=True, timeout=60)
        try:
            self.assertNotEqual(proc.returncode, 0, proc.stderr)
            self.assertIn("invalid project name `../victim`", proc.stderr)
            self.assertEqual(listing(victim), before)
        finally:
            # Without the check a supervisor would run with <root>/victim as its run directory.
            try:
                with open(os.path.join(victim, "supervisor.pid")) as f:
                    os.kill(int(f.read()), signal.SIGKILL)
            except (OSError, ValueError):
                pass

    def test_run_name_like_a_path_is_refused(self):
        p = Project(self, """
            services:
              app:
                image: busybox
        """)
        victim = self.make_victim(p)
        before = listing(victim)
        # scratch/../../../victim is <root>/victim: the runtime removes a scratch dir with the container.
        for name in ("../../../victim", "a/b", "-x"):
            run = p.pier("run", "--rm", "-T", "--name", name, "app", "true", check=False)
            self.assertNotEqual(run.returncode, 0, f"run --name {name}")
            self.assertIn(f"invalid container name `{name}`", run.stderr)
        self.assertEqual(listing(victim), before)
        self.assertEqual(p.records(), {})

    def test_uid_4294967295_is_refused_in_the_file_and_on_the_command_line(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                user: "4294967295"
        """)
        up = p.pier("up", "-d", check=False)
        self.assertNotEqual(up.returncode, 0, up.stdout + up.stderr)
        self.assertIn("compose.yaml:6:", up.stderr)
        self.assertIn("uid `4294967295` is out of range", up.stderr)
        self.assertEqual(p.records(), {})

        # -u on the command line skips the compose checks: the runtime refuses it itself.
        p.write("compose.yaml", """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        for user in ("4294967295", "0:4294967295", "4294967296"):
            run = p.pier("run", "--rm", "-T", "-u", user, "app", "id", "-u", check=False)
            self.assertNotEqual(run.returncode, 0, f"run -u {user}: {run.stdout}")
            self.assertIn("is out of range", run.stderr)
            ex = p.pier("exec", "-T", "-u", user, "app", "id", "-u", check=False)
            self.assertNotEqual(ex.returncode, 0, f"exec -u {user}: {ex.stdout}")
            self.assertIn("is out of range", ex.stderr)
        self.assertEqual(p.pier("exec", "-T", "-u", "4294967294", "app", "id", "-u").stdout.strip(), "4294967294")


if __name__ == "__main__":
    unittest.main()
