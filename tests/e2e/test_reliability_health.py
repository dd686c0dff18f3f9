"""Reliability: a health probe that times out is killed with every process it started,
and a failing probe's exit code and output are in the error of the service waiting on it."""
import os
import unittest

from harness import Project, pid_alive, wait_for


def probe_sleeps(project):
    """Pids of `sleep 1000` processes in this project's containers' cgroups."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{entry}/cgroup") as f:
                cgroups = f.read()
        except OSError:
            continue
        if argv[:2] == [b"sleep", b"1000"] and f"/pier/{project.kernel_name}/" in cgroups:
            found.append(int(entry))
    return found


class ReliabilityHealth(unittest.TestCase):
    def test_a_probe_past_its_timeout_is_killed_with_its_children(self):
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["tail", "-f", "/dev/null"]
                healthcheck:
                  test: ["CMD", "sh", "-c", "sleep 1000 & sleep 1000"]
                  timeout: 1s
                  interval: 1s
                  retries: 2
        """)
        p.pier("up", "-d")
        container = p.name + "-s-1"
        # Two probes in a row time out; each one's `sleep`s would be left behind.
        p.wait_state(container, "running", health="unhealthy", timeout=20)
        # Whatever sleeps a probe has started die with it at its 1s timeout; without the
        # group kill they outlive it, reparented to the container's init.
        started = wait_for(lambda: probe_sleeps(p), timeout=5, what="a probe's sleeps")
        wait_for(lambda: not any(pid_alive(pid) for pid in started), timeout=3,
                 what=lambda: f"the probe's sleeps {started} to go; alive now: {probe_sleeps(p)}")
        self.assertEqual(p.record(container)["state"], "running")

    def test_a_dependent_of_an_unhealthy_service_fails_naming_the_probes_output(self):
        p = Project(self, """
            services:
              db:
                image: busybox
                command: ["sleep", "1000"]
                healthcheck:
                  test: ["CMD-SHELL", "echo broken-db; exit 1"]
                  interval: 1s
                  retries: 1
              app:
                image: busybox
                command: ["sleep", "1000"]
                depends_on:
                  db:
                    condition: service_healthy
        """)
        proc = p.pier("up", "-d", check=False)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("is unhealthy", proc.stderr)
        self.assertIn("exit 1: broken-db", proc.stderr)
        # Created, as Compose does, and never started.
        self.assertEqual(p.record(p.name + "-app-1")["started_at"], 0, proc.stderr)


if __name__ == "__main__":
    unittest.main()
