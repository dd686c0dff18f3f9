"""The global flags Docker Compose users type (`--ansi`, `--progress`, `--parallel`,
`--compatibility`) and their COMPOSE_* variables, through the real binary: progress in
each form Compose prints it, errors naming the flag."""
import json
import os
import pty
import select
import subprocess
import unittest

from harness import Project

TWO = """
    services:
      web:
        image: busybox
        command: ["sleep", "1000"]
        init: true
      db:
        image: busybox
        command: ["sleep", "1000"]
        init: true
"""


def run_on_pty(argv, timeout=60):
    """Runs argv with stderr and stdout on a new pty; returns (exit code, bytes written)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            proc.kill()
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer has closed the pty
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return proc.wait(timeout=timeout), out


class GlobalFlags(unittest.TestCase):
    def test_progress_plain_json_quiet_and_status_on_stdout(self):
        p = Project(self, TWO)
        up = p.pier("--progress", "plain", "up", "-d")
        for name in ("web", "db"):
            self.assertIn(f" Container {p.name}-{name}-1 Started \n", up.stderr)
        stop = p.pier("--progress", "json", "stop", "web")
        lines = [json.loads(l) for l in stop.stderr.splitlines()]
        self.assertIn({"id": f"Container {p.name}-web-1", "text": "Stopped"}, lines)
        quiet = p.pier("start", "web", env={"COMPOSE_PROGRESS": "quiet"})
        self.assertEqual(quiet.stderr, "")
        to_stdout = p.pier("--progress", "plain", "restart", "db", env={"COMPOSE_STATUS_STDOUT": "1"})
        self.assertIn(f" Container {p.name}-db-1 Started \n", to_stdout.stdout)
        self.assertNotIn("Started", to_stdout.stderr)
        down = p.pier("down", env={"COMPOSE_PROGRESS": "plain"})
        self.assertIn(f" Network {p.name}_default Removed \n", down.stderr)

    def test_the_tty_view_on_a_terminal_and_plain_lines_elsewhere(self):
        p = Project(self, TWO)
        code, out = run_on_pty(p.argv("up", "-d"))
        self.assertEqual(code, 0, out)
        text = out.decode()
        self.assertIn("[+] Running 2/2", text)
        self.assertIn(f"✔ Container {p.name}-web-1 Started", text)
        self.assertIn("\x1b[", text)  # redrawn in place
        # --ansi never on a terminal: plain lines, no escape codes at all.
        code, out = run_on_pty(p.argv("--ansi", "never", "stop"))
        self.assertEqual(code, 0, out)
        self.assertIn(f" Container {p.name}-web-1 Stopped ", out.decode())
        self.assertNotIn(b"\x1b", out)
        # Not a terminal: plain lines by default.
        down = p.pier("down")
        self.assertIn(f" Container {p.name}-web-1 Removed \n", down.stderr)
        self.assertNotIn("\x1b", down.stderr)

    def test_wrong_values_name_the_flag_or_variable_and_change_nothing(self):
        p = Project(self, TWO)
        cases = [
            (("--ansi", "sometimes", "up", "-d"), {}, "invalid --ansi value `sometimes`"),
            (("--progress", "fancy", "up", "-d"), {}, "invalid --progress value `fancy`"),
            (("--parallel", "0", "up", "-d"), {}, "--parallel 0"),
            (("up", "-d"), {"COMPOSE_PARALLEL_LIMIT": "many"}, "COMPOSE_PARALLEL_LIMIT=many"),
            (("up", "-d"), {"COMPOSE_ANSI": "rainbow"}, "COMPOSE_ANSI=rainbow"),
            (("--compatibility", "up", "-d"), {}, "--compatibility (COMPOSE_COMPATIBILITY) is not supported"),
            (("--dry-run", "exec", "web", "true"), {}, "`pier exec` has no dry run"),
        ]
        for args, env, expected in cases:
            with self.subTest(args=args, env=env):
                r = p.pier(*args, check=False, env=env)
                self.assertEqual(r.returncode, 1)
                self.assertIn(expected, r.stderr)
        self.assertEqual(p.records(), {})

    def test_accepted_flags_work_together(self):
        p = Project(self, TWO)
        r = p.pier("--ansi", "never", "--progress", "plain", "--parallel", "1", "--no-ansi", "up", "-d")
        self.assertIn(f" Container {p.name}-db-1 Started \n", r.stderr)
        ps = p.pier("--ansi", "always", "ps", "--format", "json")
        self.assertEqual(len([l for l in ps.stdout.splitlines() if l.strip()]), 2)
        p.pier("--parallel", "-1", "down")

    def test_all_resources_keeps_what_no_service_uses(self):
        p = Project(self, """
            services:
              web:
                image: busybox
            networks:
              spare: {}
            volumes:
              unused: {}
        """)
        default = p.pier("config").stdout
        self.assertNotIn("spare", default)
        self.assertNotIn("unused", default)
        every = p.pier("--all-resources", "config").stdout
        self.assertIn("spare:", every)
        self.assertIn("unused:", every)

    def test_help_command_and_an_unknown_command_with_a_suggestion(self):
        p = Project(self, TWO)
        helped = p.pier("help", "up")
        self.assertIn("Usage: pier up", helped.stdout)
        self.assertIn("--detach", helped.stdout)
        self.assertIn("Usage: pier [OPTIONS]", p.pier("help").stdout)
        typo = p.pier("upp", "-d", check=False)
        self.assertEqual(typo.returncode, 1)
        self.assertIn("unknown command `upp` for `pier` (did you mean `up`?)", typo.stderr)
        nothing_like = p.pier("frobnicate", check=False)
        self.assertEqual(nothing_like.returncode, 1)
        self.assertIn("unknown command `frobnicate` for `pier`", nothing_like.stderr)
        self.assertNotIn("did you mean", nothing_like.stderr)
        self.assertEqual(p.records(), {})

    def test_compose_orphan_variables(self):
        p = Project(self, TWO)
        p.pier("up", "-d")
        p.write("compose.yaml", """
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                init: true
        """)
        warned = p.pier("up", "-d")
        self.assertIn(f"Found orphan container ({p.name}-db-1)", warned.stderr)
        quiet = p.pier("up", "-d", env={"COMPOSE_IGNORE_ORPHANS": "true"})
        self.assertNotIn("orphan", quiet.stderr)
        self.assertIn(p.name + "-db-1", p.records())
        p.pier("up", "-d", env={"COMPOSE_REMOVE_ORPHANS": "1"})
        self.assertNotIn(p.name + "-db-1", p.records())
        p.pier("down")


if __name__ == "__main__":
    unittest.main()
