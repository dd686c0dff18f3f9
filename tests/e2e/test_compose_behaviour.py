"""Where pier behaved unlike Docker Compose in Compose's own end-to-end scenarios
(issue 17's list), each fixed difference as Compose's test expects it."""
import os
import signal
import subprocess
import unittest

from harness import PIER, Project, wait_for


class ComposeBehaviour(unittest.TestCase):
    def test_pausing_a_paused_service_is_an_error(self):
        p = Project(self, """
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                init: true
        """)
        p.pier("up", "-d")
        p.pier("pause", "web")
        again = p.pier("pause", "web", check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn(f"container {p.name}-web-1 is already paused", again.stderr)
        self.assertEqual(p.record(p.name + "-web-1")["state"], "paused")
        p.pier("unpause", "web")
        self.assertEqual(p.record(p.name + "-web-1")["state"], "running")
        p.pier("down")

    def test_ctrl_c_on_up_of_one_service_stops_only_that_service(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                depends_on: [db]
              db:
                image: busybox
                init: true
                command: ["sleep", "1000"]
              other:
                image: busybox
                init: true
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d", "other")
        proc = p.popen("up", "app")
        wait_for(lambda: (r := p.record(p.name + "-app-1")) and r["state"] == "running", what="app up")
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
        self.assertEqual(p.record(p.name + "-app-1")["state"], "exited")
        # Its dependency and a service it did not name keep running, as in Compose.
        self.assertEqual(p.record(p.name + "-db-1")["state"], "running")
        self.assertEqual(p.record(p.name + "-other-1")["state"], "running")
        p.pier("down")

    def test_network_mode_bridge_gets_a_network_and_loopback(self):
        # pier has no daemon-wide bridge: the service joins the project's default network.
        # Before, it got no interface but a loopback that was down.
        p = Project(self, """
            services:
              web:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                network_mode: bridge
        """)
        self.assertNotIn("networks", p.pier("config").stdout)  # the model stays Compose's
        p.pier("up", "-d")
        addr = p.pier("exec", "-T", "web", "ip", "-4", "addr").stdout
        self.assertIn("inet 127.0.0.1/8", addr)
        self.assertRegex(addr, r"inet \d+\.\d+\.\d+\.\d+/\d+ scope global eth0")
        p.pier("down")

    # Compose's cascade scenarios: `up --abort-on-container-exit` and friends.
    CASCADE = """
        services:
          exit:
            image: busybox
            command: /bin/true
          fail:
            image: busybox
            command: sh -c "sleep 0.3 && exit 111"
          running:
            image: busybox
            init: true
            command: sleep 100
    """

    def test_abort_on_container_exit_returns_the_first_exit_code_and_says_so_once(self):
        p = Project(self, self.CASCADE)
        out = p.pier("up", "--abort-on-container-exit", check=False, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(f"{p.name}-exit-1 exited with code 0", out.stdout)
        self.assertEqual(out.stderr.count("Aborting on container exit..."), 1, out.stderr)
        self.assertIn(f"Attaching to {p.name}-exit-1, {p.name}-fail-1, {p.name}-running-1", out.stderr)
        self.assertEqual(p.record(p.name + "-running-1")["state"], "exited")
        p.pier("down")

    def test_abort_on_container_failure_returns_the_failing_code(self):
        p = Project(self, self.CASCADE)
        out = p.pier("up", "--abort-on-container-failure", check=False, timeout=60)
        self.assertEqual(out.returncode, 111, out.stderr)
        self.assertIn(f"{p.name}-exit-1 exited with code 0", out.stdout)
        self.assertIn(f"{p.name}-fail-1 exited with code 111", out.stdout)
        self.assertEqual(out.stderr.count("Aborting on container exit..."), 1, out.stderr)
        p.pier("down")

    def test_exit_code_from_a_container_stopped_by_the_abort_is_143(self):
        p = Project(self, """
            services:
              test:
                image: busybox
                init: true
                command: sleep 100
              other:
                image: busybox
                command: sh -c "sleep 0.3"
        """)
        out = p.pier("up", "--exit-code-from=test", check=False, timeout=60)
        self.assertEqual(out.returncode, 143, out.stdout + out.stderr)
        self.assertIn(f"{p.name}-test-1 exited with code 143", out.stdout)
        p.pier("down")

    def test_a_one_shot_dependency_prints_its_logs_and_exit_before_its_dependents(self):
        p = Project(self, """
            services:
              foo:
                image: busybox
                command: "echo hello"
              bar:
                image: busybox
                command: "echo world"
                depends_on:
                  foo:
                    condition: service_completed_successfully
        """)
        for _ in range(3):
            out = p.pier("up", timeout=60)
            lines = [l for l in out.stdout.splitlines() if l.strip()]
            self.assertEqual(lines, [f"{p.name}-foo-1  | hello", f"{p.name}-foo-1 exited with code 0",
                                     f"{p.name}-bar-1  | world", f"{p.name}-bar-1 exited with code 0"], out.stdout)
            p.pier("down")
        # Its exit counts for --abort-on-container-exit, as a later exit would.
        out = p.pier("up", "--abort-on-container-exit", check=False, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("Aborting on container exit...", out.stderr)
        p.pier("down")

    def test_up_keeps_a_containers_stderr_on_stderr(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                command: sh -c "echo log to stdout; echo log to stderr >&2"
        """)
        out = p.pier("up", timeout=60)
        self.assertIn("log to stdout", out.stdout)
        self.assertNotIn("log to stderr", out.stdout)
        self.assertIn("log to stderr", out.stderr)
        p.pier("down")

    def test_start_of_a_service_starts_its_dependencies_first(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                depends_on: [db]
              db:
                image: busybox
                init: true
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        p.pier("stop")
        out = p.pier("start", "app")
        self.assertEqual(p.record(p.name + "-db-1")["state"], "running")
        self.assertEqual(p.record(p.name + "-app-1")["state"], "running")
        self.assertLess(out.stderr.index(f"Container {p.name}-db-1 Started"),
                        out.stderr.index(f"Container {p.name}-app-1 Starting"), out.stderr)
        p.pier("down")

    def test_stop_and_start_leave_one_offs_and_services_of_other_files_alone(self):
        p = Project(self, """
            services:
              web:
                image: busybox
                init: true
                command: ["sleep", "1000"]
        """, files={"extra.yaml": """
            services:
              extra:
                image: busybox
                init: true
                command: ["sleep", "1000"]
        """})
        p.pier("-f", "extra.yaml", "up", "-d")
        p.pier("run", "-d", "--name", p.name + "-oneoff", "web", "sleep", "1000")
        p.pier("stop")
        self.assertEqual(p.record(p.name + "-web-1")["state"], "exited")
        self.assertEqual(p.record(p.name + "-extra-1")["state"], "running")
        self.assertEqual(p.record(p.name + "-oneoff")["state"], "running")
        p.pier("restart")
        self.assertEqual(p.record(p.name + "-web-1")["state"], "running")
        p.pier("-f", "extra.yaml", "down")

    def test_run_warns_about_orphan_one_offs_and_removes_them_on_request(self):
        # Compose's "compose run orphan": a one-off of a service another file declares.
        p = Project(self, """
            services:
              back:
                image: busybox
        """, files={"orphan.yaml": """
            services:
              simple:
                image: busybox
        """})
        first = p.pier("-f", "orphan.yaml", "run", "-T", "simple", "true")
        self.assertNotIn("orphan", first.stderr)
        out = p.pier("run", "-T", "back", "echo", "Hello")
        self.assertEqual(out.stdout, "Hello\n")
        self.assertRegex(out.stderr, r"Found orphan containers \(\[%s-simple-run-[0-9a-f]+\]\)" % p.name)
        quiet = p.pier("run", "-T", "back", "echo", "Hello", env={"COMPOSE_IGNORE_ORPHANS": "True"})
        self.assertNotIn("orphan", quiet.stderr)
        p.pier("run", "--rm", "-T", "--remove-orphans", "back", "true")
        self.assertEqual([r["service"] for r in p.records().values() if r["service"] == "simple"], [])
        p.pier("down")

    def test_logs_follow_with_only_a_project_name(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                init: true
                command: sh -c "echo ready; sleep 1000"
        """)
        p.pier("up", "-d")
        wait_for(lambda: "ready" in p.pier("logs").stdout, what="app's output")
        # No compose file where it runs: -p names the project, as for ps and down.
        proc = subprocess.Popen([PIER, "--root", p.root, "-p", p.name, "logs", "-f"], cwd="/",
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
        finally:
            proc.kill()
            proc.communicate()
        self.assertEqual(line, "app-1  | ready\n")
        p.pier("down")

    def test_up_prints_each_exit_of_a_restarting_container(self):
        p = Project(self, """
            services:
              r:
                image: busybox
                restart: on-failure:2
                command: sh -c "echo try; exit 3"
        """)
        out = p.pier("up", timeout=60)
        self.assertEqual(out.stdout.count(f"{p.name}-r-1 exited with code 3"), 3, out.stdout)
        p.pier("down")

    def test_up_with_no_service_to_start_ends_without_error(self):
        # The foreground subscribes to events first; the supervisor, with nothing to
        # supervise, ends the stream before the logs are attached: not an error.
        p = Project(self, """
            services:
              a:
                image: busybox
                profiles: [later]
        """)
        out = p.pier("up", timeout=30, check=False)
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_image_by_id_runs_the_stored_image_without_a_registry(self):
        p = Project(self, """
            services:
              app:
                image: busybox
        """)
        full = p.pier("image", "ls", "-q", "--no-trunc").stdout.split()[0]
        self.assertTrue(full.startswith("sha256:"), full)
        for image in (full[7:19], full):
            p.write("compose.yaml", f"""
services:
  app:
    image: {image}
    init: true
    command: ["sleep", "1000"]
""")
            p.pier("up", "-d")
            self.assertEqual(p.record(p.name + "-app-1")["state"], "running")
            p.pier("down")
        # An ID that is not in the store is never looked up in a registry.
        p.write("compose.yaml", "services:\n  app:\n    image: sha256:" + "0" * 64 + "\n")
        missing = p.pier("up", "-d", check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no such image: sha256:" + "0" * 64, missing.stderr)
        self.assertNotIn("registry", missing.stderr)
        p.pier("down")

    def test_run_detached_never_reads_the_callers_stdin(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                volumes: ["./out:/out"]
        """)
        os.makedirs(os.path.join(p.dir, "out"))
        # As in Compose the one-off's stdin is kept open (for `attach`), never the caller's:
        # the read times out with nothing.
        name = p.pier("run", "-d", "app", "sh", "-c", "read -t 2 line; echo \"got:$line\" > /out/end",
                      input="read-from-the-callers-stdin\n").stdout.strip()
        p.wait_state(name, "exited")
        with open(os.path.join(p.dir, "out", "end")) as f:
            self.assertEqual(f.read(), "got:\n")
        p.pier("down", "--remove-orphans")

    def test_up_scale_adds_replicas_and_keeps_the_up_to_date_one(self):
        p = Project(self, """
            services:
              test:
                image: busybox
                init: true
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        first = p.record(p.name + "-test-1")["id"]
        out = p.pier("up", "-d", "--scale", "test=2")
        self.assertIn(f"Container {p.name}-test-1 Running", out.stderr)
        self.assertEqual(p.record(p.name + "-test-1")["id"], first)
        self.assertEqual(p.record(p.name + "-test-2")["state"], "running")
        p.pier("down")


if __name__ == "__main__":
    unittest.main()
