"""`up`, dependency gating, health, restart policies, stop grace, recreate, down."""
import os
import signal
import time
import unittest

from harness import Project, pid_alive, wait_for, free_port, http_get


class Lifecycle(unittest.TestCase):
    def test_depends_on_healthy_and_completed_gate_the_start_order(self):
        p = Project(self, """
            services:
              init:
                image: busybox
                command: ["sh", "-c", "sleep 0.5; echo ready > /data/init.done"]
                volumes: [data:/data]
              db:
                image: busybox
                command: ["sh", "-c", "sleep 1; touch /tmp/healthy; exec sleep 1000"]
                healthcheck:
                  test: ["CMD", "test", "-f", "/tmp/healthy"]
                  interval: 200ms
                  retries: 20
              web:
                image: busybox
                command: ["sh", "-c", "cat /data/init.done; exec sleep 1000"]
                volumes: [data:/data]
                depends_on:
                  init: {condition: service_completed_successfully}
                  db: {condition: service_healthy}
            volumes:
              data: {}
        """)
        out = p.pier("up", "-d")
        self.assertIn(" Container " + p.name + "-web-1 Started \n", out.stderr)
        r = p.records()
        init, db, web = r[p.name + "-init-1"], r[p.name + "-db-1"], r[p.name + "-web-1"]
        self.assertEqual(init["state"], "exited")
        self.assertEqual(init["exit_code"], 0)
        self.assertEqual(db["health"], "healthy")
        self.assertEqual(web["state"], "running")
        # web started only after init finished and db became healthy (>= 1 s after start).
        self.assertGreater(web["started_at"], init["finished_at"])
        self.assertGreaterEqual(web["started_at"] - db["started_at"], 1_000_000_000)
        logs = p.pier("logs", "web").stdout
        self.assertIn("ready", logs)

    def test_a_failing_dependency_is_an_error_naming_it(self):
        p = Project(self, """
            services:
              migrate:
                image: busybox
                command: ["sh", "-c", "exit 3"]
              app:
                image: busybox
                command: ["sleep", "1000"]
                depends_on:
                  migrate: {condition: service_completed_successfully}
        """)
        out = p.pier("up", "-d", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('service "migrate" didn\'t complete successfully: exit 3', out.stderr)
        self.assertIsNone(p.record(p.name + "-app-1") and p.record(p.name + "-app-1")["started_at"] or None)

    def test_restart_on_failure_counts_and_backs_off(self):
        p = Project(self, """
            services:
              flaky:
                image: busybox
                command: ["sh", "-c", "date +%s.%N >> /proc/1/fd/1; exit 3"]
                restart: on-failure:3
        """)
        start = time.monotonic()
        p.pier("up", "-d")
        name = p.name + "-flaky-1"
        wait_for(lambda: (r := p.record(name)) and r["restart_count"] == 3 and r["state"] == "exited",
                 timeout=15, what="three restarts")
        elapsed = time.monotonic() - start
        # Backoff 100 + 200 + 400 ms between the four runs.
        self.assertGreaterEqual(elapsed, 0.7)
        self.assertEqual(p.record(name)["exit_code"], 3)
        time.sleep(1.0)
        self.assertEqual(p.record(name)["restart_count"], 3, "no fourth restart")

    def test_stop_honours_the_grace_period_then_kills(self):
        p = Project(self, """
            services:
              stubborn:
                image: busybox
                command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]
                stop_grace_period: 2s
              polite:
                image: busybox
                init: true
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        t0 = time.monotonic()
        stopped = p.pier("stop", "stubborn")
        took = time.monotonic() - t0
        self.assertGreaterEqual(took, 1.9)
        self.assertLess(took, 6)
        self.assertEqual(p.record(p.name + "-stubborn-1")["exit_code"], 137)
        # The stop says what it waited for, and what would have avoided the wait.
        self.assertIn(f"container {p.name}-stubborn-1 did not exit within its 2 s stop grace period and was killed",
                      stopped.stderr)
        self.assertIn("ignores SIGTERM", stopped.stderr)
        self.assertIn("`init: true`", stopped.stderr)
        t0 = time.monotonic()
        polite = p.pier("stop", "polite")
        self.assertLess(time.monotonic() - t0, 4, "SIGTERM through tini ends sleep long before the 10 s grace period")
        self.assertNotIn("grace period", polite.stderr)

    def test_unless_stopped_and_always_after_stop_and_a_supervisor_restart(self):
        p = Project(self, """
            services:
              always:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                restart: always
              unless:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                restart: unless-stopped
        """)
        p.pier("up", "-d")
        p.pier("stop")
        self.assertEqual(p.record(p.name + "-always-1")["state"], "exited")
        self.assertEqual(p.record(p.name + "-unless-1")["state"], "exited")
        # A supervisor restart is the daemon restart of Docker: always comes back.
        sup = p.supervisor_pid()
        os.kill(sup, signal.SIGKILL)
        wait_for(lambda: not pid_alive(sup), what="supervisor gone")
        out = p.pier("ps", "-a", "--format", "json")
        p.wait_state(p.name + "-always-1", "running")
        self.assertEqual(p.record(p.name + "-unless-1")["state"], "exited")

    def test_up_twice_recreates_only_the_changed_service(self):
        compose = """
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                environment: {VERSION: "%s"}
              b:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
        """
        p = Project(self, compose % "1")
        p.pier("up", "-d")
        before = p.records()
        p.write("compose.yaml", compose % "2")
        out = p.pier("up", "-d")
        after = p.records()
        a, b = p.name + "-a-1", p.name + "-b-1"
        self.assertNotEqual(before[a]["id"], after[a]["id"], "a was recreated")
        self.assertEqual(before[b]["id"], after[b]["id"], "b was kept")
        self.assertEqual(before[b]["pid"], after[b]["pid"], "b kept running")
        self.assertIn("VERSION=2", p.pier("exec", "-T", "a", "env").stdout)
        # Unchanged: nothing recreated.
        again = p.pier("up", "-d")
        self.assertEqual(p.records()[a]["id"], after[a]["id"])

    def test_restarting_a_dependency_restarts_dependents_that_ask_for_it(self):
        p = Project(self, """
            services:
              db:
                image: busybox
                init: true
                command: ["sleep", "1000"]
              app:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                depends_on:
                  db: {condition: service_started, restart: true}
              other:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                depends_on: [db]
        """)
        p.pier("up", "-d")
        before = p.records()
        p.pier("restart", "db")
        after = p.records()
        db, app, other = (p.name + s for s in ("-db-1", "-app-1", "-other-1"))
        self.assertNotEqual(before[db]["pid"], after[db]["pid"])
        self.assertNotEqual(before[app]["pid"], after[app]["pid"], "restart: true follows the dependency")
        self.assertEqual(before[other]["pid"], after[other]["pid"], "a plain dependent is left alone")
        self.assertGreaterEqual(after[app]["started_at"], after[db]["started_at"])

    def test_supervisor_killed_then_adopted_and_down_removes_everything(self):
        port = free_port()
        p = Project(self, f"""
            services:
              web:
                image: busybox
                command: ["sh", "-c", "mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 80 -h /www"]
                stop_grace_period: 1s
                ports: ["127.0.0.1:{port}:80"]
              client:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
        """)
        p.pier("up", "-d")
        self.assertIn("hello-from-web", http_get(port))
        web = p.record(p.name + "-web-1")
        sup = p.supervisor_pid()
        os.kill(sup, signal.SIGKILL)
        wait_for(lambda: not pid_alive(sup), what="supervisor gone")
        self.assertTrue(pid_alive(web["pid"]), "containers outlive their supervisor")
        ps = p.pier("ps").stdout
        self.assertIn("Up", ps)
        self.assertNotEqual(p.supervisor_pid(), sup)
        # Adopted: names resolve and the port is published again.
        out = p.pier("exec", "-T", "client", "wget", "-qO-", "http://web/")
        self.assertIn("hello-from-web", out.stdout)
        self.assertIn("hello-from-web", http_get(port))
        p.pier("down")
        self.assertFalse(pid_alive(web["pid"]))
        self.assertEqual(p.leaks(), [])

    def test_detached_supervisor_survives_the_cli_in_its_own_session(self):
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        sup = p.supervisor_pid()
        self.assertTrue(pid_alive(sup))
        self.assertNotEqual(os.getsid(sup), os.getsid(0))
        self.assertNotEqual(os.getsid(sup), sup, "not its session's leader: no terminal it opens becomes its own")
        with open(f"/proc/{sup}/stat") as f:
            tty_nr = int(f.read().rsplit(")", 1)[1].split()[4])
        self.assertEqual(tty_nr, 0, "no controlling terminal")
        self.assertEqual(p.record(p.name + "-s-1")["state"], "running")


if __name__ == "__main__":
    unittest.main()
