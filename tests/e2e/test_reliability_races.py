"""Reliability under concurrent commands and crashes: `down` while `up` runs cancels
what has not started and leaves nothing; two `up`s at once both succeed; `up`s and a
`down` from three terminals end as the last command says; a container the OOM killer
ends while no supervisor runs is reported OOM killed by the one that adopts it."""
import ctypes
import json
import os
import signal
import subprocess
import threading
import time
import unittest

from harness import Project, pid_alive, pier_links, wait_for
from test_reliability import supervisors_of

COUNT = 20
PR_SET_CHILD_SUBREAPER = 36


def chained_services(count=COUNT):
    """`count` services in four depends_on chains, so `up` starts them in waves; the
    chains' heads have a health check the next link waits for."""
    text = "services:\n"
    for i in range(1, count + 1):
        text += f"""
  s{i:02d}:
    image: busybox
    command: ["sleep", "1000"]
    stop_grace_period: 1s
"""
        if i <= 4:
            text += """    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
"""
        if i > 4:
            condition = "service_healthy" if i <= 8 else "service_started"
            text += f"    depends_on:\n      s{i - 4:02d}: {{condition: {condition}}}\n"
    return text


def fnv1a(text):
    h = 1469598103934665603
    for c in text.encode():
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def own_links(p, containers):
    """The project's bridge and its containers' host veths (net/names.cpp) still there."""
    names = {"pier-%08x" % (fnv1a(p.name + "\ndefault") & 0xFFFFFFFF)}
    names |= {"pv%012x" % (fnv1a(f"{p.name}\ndefault\n{c}") & 0xFFFFFFFFFFFF) for c in containers}
    return sorted(names & pier_links())


class StderrReader:
    """A command run in the background, its stderr lines collected as they come."""

    def __init__(self, project, *args):
        self.args = args
        self.proc = project.popen(*args, stdin=subprocess.DEVNULL)
        self.lines = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def finish(self, timeout=60):
        """The exit code and stderr, failing the test if it does not end in time."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"`pier {' '.join(self.args)}` still ran after {timeout} s:\n{''.join(self.lines)}")
        self.thread.join(timeout=5)
        return self.proc.returncode, "".join(self.lines)


class Races(unittest.TestCase):
    def assert_up_ended_clearly(self, p, code, err, what):
        # Finished before the down came (0), or cancelled by it: never another error.
        if code != 0:
            self.assertIn("cancelled by `down`", err, f"{what}\n{p.supervisor_log()}")

    def assert_project_gone(self, p, what):
        # Only this project's links: other projects on this host make and remove theirs
        # meanwhile (the cleanup checks them all once more).
        leaks = [l for l in p.leaks() if not l.startswith("link ")]
        leaks += ["link " + l for l in own_links(p, [f"{p.name}-s{i:02d}-1" for i in range(1, COUNT + 1)])]
        self.assertEqual(leaks, [], f"{what}: {sorted(p.records())}\n{p.supervisor_log()}")

    def test_down_while_up_starts_cancels_it_and_leaves_nothing(self):
        p = Project(self, chained_services())
        t0 = time.monotonic()
        p.pier("up", "-d", timeout=120)
        span = time.monotonic() - t0
        p.pier("down", timeout=60)
        # From "the first container is created" to the end of the starts.
        for fraction in (0.0, 0.1, 0.25, 0.5, 0.75):
            wait_for(lambda: not supervisors_of(p), timeout=15, what="the previous supervisor to exit")
            up = StderrReader(p, "up", "-d")
            wait_for(lambda: p.records() or up.proc.poll() is not None, timeout=30,
                     what="the up to create its containers")
            time.sleep(span * fraction)
            down = p.pier("down", check=False, timeout=60)
            self.assertEqual(down.returncode, 0, f"at {fraction:.2f}: {down.stderr}\n{p.supervisor_log()}")
            code, err = up.finish()
            self.assert_up_ended_clearly(p, code, err, f"at {fraction:.2f}: up exited {code}: {err}")
            self.assert_project_gone(p, f"after down at {fraction:.2f} of up")

    def test_two_ups_at_once_both_succeed(self):
        # Stopped containers, as after `stop`: both ups start the same ones, and each must
        # wait for a start the other began instead of taking it for done. `side` joins
        # s01's network, which fails when s01 is not running yet.
        p = Project(self, chained_services() + """
  side:
    image: busybox
    command: ["sleep", "1000"]
    stop_grace_period: 1s
    network_mode: "service:s01"
