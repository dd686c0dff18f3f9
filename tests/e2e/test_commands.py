"""`ps`, `logs`, `exec`, foreground `up`, scale."""
import glob
import json
import os
import signal
import subprocess
import time
import unittest

from harness import Project, wait_for


class Commands(unittest.TestCase):
    def test_ps_table_and_json_like_docker_compose(self):
        p = Project(self, """
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                healthcheck:
                  test: ["CMD", "true"]
                  interval: 100ms
              job:
                image: busybox
                command: ["true"]
        """)
        p.pier("up", "-d")
        p.wait_state(p.name + "-web-1", "running", health="healthy")
        p.wait_state(p.name + "-job-1", "exited")
        table = p.pier("ps").stdout.splitlines()
        self.assertEqual(table[0].split(), ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"])
        self.assertEqual(len(table), 2, "exited containers only with -a")
        self.assertIn("(healthy)", table[1])
        self.assertIn("Up ", table[1])
        rows = [json.loads(line) for line in p.pier("ps", "-a", "--format", "json").stdout.splitlines()]
        by = {r["Service"]: r for r in rows}
        self.assertEqual(by["job"]["State"], "exited")
        self.assertTrue(by["job"]["Status"].startswith("Exited (0)"))
        self.assertEqual(by["web"]["Health"], "healthy")
        self.assertEqual(p.pier("ps", "--services", "-a").stdout.split(), ["job", "web"])
        self.assertEqual(len(p.pier("ps", "-q").stdout.split()), 1)
        self.assertEqual(p.pier("ps", "-a", "--status", "exited", "--format", "json").stdout.count("\n"), 1)

    def test_exec_passes_exit_codes_env_user_and_a_tty(self):
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
                environment: {GREETING: hi}
                working_dir: /tmp
        """)
        p.pier("up", "-d")
        self.assertEqual(p.pier("exec", "-T", "s", "sh", "-c", "exit 7", check=False).returncode, 7)
        out = p.pier("exec", "-T", "-e", "EXTRA=1", "-u", "nobody", "s", "sh", "-c", "echo $GREETING $EXTRA $(id -u) $(pwd)")
        self.assertEqual(out.stdout.strip(), "hi 1 65534 /tmp")
        self.assertEqual(p.pier("exec", "-T", "-w", "/", "s", "pwd").stdout.strip(), "/")
        # With a terminal on stdin, exec gets a tty.
        script = subprocess.run(["script", "-qec", " ".join(p.argv("exec", "s", "tty")), "/dev/null"],
                                capture_output=True, text=True, timeout=30)
        self.assertIn("/dev/pts/", script.stdout)
        self.assertIn("not a tty", p.pier("exec", "-T", "s", "tty", check=False).stdout)
        missing = p.pier("exec", "-T", "nosuch", "true", check=False)
        self.assertIn("no such service: nosuch", missing.stderr)

    def test_foreground_up_prefixes_logs_and_returns_when_all_exit(self):
        p = Project(self, """
            services:
              one:
                image: busybox
                command: ["sh", "-c", "echo hello from one; echo oops >&2"]
              two:
                image: busybox
                command: ["sh", "-c", "sleep 0.3; echo hello from two"]
        """)
        out = p.pier("up", "--no-color", timeout=30)
        self.assertIn(p.name + "-one-1  | hello from one", out.stdout + out.stderr)
        self.assertIn(p.name + "-two-1  | hello from two", out.stdout + out.stderr)
        self.assertIn(p.name + "-two-1 exited with code 0", out.stdout)
        logs = p.pier("logs", "--no-log-prefix", "one").stdout
        self.assertIn("hello from one", logs)

    def test_exit_code_from_and_ctrl_c_stops_gracefully(self):
        p = Project(self, """
            services:
              test:
                image: busybox
                command: ["sh", "-c", "sleep 0.5; exit 4"]
              server:
                image: busybox
                init: true
                command: ["sleep", "1000"]
        """)
        out = p.pier("up", "--exit-code-from", "test", check=False, timeout=30)
        self.assertEqual(out.returncode, 4, out.stderr)
        self.assertEqual(p.record(p.name + "-server-1")["state"], "exited")
        proc = p.popen("up")
        wait_for(lambda: (r := p.record(p.name + "-server-1")) and r["state"] == "running", what="server up")
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=20)
        self.assertIn("Gracefully stopping", stderr)
        self.assertEqual(p.record(p.name + "-server-1")["state"], "exited")

    def test_scale_names_replicas_and_dns_round_robins(self):
        p = Project(self, """
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
              client:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
        """)
        p.pier("up", "-d", "--scale", "web=3")
        names = sorted(n for n in p.records() if "-web-" in n)
        self.assertEqual(names, [f"{p.name}-web-{i}" for i in (1, 2, 3)])
        addrs = {r["endpoints"][0]["ipv4"] for n, r in p.records().items() if "-web-" in n}
        self.assertEqual(len(addrs), 3)
        out = p.pier("exec", "-T", "client", "nslookup", "web").stdout
        for a in addrs:
            self.assertIn(a, out)
        labels = p.record(f"{p.name}-web-2")["labels"]
        self.assertEqual(labels["com.docker.compose.container-number"], "2")
        self.assertEqual(labels["com.docker.compose.project"], p.name)
        p.pier("up", "-d", "--scale", "web=1")
        self.assertEqual(sorted(n for n in p.records() if "-web-" in n), [f"{p.name}-web-1"])

    def test_a_containers_first_dns_query_is_answered(self):
        """A container's names answer before its process runs: a query at its first
        instruction, from 30 services starting at once, is never refused as a
        stranger's (it was, now and then, while the names were published only once the
        loop heard that the start was over)."""
        services = "services:\n" + "".join(
            f"  s{i}:\n    image: busybox\n"
            f"    command: [\"sh\", \"-c\", \"nslookup s{i} >/dev/null 2>&1; echo rc=$$?; exec sleep 1000\"]\n"
            for i in range(30))
        p = Project(self, services)
        p.pier("up", "-d")
        wait_for(lambda: p.pier("logs").stdout.count("rc=") == 30, timeout=30, what="every service's query")
        out = p.pier("logs", "--no-log-prefix").stdout
        self.assertEqual(out.count("rc=0"), 30, out)

    def test_logs_rotate_and_follow_across_a_restart(self):
        p = Project(self, """
            services:
              noisy:
                image: busybox
                command: ["sh", "-c", "i=0; while [ $$i -lt 400 ]; do echo line-$$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$$((i+1)); done; exec sleep 1000"]
                logging:
                  options: {max-size: 4k, max-file: "2"}
        """)
        p.pier("up", "-d")
        log_dir = os.path.join(p.root, "containers", p.name, p.name + "-noisy-1")
        wait_for(lambda: os.path.exists(os.path.join(log_dir, p.name + "-noisy-1-json.log.1")), timeout=20,
                 what=lambda: f"rotation: {os.listdir(log_dir) if os.path.isdir(log_dir) else 'no log dir'} "
                              f"{p.records()} {p.supervisor_log()}")
        time.sleep(0.5)
        files = sorted(os.listdir(log_dir))
        self.assertEqual(files, [p.name + "-noisy-1-json.log", p.name + "-noisy-1-json.log.1"])
        self.assertIn("line-399-", p.pier("logs", "--tail", "1").stdout)
        follow = p.popen("logs", "-f", "--no-log-prefix", "--tail", "0")
        time.sleep(0.5)
        p.pier("restart", "-t", "1")
        deadline = time.monotonic() + 15
        seen = ""
        # Read the pipe's bytes directly: a text stream over a non-blocking pipe raises
        # instead of returning nothing when no output is there yet.
        fd = follow.stdout.fileno()
        os.set_blocking(fd, False)
        while time.monotonic() < deadline and "line-399-" not in seen:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                chunk = b""
            seen += chunk.decode(errors="replace")
            time.sleep(0.1)
        follow.send_signal(signal.SIGINT)
        follow.communicate(timeout=10)
        self.assertIn("line-0-", seen, "the restarted run's output is followed")


    def test_run_a_one_off_with_the_cli_stdio_and_its_exit_code(self):
        p = Project(self, """
            services:
              db:
                image: busybox
                command: ["sleep", "1000"]
              app:
                image: busybox
                command: ["sleep", "1000"]
                environment: {FROM_FILE: yes}
                depends_on: [db]
        """)
        out = p.pier("run", "--rm", "-T", "-e", "EXTRA=2", "app", "sh", "-c",
                     "cat; echo $FROM_FILE $EXTRA; nslookup db >/dev/null && echo resolved; echo oops >&2; exit 6",
                     input="from stdin\n", check=False)
        self.assertEqual(out.returncode, 6, out.stderr)
        self.assertEqual(out.stdout, "from stdin\nyes 2\nresolved\n")
        self.assertIn("oops", out.stderr)
        self.assertEqual(p.record(p.name + "-db-1")["state"], "running", "dependencies are started")
        self.assertFalse(any("-run-" in n for n in p.records()), "--rm removed the one-off container")
        name = p.pier("run", "-d", "--name", "oneoff", "app", "sleep", "1000").stdout.strip()
        self.assertEqual(name, "oneoff")
        self.assertEqual(p.record("oneoff")["state"], "running")
        self.assertTrue(p.record("oneoff")["oneoff"])
        self.assertEqual(p.record("oneoff")["labels"]["com.docker.compose.oneoff"], "True")

    def test_run_as_the_first_command_of_a_project_and_a_tty_service_first(self):
        # Nothing else made the project's scratch dir or its network before these.
        p = Project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
              term:
                image: busybox
                tty: true
                command: ["sleep", "1000"]
        """)
        out = p.pier("run", "--rm", "-T", "app", "sh", "-c", "ip -o -4 addr show eth0 | grep -c inet")
        self.assertEqual(out.stdout.strip(), "1", "the one-off is on the project's network")
        again = p.pier("run", "--rm", "-T", "app", "echo", "again", timeout=20)
        self.assertEqual(again.stdout, "again\n")
        p.pier("down")
        p.pier("up", "-d", "term")
        self.assertEqual(p.record(p.name + "-term-1")["state"], "running")

    def test_run_rm_alone_leaves_no_cgroup_once_its_supervisor_exits(self):
        # The one-off was the project's only container: the supervisor exits when it is
        # removed, and takes the project's (empty) cgroup directories with it, as it
        # takes its records, instead of leaving them for a `down`.
        p = Project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
        """)
        self.assertEqual(p.pier("run", "--rm", "-T", "app", "echo", "ran").stdout, "ran\n")
        pid_file = os.path.join(p.run_dir, "supervisor.pid")
        wait_for(lambda: not os.path.exists(pid_file), timeout=15, what="the idle supervisor to exit")
        left = glob.glob("/sys/fs/cgroup/**/pier/" + p.kernel_name, recursive=True)
        self.assertEqual(left, [], "the project's cgroups outlived its last container and its supervisor")


if __name__ == "__main__":
    unittest.main()
