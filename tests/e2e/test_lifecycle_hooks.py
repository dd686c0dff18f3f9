"""Compose lifecycle hooks through the real binary: post_start after a container starts,
pre_stop before its stop signal, each exec'd in the container as `pier exec` runs a
process, and a pre_stop that hangs bounded by the stop grace period."""
import os
import time
import unittest

from harness import project_with_outbox, read_out, wait_for


def status_fields(text, keys=("CapEff", "CapBnd", "Seccomp", "NoNewPrivs")):
    return {k: v.strip() for k, v in (line.split(":", 1) for line in text.splitlines() if ":" in line) if k in keys}


class LifecycleHooks(unittest.TestCase):
    def test_post_start_runs_in_order_as_its_user_in_its_dir_with_its_env(self):
        p, out = project_with_outbox(self, """
            services:
              app:
                image: busybox
                user: "1000"
                working_dir: /tmp
                environment: {A: service, B: service}
                # The main command waits for what the hooks make.
                command: ["sh", "-c", "while [ ! -f /tmp/second ]; do sleep 0.05; done; echo main saw the hooks; exec sleep 1000"]
                volumes: ["./out:/out"]
                post_start:
                  - command: ["sh", "-c", "id -u > /out/first; pwd >> /out/first; echo $$A $$B $$C >> /out/first; touch /tmp/first"]
                    environment: {B: hook, C: first}
                  - command: ["sh", "-c", "test -f /tmp/first && id -u > /out/second; pwd >> /out/second; echo $$A $$B $$C >> /out/second; touch /tmp/second"]
                    user: root
                    working_dir: /
        """)
        up = p.pier("up", "-d")
        # `up` returns once the hooks ran: their effects are there already.
        self.assertEqual(read_out(out, "first").split("\n")[:3], ["1000", "/tmp", "service hook first"])
        self.assertEqual(read_out(out, "second").split("\n")[:3], ["0", "/", "service service"])
        self.assertIn(" Container " + p.name + "-app-1 Started \n", up.stderr)
        wait_for(lambda: "main saw the hooks" in p.pier("logs", "app").stdout, what="the main command to see the hooks")
        self.assertEqual(p.record(p.name + "-app-1")["state"], "running")

    def test_hooks_are_as_confined_as_exec_unless_privileged(self):
        p, out = project_with_outbox(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                cap_drop: [NET_RAW]
                volumes: ["./out:/out"]
                post_start:
                  - command: ["sh", "-c", "cat /proc/self/status > /out/hook; cat /proc/1/status > /out/main; cat /proc/self/cgroup > /out/hook-cgroup; cat /proc/1/cgroup > /out/main-cgroup; for n in pid mnt net ipc uts; do readlink /proc/self/ns/$$n; readlink /proc/1/ns/$$n >> /out/main-ns; done > /out/hook-ns"]
                  - command: ["sh", "-c", "cat /proc/self/status > /out/privileged"]
                    privileged: true
        """)
        p.pier("up", "-d")
        hook, main = status_fields(read_out(out, "hook")), status_fields(read_out(out, "main"))
        # The container's capabilities (without NET_RAW), seccomp filter and namespaces.
        self.assertEqual(hook, main)
        self.assertEqual(main["Seccomp"], "2")
        self.assertEqual(int(main["CapEff"], 16) & (1 << 13), 0)
        self.assertEqual(read_out(out, "hook-cgroup"), read_out(out, "main-cgroup"))
        self.assertEqual(read_out(out, "hook-ns"), read_out(out, "main-ns"))
        # `privileged: true` as `exec --privileged`: every capability, no seccomp filter.
        privileged = status_fields(read_out(out, "privileged"))
        self.assertEqual(privileged["Seccomp"], "0")
        self.assertEqual(int(privileged["CapEff"], 16), int(privileged["CapBnd"], 16))
        self.assertNotEqual(int(privileged["CapEff"], 16) & (1 << 21), 0)  # CAP_SYS_ADMIN

    def test_a_failing_post_start_fails_up_and_leaves_the_container_running(self):
        p, out = project_with_outbox(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                volumes: ["./out:/out"]
                post_start:
                  - command: ["sh", "-c", "echo cannot migrate >&2; exit 3"]
                  - command: ["touch", "/out/after"]
        """)
        up = p.pier("up", "-d", check=False)
        self.assertNotEqual(up.returncode, 0, up.stderr)
        self.assertIn("container " + p.name + "-app-1: post_start hook `sh -c echo cannot migrate >&2; exit 3` "
                      "exited with status 3: cannot migrate", up.stderr)
        # As with Compose: the hooks after it do not run, the container is not "Started"
        # and keeps running.
        self.assertFalse(os.path.exists(os.path.join(out, "after")))
        self.assertNotIn("app-1 Started", up.stderr)
        self.assertEqual(p.record(p.name + "-app-1")["state"], "running")

    def test_pre_stop_runs_before_the_stop_signal_on_stop_restart_and_down(self):
        p, out = project_with_outbox(self, """
            services:
              app:
                image: busybox
                command: ["sh", "-c", "trap 'echo main got TERM >> /out/log; exit 0' TERM; while true; do sleep 0.1; done"]
                volumes: ["./out:/out"]
                post_start:
                  - command: ["sh", "-c", "echo post_start >> /out/log"]
                pre_stop:
                  - command: ["sh", "-c", "echo pre_stop >> /out/log"]
              oneshot:
                image: busybox
                command: ["true"]
                volumes: ["./out:/out"]
                pre_stop:
                  - command: ["touch", "/out/oneshot-pre_stop"]
        """)
        p.pier("up", "-d")
        p.wait_state(p.name + "-oneshot-1", "exited")
        p.pier("stop")
        self.assertEqual(read_out(out, "log").splitlines(), ["post_start", "pre_stop", "main got TERM"])
        p.pier("start", "app")
        p.pier("restart", "app")
        p.pier("down")
        self.assertEqual(read_out(out, "log").splitlines(),
                         ["post_start", "pre_stop", "main got TERM", "post_start",
                          "pre_stop", "main got TERM", "post_start", "pre_stop", "main got TERM"])
        # A container that exited on its own is not stopped: no pre_stop.
        self.assertFalse(os.path.exists(os.path.join(out, "oneshot-pre_stop")))

    def test_a_hanging_pre_stop_is_killed_at_the_stop_grace_period(self):
        p, out = project_with_outbox(self, """
            services:
              app:
                image: busybox
                command: ["sh", "-c", "trap 'echo main got TERM >> /out/log; exit 0' TERM; while true; do sleep 0.1; done"]
                stop_grace_period: 1s
                volumes: ["./out:/out"]
                pre_stop:
                  - command: ["sh", "-c", "echo pre_stop hangs >> /out/log; sleep 1000"]
        """)
        p.pier("up", "-d")
        started = time.monotonic()
        down = p.pier("down", timeout=30)
        took = time.monotonic() - started
        self.assertLess(took, 8, down.stderr)
        self.assertIn("pre_stop hook `sh -c echo pre_stop hangs >> /out/log; sleep 1000` did not finish within the 1 s "
                      "its hooks had (the stop grace period) and was killed; the container was stopped anyway", down.stderr)
        # The stop went on after it: the stop signal reached the main process.
        self.assertEqual(read_out(out, "log").splitlines(), ["pre_stop hangs", "main got TERM"])


if __name__ == "__main__":
    unittest.main()
