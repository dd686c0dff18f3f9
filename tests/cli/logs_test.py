#!/usr/bin/env python3
"""`pier logs` through the real binary, on hand-written records and json-file logs.

Usage: logs_test.py PIER_BINARY

Each test lays out a fresh --root: <root>/run/<project>/containers/<name>.json records
and <root>/containers/<project>/<name>/<name>-json.log logs written here in Docker's
json-file format (independently of pier's writer).
"""
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

PIER = None

COMPOSE = """\
name: demo
services:
  web:
    image: busybox
  db:
    image: busybox
  worker:
    image: busybox
    container_name: custom-worker
"""


def stamp(second, nanos=0):
    return "2026-11-23T10:00:%02d.%09dZ" % (second, nanos)


def entry(text, second, stream="stdout", nanos=0):
    t = "2026-11-23T10:00:%02dZ" % second if nanos == 0 else stamp(second, nanos)
    return json.dumps({"log": text, "stream": stream, "time": t}, separators=(",", ":")) + "\n"


class LogsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pier-logs-cli-")
        self.root = os.path.join(self.tmp, "root")
        self.compose = os.path.join(self.tmp, "compose.yaml")
        with open(self.compose, "w") as f:
            f.write(COMPOSE)
        self.records = os.path.join(self.root, "run", "demo", "containers")
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- fixture ---------------------------------------------------------------

    def record(self, name, service, number=1, oneoff=False):
        os.makedirs(self.records, exist_ok=True)
        tmp = os.path.join(self.records, name + ".json.tmp")
        with open(tmp, "w") as f:
            json.dump({"name": name, "project": "demo", "service": service, "number": number,
                       "oneoff": oneoff, "state": "running"}, f)
        os.rename(tmp, os.path.join(self.records, name + ".json"))  # atomic, as pier writes

    def log_path(self, name, rotated=0):
        path = os.path.join(self.root, "containers", "demo", name, name + "-json.log")
        return path + (".%d" % rotated if rotated else "")

    def write_log(self, name, *lines, rotated=0):
        path = self.log_path(name, rotated)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a") as f:
            f.write("".join(lines))

    def standard_project(self):
        self.record("demo-web-1", "web", 1)
        self.record("demo-web-2", "web", 2)
        self.record("demo-db-1", "db", 1)
        self.record("custom-worker", "worker", 1)
        self.record("demo-web-run-0a1b", "web", 1, oneoff=True)
        self.write_log("demo-web-1", entry("web zero\n", 0), rotated=1)
        self.write_log("demo-web-1", entry("web one\n", 1), entry("web oops\n", 3, "stderr"))
        self.write_log("demo-db-1", entry("db one\n", 2), entry("db two\n", 6))
        self.write_log("demo-web-2", entry("web-2 one\n", 4))
        self.write_log("custom-worker", entry("working\n", 5))
        self.write_log("demo-web-run-0a1b", entry("one-off\n", 1))

    # --- running pier ------------------------------------------------------------

    def pier(self, *args, env=None):
        cmd = [PIER, "--root", self.root, "-f", self.compose, "logs", *args]
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        full_env.update(env or {})
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=full_env)

    def ok(self, *args, env=None):
        p = self.pier(*args, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def spawn(self, *args):
        p = subprocess.Popen([PIER, "--root", self.root, "-f", self.compose, "logs", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        self.procs.append(p)
        return p

    def read_until(self, proc, want, timeout=10):
        """Reads proc's stdout until it holds `want`; returns everything read."""
        got = b""
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while want.encode() not in got:
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, "timed out waiting for %r; got %r" % (want, got))
            if sel.select(left):
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    self.fail("pier exited early: %r %r" % (got, proc.stderr.read()))
                got += chunk
        sel.close()
        return got.decode()

    # --- tests -------------------------------------------------------------------

    def test_all_containers_merged_by_time_and_prefixed(self):
        self.standard_project()
        p = self.ok()
        # Prefixes padded to the longest name plus one; one-off containers left out;
        # the rotated file read first; stderr entries on stderr.
        self.assertEqual(p.stdout,
                         "web-1          | web zero\n"
                         "web-1          | web one\n"
                         "db-1           | db one\n"
                         "web-2          | web-2 one\n"
                         "custom-worker  | working\n"
                         "db-1           | db two\n")
        self.assertEqual(p.stderr, "web-1          | web oops\n")

    def test_tail_is_per_container(self):
        self.standard_project()
        p = self.ok("--tail", "1")
        self.assertEqual(p.stdout,
                         "web-2          | web-2 one\n"
                         "custom-worker  | working\n"
                         "db-1           | db two\n")
        self.assertEqual(p.stderr, "web-1          | web oops\n")
        self.assertEqual(self.ok("-n", "0").stdout, "")
        self.assertEqual(self.ok("--tail", "all").stdout, self.ok().stdout)

    def test_no_log_prefix_and_timestamps(self):
        self.standard_project()
        self.assertEqual(self.ok("--no-log-prefix", "db").stdout, "db one\ndb two\n")
        self.assertEqual(self.ok("-t", "db").stdout,
                         "db-1  | %s db one\n"
                         "db-1  | %s db two\n" % (stamp(2), stamp(6)))

    def test_service_filter_and_index(self):
        self.standard_project()
        p = self.ok("web")
        self.assertEqual(p.stdout,
                         "web-1  | web zero\n"
                         "web-1  | web one\n"
                         "web-2  | web-2 one\n")
        self.assertEqual(self.ok("--index", "2", "web").stdout, "web-2  | web-2 one\n")
        self.assertEqual(self.ok("worker").stdout, "custom-worker  | working\n")
        bad = self.pier("--index", "3", "web")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("service web has no container with index 3", bad.stderr)
        bad = self.pier("--index", "1")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("--index needs exactly one service", bad.stderr)

    def test_since_and_until(self):
        self.standard_project()
        self.assertEqual(self.ok("--since", "2026-11-23T10:00:04Z").stdout,
                         "web-2          | web-2 one\n"
                         "custom-worker  | working\n"
                         "db-1           | db two\n")
        self.assertEqual(self.ok("--until", "2026-11-23T10:00:01Z", "web").stdout,
                         "web-1  | web zero\n"
                         "web-1  | web one\n")
        # Unix seconds of 10:00:05Z.
        self.assertEqual(self.ok("--since", "1795428005", "--no-log-prefix").stdout, "working\ndb two\n")
        bad = self.pier("--since", "yesterday")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("--since: invalid time `yesterday`", bad.stderr)

    def test_colour_only_when_asked_for_a_terminal(self):
        self.standard_project()
        # Not a terminal: no escape codes, with or without --no-color.
        self.assertNotIn("\033[", self.ok().stdout)
        self.assertNotIn("\033[", self.ok("--no-color").stdout)

    def test_unknown_service(self):
        self.standard_project()
        p = self.pier("nope")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no such service: nope", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_project_without_records_prints_nothing(self):
        p = self.ok()
        self.assertEqual((p.stdout, p.stderr), ("", ""))
        p = self.ok("-f")  # nothing to follow either: returns at once
        self.assertEqual((p.stdout, p.stderr), ("", ""))

    def test_bad_tail(self):
        p = self.pier("--tail", "ten")
        self.assertEqual(p.returncode, 1)
        self.assertIn("invalid --tail value `ten`", p.stderr)

    def test_follow_prints_new_lines_and_containers_until_down(self):
        self.standard_project()
        p = self.spawn("-f", "--tail", "1")
        self.read_until(p, "db-1           | db two\n")
        self.write_log("demo-web-1", entry("web later\n", 7))
        self.read_until(p, "web-1          | web later\n")
        # A replica that appears while following: its backlog, then its new lines.
        self.write_log("demo-web-3", entry("web-3 early\n", 8))
        self.record("demo-web-3", "web", 3)
        self.read_until(p, "web-3          | web-3 early\n")
        self.write_log("demo-web-3", entry("web-3 later\n", 9))
        self.read_until(p, "web-3          | web-3 later\n")
        # `down`: the records go, then their directory; pier logs -f ends with 0.
        shutil.rmtree(os.path.join(self.root, "run", "demo"))
        self.assertEqual(p.wait(timeout=10), 0)

    def test_follow_exits_130_on_interrupt(self):
        self.standard_project()
        p = self.spawn("-f", "db")
        self.read_until(p, "db-1  | db two\n")
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(timeout=10), 130)  # as Docker Compose
        self.assertEqual(p.stdout.read(), b"")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: logs_test.py PIER_BINARY")
    PIER = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