""")
        names = {f"{p.name}-s{i:02d}-1" for i in range(1, COUNT + 1)} | {p.name + "-side-1"}
        p.pier("up", "-d", timeout=120)
        for round in range(3):
            p.pier("stop", timeout=60)
            first, second = StderrReader(p, "up", "-d"), StderrReader(p, "up", "-d")
            for cli in (first, second):
                code, err = cli.finish(timeout=120)
                self.assertEqual(code, 0, f"round {round}: {err}\n{p.supervisor_log()}")
            running = {n for n, r in p.records().items() if r["state"] == "running"}
            self.assertEqual(running, names, f"round {round}")
        p.pier("down", timeout=60)
        self.assert_project_gone(p, "after the last round")

    def test_ups_from_two_terminals_and_a_down_from_a_third_end_as_the_last_says(self):
        p = Project(self, chained_services())
        names = {f"{p.name}-s{i:02d}-1" for i in range(1, COUNT + 1)}
        for round in range(2):
            first = StderrReader(p, "up", "-d")
            wait_for(lambda: p.records() or first.proc.poll() is not None, timeout=30,
                     what="the first up to create its containers")
            down = StderrReader(p, "down")
            # The down is under way (it reports its first container) before the last up.
            wait_for(lambda: down.lines or down.proc.poll() is not None, timeout=30, what="the down to begin")
            last = StderrReader(p, "up", "-d")
            code, err = first.finish(timeout=120)
            self.assert_up_ended_clearly(p, code, err, f"round {round}: the first up exited {code}: {err}")
            code, err = down.finish(timeout=120)
            self.assertEqual(code, 0, f"round {round}: down: {err}\n{p.supervisor_log()}")
            code, err = last.finish(timeout=120)
            self.assertEqual(code, 0, f"round {round}: the last up: {err}\n{p.supervisor_log()}")
            # The last command was an up: the whole project runs.
            running = {n for n, r in p.records().items() if r["state"] == "running"}
            self.assertEqual(running, names, f"round {round}\n{p.supervisor_log()}")
            for name, record in p.records().items():
                self.assertTrue(pid_alive(record["pid"]), f"round {round}: {name} runs pid {record['pid']}")
            p.pier("down", timeout=60)
            self.assert_project_gone(p, f"round {round}")

    def test_a_down_after_an_up_that_waits_for_a_down_cancels_that_up(self):
        # up, down, up (waiting for the first down), down: the last word is down.
        p = Project(self, chained_services())
        first = StderrReader(p, "up", "-d")
        wait_for(lambda: p.records() or first.proc.poll() is not None, timeout=30,
                 what="the first up to create its containers")
        down = StderrReader(p, "down")
        wait_for(lambda: down.lines or down.proc.poll() is not None, timeout=30, what="the down to begin")
        waiting = StderrReader(p, "up", "-d")
        wait_for(lambda: any("Waiting for down" in l for l in waiting.lines) or down.proc.poll() is not None,
                 timeout=30, what="the second up to wait for the down")
        last = p.pier("down", check=False, timeout=120)
        self.assertEqual(last.returncode, 0, f"{last.stderr}\n{p.supervisor_log()}")
        for cli in (first, waiting):
            code, err = cli.finish(timeout=120)
            self.assert_up_ended_clearly(p, code, err, f"up exited {code}: {err}")
        code, err = down.finish(timeout=120)
        self.assertEqual(code, 0, f"the first down: {err}")
        self.assert_project_gone(p, "after the last down")

    def test_down_while_up_recreates_cancels_it_and_leaves_nothing(self):
        # The up is removing every container to recreate it (its command changed) when the
        # down comes: nothing is created again on the network the down deletes.
        p = Project(self, chained_services())
        for round in range(3):
            p.pier("up", "-d", timeout=120)
            p.write("compose.yaml", chained_services().replace('["sleep", "1000"]', f'["sleep", "{1001 + round}"]'))
            up = StderrReader(p, "up", "-d")
            wait_for(lambda: any("Recreate" in l for l in up.lines) or up.proc.poll() is not None, timeout=30,
                     what="the up to recreate")
            down = p.pier("down", check=False, timeout=120)
            self.assertEqual(down.returncode, 0, f"round {round}: {down.stderr}\n{p.supervisor_log()}")
            code, err = up.finish(timeout=120)
            self.assert_up_ended_clearly(p, code, err, f"round {round}: up exited {code}: {err}")
            self.assert_project_gone(p, f"round {round}")
            p.write("compose.yaml", chained_services())
            wait_for(lambda: not supervisors_of(p), timeout=15, what="the supervisor to exit")


class Recovery(unittest.TestCase):
    def test_an_oom_kill_while_no_supervisor_runs_is_recorded_at_adoption(self):
        # This process becomes the parent of what the killed supervisor leaves, so the
        # test reaps the dead container itself, as init would on a normal host: nothing
        # is left for the next supervisor but the record and the cgroup.
        libc = ctypes.CDLL(None, use_errno=True)
        self.assertEqual(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0)
        self.addCleanup(libc.prctl, PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        p = Project(self, """
            services:
              hog:
                image: busybox
                command: ["sh", "-c", "while [ ! -e /trigger/go ]; do sleep 0.1; done; exec tail /dev/zero"]
                mem_limit: 8m
                memswap_limit: 8m
                volumes: ["./trigger:/trigger"]
              keeper:
                image: busybox
                command: ["sleep", "1000"]
        """, files={"trigger/.keep": ""})
        p.pier("up", "-d")
        hog, keeper = p.name + "-hog-1", p.name + "-keeper-1"
        p.wait_state(hog, "running")
        hog_pid, keeper_pid = p.record(hog)["pid"], p.record(keeper)["pid"]
        sup = wait_for(lambda: (supervisors_of(p) or [0])[0], what="the supervisor")
        os.kill(sup, signal.SIGKILL)
        p.seen_pids.add(sup)
        reaped = os.waitpid(sup, 0)
        self.assertEqual(reaped[0], sup, "the supervisor was this process's child")

        with open(os.path.join(p.dir, "trigger", "go"), "w"):
            pass
        _, status = os.waitpid(hog_pid, 0)
        self.assertEqual(os.WTERMSIG(status) if os.WIFSIGNALED(status) else None, signal.SIGKILL)
        self.assertFalse(pid_alive(hog_pid))
        self.assertEqual(p.record(hog)["state"], "running", "no supervisor saw it die")

        # `ps` starts a supervisor, which adopts the project.
        rows = {r["Name"]: r for r in map(json.loads, p.pier("ps", "-a", "--format", "json").stdout.splitlines())}
        self.assertEqual(rows[hog]["State"], "exited", rows[hog])
        self.assertTrue(rows[hog].get("OOMKilled"), f"{rows[hog]}\n{p.supervisor_log()}")
        self.assertTrue(p.record(hog).get("oom_killed"), p.record(hog))
        self.assertIs(rows[keeper].get("OOMKilled"), False, rows[keeper])
        self.assertEqual(rows[keeper]["State"], "running")
        self.assertEqual(p.record(keeper)["pid"], keeper_pid, "the keeper was adopted, not restarted")


if __name__ == "__main__":
    unittest.main()
