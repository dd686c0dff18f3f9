"""`pier stats` through the real binary: Docker's columns and JSON keys, figures read from
the host's cgroups (v1 here, v2 on most hosts: one interface), a busy container's CPU, a
memory limit, stopped containers with -a, and the plain stream when stdout is a pipe."""

import json
import os
import re
import signal
import subprocess
import time
import unittest

from harness import Project

COMPOSE = """\
    services:
      busy:
        image: busybox
        command: ["sh", "-c", "while :; do :; done"]
        mem_limit: 64m
      idle:
        image: busybox
        command: ["sleep", "3600"]
      hostnet:
        image: busybox
        command: ["sleep", "3600"]
        network_mode: host
"""

HEADER = ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"]
SIZE = r"[0-9.e+]+(B|KiB|MiB|GiB|TiB)"
DECIMAL = r"[0-9.e+]+(B|kB|MB|GB|TB)"


class Stats(unittest.TestCase):
    def up(self):
        p = Project(self, COMPOSE, name="cpstats" + os.urandom(3).hex())
        p.pier("up", "-d")
        p.wait_state(f"{p.name}-busy-1", "running")
        p.wait_state(f"{p.name}-idle-1", "running")
        p.wait_state(f"{p.name}-hostnet-1", "running")
        return p

    def test_stats_no_stream_prints_dockers_columns_with_cgroup_figures(self):
        p = self.up()
        out = p.pier("stats", "--no-stream").stdout.splitlines()
        self.assertEqual(re.split(r"\s{2,}", out[0].strip()), HEADER)
        rows = {re.split(r"\s{2,}", line.strip())[1]: re.split(r"\s{2,}", line.strip()) for line in out[1:]}
        self.assertEqual(set(rows), {f"{p.name}-busy-1", f"{p.name}-idle-1", f"{p.name}-hostnet-1"})
        # The host's network namespace is not the container's own traffic.
        self.assertEqual(rows[f"{p.name}-hostnet-1"][5], "0B / 0B")
        busy = rows[f"{p.name}-busy-1"]
        self.assertRegex(busy[0], r"^[0-9a-f]{12}$")
        self.assertGreater(float(busy[2].rstrip("%")), 5.0, busy)
        self.assertRegex(busy[3], rf"^{SIZE} / 64MiB$")
        self.assertRegex(busy[5], rf"^{DECIMAL} / {DECIMAL}$")
        self.assertRegex(busy[6], rf"^{DECIMAL} / {DECIMAL}$")
        self.assertGreaterEqual(int(busy[7]), 1)
        idle = rows[f"{p.name}-idle-1"]
        self.assertLess(float(idle[2].rstrip("%")), 5.0, idle)
        # No limit: the host's memory.
        with open("/proc/meminfo") as f:
            total = int(f.readline().split()[1]) * 1024
        limit = idle[3].split(" / ")[1]
        self.assertNotEqual(limit, "0B")
        self.assertEqual(limit[-3:], "GiB" if total >= 1 << 30 else limit[-3:])

    def test_stats_json_no_trunc_services_and_all(self):
        p = self.up()
        lines = p.pier("stats", "--no-stream", "--no-trunc", "--format", "json", "idle").stdout.splitlines()
        self.assertEqual(len(lines), 1)
        row = json.loads(lines[0])
        self.assertEqual(sorted(row), ["BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name",
                                       "NetIO", "PIDs"])
        self.assertRegex(row["ID"], r"^[0-9a-f]{64}$")
        self.assertEqual(row["Name"], f"{p.name}-idle-1")
        p.pier("stop", "-t", "1", "idle")
        running = p.pier("stats", "--no-stream", "--format", "json").stdout
        self.assertNotIn(f"{p.name}-idle-1", running)
        everything = [json.loads(l) for l in p.pier("stats", "--no-stream", "-a", "--format", "json").stdout.splitlines()]
        stopped = [r for r in everything if r["Name"] == f"{p.name}-idle-1"][0]
        self.assertEqual((stopped["CPUPerc"], stopped["MemUsage"], stopped["PIDs"]), ("0.00%", "0B / 0B", "0"))
        unknown = p.pier("stats", "--no-stream", "nope", check=False)
        self.assertIn("no such service: nope", unknown.stderr)

    def test_stats_format_takes_go_templates_over_dockers_fields(self):
        p = Project(self, """
            services:
              idle:
                image: busybox
                command: ["sleep", "3600"]
        """, name="clix" + os.urandom(3).hex())
        p.pier("up", "-d")
        p.wait_state(f"{p.name}-idle-1", "running")
        name = f"{p.name}-idle-1"
        line = p.pier("stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}} {{.PIDs}}").stdout
        self.assertRegex(line, rf"^{name} [0-9.]+% 1\n$")
        table = p.pier("stats", "--no-stream", "--format", "table {{.Name}}\\t{{.MemPerc}}\\t{{.Container}}").stdout
        header, row = table.splitlines()
        self.assertEqual(re.split(r"\s{2,}", header.strip()), ["NAME", "MEM %", "CONTAINER"])
        cells = re.split(r"\s{2,}", row.strip())
        self.assertEqual(cells[0], name)
        self.assertRegex(cells[1], r"^[0-9.]+%$")
        self.assertRegex(cells[2], r"^[0-9a-f]{64}$")
        # Columns line up as Docker's tabwriter sets them: the second starts where the
        # header's does.
        self.assertEqual(header.index("MEM %"), row.index(cells[1]))
        as_json = json.loads(p.pier("stats", "--no-stream", "--format", "{{json .}}").stdout)
        self.assertEqual(as_json["Name"], name)
        self.assertEqual(p.pier("stats", "--no-stream", "--format", "{{.Name | upper}}").stdout, name.upper() + "\n")
        # A broken template fails before the first round, an unknown field names itself.
        broken = p.pier("stats", "--no-stream", "--format", "{{.Name", check=False)
        self.assertEqual(broken.returncode, 1)
        self.assertIn("--format '{{.Name'", broken.stderr)
        unknown = p.pier("stats", "--no-stream", "--format", "{{.Nope}}", check=False)
        self.assertEqual(unknown.returncode, 1)
        self.assertIn("Nope", unknown.stderr)

    def test_stats_streams_plain_tables_to_a_pipe_until_interrupted(self):
        p = self.up()
        proc = p.popen("stats", "idle")
        time.sleep(3.5)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
        self.assertNotIn("\033[", out)
        self.assertGreaterEqual(out.count("CONTAINER ID"), 2, out)


if __name__ == "__main__":
    unittest.main()
