"""Reliability: an idle supervisor costs nothing, a supervisor killed at any point
leaves nothing wedged, and a failed or interrupted command leaves nothing running."""
import os
import random
import resource
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import Project, pid_alive, wait_for

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def supervisors_of(project):
    """Pids of `pier --root <root> __supervise <name>` processes of this test's project."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"__supervise" in argv and project.name.encode() in argv and project.root.encode() in argv:
            if pid_alive(int(entry)):
                found.append(int(entry))
    return found


class Reliability(unittest.TestCase):
    def test_health_probes_leave_the_supervisor_idle_with_a_flat_fd_count(self):
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
                healthcheck:
                  test: ["CMD", "true"]
                  interval: 1s
        """)
        p.pier("up", "-d")
        container = p.name + "-s-1"
        p.wait_state(container, "running", health="healthy")
        sup = p.supervisor_pid()
        # Between probes the fd count is at rest; the least of a few samples skips one
        # taken while a probe is in flight.
        def resting_fds():
            samples = []
            for _ in range(5):
                samples.append(fd_count(sup))
                time.sleep(0.1)
            return min(samples)
        before = resting_fds()
        start, t0 = cpu_ticks(sup), time.monotonic()
        time.sleep(5)  # five more probes
        used = (cpu_ticks(sup) - start) / CLK_TCK
        elapsed = time.monotonic() - t0
        after = resting_fds()
        problems = []
        if used / elapsed >= 0.01:
            problems.append(f"the supervisor used {used:.2f} s of CPU in {elapsed:.1f} s of health probes")
        if after > before:
            problems.append(f"its fds grew from {before} to {after} over five probes")
        self.assertEqual(problems, [])
        self.assertEqual(p.record(container)["health"], "healthy")

    def test_a_supervisor_killed_anywhere_in_up_leaves_nothing_wedged(self):
        # A container's child killed with its supervisor before exec must die too, and
        # hold neither the project lock nor the control socket: the next `up` converges.
        count = 10
        p = Project(self, "services:\n" + "".join(f"""
              s{i}:
                image: busybox
                command: ["sleep", "1000"]
        """ for i in range(count)))
        names = {f"{p.name}-s{i}-1" for i in range(count)}
        t0 = time.monotonic()
        p.pier("up", "-d")
        span = time.monotonic() - t0
        p.pier("down", "-t", "0")
        rng = random.Random(os.environ.get("PIER_TEST_SEED"))
        for round in range(10):
            # The last round's supervisor leaves once idle; this round's must be a new one.
            wait_for(lambda: not supervisors_of(p), what="the previous supervisor to exit")
            cli = p.popen("up", "-d")
            sup = wait_for(lambda: (supervisors_of(p) or [0])[0], what="a supervisor for round %d" % round)
            time.sleep(rng.uniform(0, span))
            os.kill(sup, signal.SIGKILL)
            p.seen_pids.add(sup)
            try:
                cli.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                cli.kill()
                cli.communicate()
                self.fail(f"round {round}: `up -d` still waits 30 s after its supervisor was killed")
            out = p.pier("up", "-d", timeout=60)
            records = p.records()
            self.assertEqual({n for n, r in records.items() if r["state"] == "running"}, names,
                             f"round {round}: {out.stderr}")
            p.pier("down", "-t", "0", timeout=60)
            # Links are checked once, at cleanup: other projects on this host make and
            # remove theirs meanwhile. A stuck child shows as its cgroup.
            self.assertEqual([l for l in p.leaks() if not l.startswith("link ")], [],
                             f"round {round}: {sorted(p.records())}\n{p.supervisor_log()}")

    def test_stop_while_containers_start_waits_for_them_then_stops_them(self):
        # Twenty starts queue on the supervisor's four workers: a stop arriving
        # meanwhile finds most of them starting and must stop each once it is up.
        count = 20
        p = Project(self, "services:\n" + "".join(f"""
              s{i}:
                image: busybox
                command: ["sleep", "1000"]
        """ for i in range(count)))
        up = p.popen("up", "-d")
        wait_for(lambda: any(r["state"] == "running" for r in p.records().values()), timeout=30,
                 what="a first container to run")
        try:
            p.pier("stop", "-t", "1", timeout=30)
        except subprocess.TimeoutExpired:
            self.fail("`stop` while containers were starting did not return in 30 s")
        finally:
            up.communicate(timeout=60)
        states = {n: r["state"] for n, r in p.records().items()}
        self.assertEqual(len(states), count)
        self.assertEqual({n for n, st in states.items() if st == "running"}, set())

    def test_a_refused_run_leaves_no_supervisor_behind(self):
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["true"]
                volumes:
                  - type: bind
                    source: ./missing
                    target: /data
                    bind: {create_host_path: false}
        """)
        out = p.pier("run", "--rm", "s", check=False)
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn("missing", out.stderr)
        self.assertTrue(os.path.exists(os.path.join(p.run_dir, "supervisor.log")), "a supervisor ran the request")
        wait_for(lambda: not supervisors_of(p), timeout=15,
                 what=lambda: f"the idle supervisor {supervisors_of(p)} to exit\n{p.supervisor_log()}")
        self.assertEqual(p.records(), {}, "--rm removed the container that never ran")

    def test_ctrl_c_ends_a_run_whose_container_has_not_started(self):
        # A registry that accepts and never answers: the supervisor is stuck pulling,
        # and the CLI has nothing to pass a signal on to.
        registry = socket.socket()
        registry.bind(("127.0.0.1", 0))
        registry.listen(8)
        port = registry.getsockname()[1]
        p = Project(self, f"""
            services:
              app:
                image: 127.0.0.1:{port}/stalled:latest
                command: ["true"]
        """)
        pulls = []
        # Files, not pipes: the CLI hands its stdio to the supervisor, which keeps them.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            try:
                run = subprocess.Popen(p.argv("run", "--rm", "app"), cwd=p.dir, stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=err)
                registry.settimeout(30)
                pulls.append(registry.accept()[0])  # the supervisor is in the pull now
                run.send_signal(signal.SIGINT)
                try:
                    run.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    run.kill()
                    run.wait()
                    self.fail("`pier run` ignored SIGINT while its container had not started")
            finally:
                for conn in pulls:
                    conn.close()
                registry.close()
            err.seek(0)
            message = err.read()
        self.assertEqual(run.returncode, 130, message)
        self.assertIn("interrupted before the container started", message)

    def test_at_its_fd_limit_the_control_server_waits_instead_of_spinning(self):
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        sup = p.supervisor_pid()
        soft, hard = resource.prlimit(sup, resource.RLIMIT_NOFILE)
        # Lower it to the lowest free fd: the next accept fails with EMFILE.
        used = {int(fd) for fd in os.listdir(f"/proc/{sup}/fd")}
        lowest_free = next(n for n in range(len(used) + 1) if n not in used)
        resource.prlimit(sup, resource.RLIMIT_NOFILE, (lowest_free, hard))
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            client.connect(os.path.join(p.run_dir, "control.sock"))
            start, t0 = cpu_ticks(sup), time.monotonic()
            time.sleep(2)
            load = (cpu_ticks(sup) - start) / CLK_TCK / (time.monotonic() - t0)
            resource.prlimit(sup, resource.RLIMIT_NOFILE, (hard, hard))
            self.assertLess(load, 0.05, f"the supervisor used {load:.0%} of a CPU while out of fds")
            # With fds again, the waiting connection is accepted and greeted.
            client.settimeout(5)
            self.assertIn(b'"supervisor"', client.recv(4096))
        finally:
            client.close()
            resource.prlimit(sup, resource.RLIMIT_NOFILE, (hard, hard))
        self.assertIn("Up", p.pier("ps").stdout)
        self.assertEqual(soft, hard, "the supervisor raised its soft fd limit to the hard one")

    def test_a_second_ctrl_c_ends_a_run_whose_container_ignores_the_first(self):
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["sh", "-c", "trap '' INT TERM; sleep 1000"]
        """)
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            run = subprocess.Popen(p.argv("run", "--rm", "s"), cwd=p.dir, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=err)
            try:
                wait_for(lambda: any("-s-run-" in n and r["state"] == "running" for n, r in p.records().items()),
                         timeout=30, what="the one-off to run")
                run.send_signal(signal.SIGINT)  # passed on; the container ignores it
                time.sleep(1)
                self.assertIsNone(run.poll(), "the first Ctrl-C goes to the container")
                run.send_signal(signal.SIGINT)
                run.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.fail("a second Ctrl-C did not end `pier run`")
            finally:
                if run.poll() is None:
                    run.kill()
                    run.wait()
            err.seek(0)
            message = err.read()
        self.assertEqual(run.returncode, 130, message)
        self.assertIn("interrupted again", message)

    def test_a_control_socket_that_never_answers_is_an_error_naming_the_supervisor(self):
        # What a child stuck before exec used to do: hold the listening socket open,
        # accepting nothing, after its supervisor died (or while it lives but hangs).
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
        """)
        os.makedirs(p.run_dir, exist_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(os.path.join(p.run_dir, "control.sock"))
        listener.listen(8)
        pid_file = os.path.join(p.run_dir, "supervisor.pid")
        try:
            gone = subprocess.Popen(["true"])
            gone.wait()
            with open(pid_file, "w") as f:
                f.write(f"{gone.pid}\n")
            t0 = time.monotonic()
            out = p.pier("up", "-d", check=False, timeout=30)
            self.assertEqual(out.returncode, 1, out.stderr)
            self.assertIn(f"the supervisor of project `{p.name}` (pid {gone.pid}) is gone", out.stderr)
            self.assertLess(time.monotonic() - t0, 5)
            with open(pid_file, "w") as f:
                f.write(f"{os.getpid()}\n")  # alive, but it never answers
            out = p.pier("up", "-d", check=False, timeout=30)
            self.assertEqual(out.returncode, 1, out.stderr)
            self.assertIn(f"(pid {os.getpid()}) did not answer within 10 s", out.stderr)
            self.assertIn(f"kill {os.getpid()}", out.stderr)
        finally:
            listener.close()
            os.unlink(os.path.join(p.run_dir, "control.sock"))
            os.unlink(pid_file)
            # The pids written above are no supervisor's: cleanup must not kill them.
            p.seen_pids.discard(os.getpid())
            p.seen_pids.discard(gone.pid)


if __name__ == "__main__":
    unittest.main()
