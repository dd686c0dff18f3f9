"""`exec` and health checks get the hardening of the container's own process: its
ulimits, its oom_score_adj and, with `security_opt: no-new-privileges`, no_new_privs.
Without them a process run later in the container would escape limits the service set."""
import os
import unittest

from harness import Project, wait_for

# What each check prints: the three values, read by the process about itself.
REPORT = ("grep NoNewPrivs /proc/self/status; grep -E 'Max (open files|core file size)' /proc/self/limits; "
          "echo oom $(cat /proc/self/oom_score_adj)")


def normalized(text):
    return [" ".join(line.split()) for line in text.strip().splitlines()]


def own_process_report(pid):
    """The same report for the container's own process, read from the host."""
    lines = []
    with open(f"/proc/{pid}/status") as f:
        lines += [line for line in f.read().splitlines() if line.startswith("NoNewPrivs")]
    with open(f"/proc/{pid}/limits") as f:
        lines += [line for line in f.read().splitlines() if line.startswith(("Max core file size", "Max open files"))]
    with open(f"/proc/{pid}/oom_score_adj") as f:
        lines.append("oom " + f.read().strip())
    return normalized("\n".join(lines))


class ExecHardening(unittest.TestCase):
    def test_exec_and_health_checks_get_the_containers_limits_and_no_new_privs(self):
        p = Project(self, f"""
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
                security_opt: ["no-new-privileges:true"]
                oom_score_adj: 345
                ulimits:
                  nofile: {{soft: 777, hard: 888}}
                  core: 4096
                volumes: ["./out:/out"]
                healthcheck:
                  test: ["CMD", "sh", "-c", "({REPORT.replace("$", "$$")}) > /out/health.tmp && mv /out/health.tmp /out/health"]
                  interval: 1s
        """)
        os.makedirs(os.path.join(p.dir, "out"))
        p.pier("up", "-d")
        container = p.name + "-a-1"
        p.wait_state(container, "running")
        expected = own_process_report(p.record(container)["pid"])
        # The service's values took effect on its own process: the comparison means something.
        self.assertEqual(expected, ["NoNewPrivs: 1", "Max core file size 4096 4096 bytes",
                                    "Max open files 777 888 files", "oom 345"])

        out = p.pier("exec", "-T", "a", "sh", "-c", REPORT).stdout
        self.assertEqual(normalized(out), expected, "pier exec")

        health = os.path.join(p.dir, "out", "health")
        wait_for(lambda: os.path.exists(health), timeout=15, what="a health check to run")
        with open(health) as f:
            self.assertEqual(normalized(f.read()), expected, "health check")


if __name__ == "__main__":
    unittest.main()
