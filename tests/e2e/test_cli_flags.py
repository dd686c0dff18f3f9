"""exec and run read their flags as Docker Compose does: every Compose flag, combined
short flags (`-it`, `-dT`), `-e=K=V`, an unknown flag before SERVICE refused, and every
word after SERVICE the command's, even one that looks like a flag."""
import re
import subprocess
import unittest

from harness import PIER, Project
from test_more_commands import LocalRegistry


def cap_bits(status_text, field="CapEff"):
    return int(re.search(field + r":\s*([0-9a-f]+)", status_text).group(1), 16)


CAP_CHOWN, CAP_NET_ADMIN = 0, 12


def nslookup_ips(p, service, name):
    out = p.pier("exec", "-T", service, "nslookup", name, check=False).stdout
    # busybox prints the server's address first, then the name's.
    return set(re.findall(r"Address:\s*(\d+\.\d+\.\d+\.\d+)", out.split("Name:", 1)[-1]))


class CliFlags(unittest.TestCase):
    def test_exec_reads_compose_flags_and_stops_at_service(self):
        p = Project(self, """
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        p.wait_state(p.name + "-a-1", "running")
        # `-it` from docker habits: both flags, not `-t` as the first word of the command.
        self.assertEqual(p.pier("exec", "-it", "a", "echo", "x").stdout, "x\n")
        self.assertEqual(p.pier("exec", "-t", "a", "echo", "y").stdout, "y\n")
        self.assertIn("bin", p.pier("exec", "--no-tty", "a", "ls", "/").stdout)
        # Words after SERVICE are the command's even when exec has a flag of that name.
        self.assertEqual(p.pier("exec", "-T", "a", "printf", "%s,", "-e", "-u", "root", "-T").stdout,
                         "-e,-u,root,-T,")
        self.assertEqual(p.pier("exec", "-T", "--", "a", "printf", "%s,", "--", "-d").stdout, "--,-d,")
        # Short flags with `=`: the `=` goes, the value stays.
        self.assertEqual(p.pier("exec", "-T", "-e=K=V", "-u=nobody", "a", "sh", "-c", "echo $K $(id -un)").stdout,
                         "V nobody\n")
        # -dT: detached, nothing relayed; the command ran.
        self.assertEqual(p.pier("exec", "-dT", "a", "sh", "-c", "echo d > /tmp/d").stdout, "")
        self.assertEqual(p.pier("exec", "-T", "a", "cat", "/tmp/d").stdout, "d\n")
        # Global flags may follow the command, as in Compose.
        self.assertEqual(p.pier("exec", "--log-level", "warn", "-T", "a", "echo", "z").stdout, "z\n")
        # An unknown flag before SERVICE is refused, naming it; nothing runs.
        for args, flag in ((["--bogus", "a", "touch", "/tmp/ran"], "--bogus"),
                           (["-xT", "a", "touch", "/tmp/ran"], "-x"),
                           (["--bogus=1", "a", "touch", "/tmp/ran"], "--bogus")):
            out = p.pier("exec", *args, check=False)
            self.assertEqual(out.returncode, 1, out.stderr)
            self.assertIn(f"exec: unknown flag {flag}", out.stderr)
            self.assertIn("before SERVICE", out.stderr)
        self.assertNotEqual(p.pier("exec", "-T", "a", "test", "-e", "/tmp/ran", check=False).returncode, 0)

    def test_global_and_command_short_flags_with_equals(self):
        p = Project(self, """
            services:
              a:
                image: busybox
                command: ["sh", "-c", "for i in 1 2 3 4 5 6; do echo line$$i; done; sleep 1000"]
        """)
        p.pier("up", "-d")
        p.wait_state(p.name + "-a-1", "running")
        argv = [PIER, "--root", p.root, f"-p={p.name}", f"-f={p.dir}/compose.yaml"]
        ps = subprocess.run(argv + ["ps", "--format", "json"], capture_output=True, text=True, cwd=p.dir)
        self.assertEqual(ps.returncode, 0, ps.stderr)
        self.assertIn(f'"{p.name}-a-1"', ps.stdout)
        logs = p.pier("logs", "--no-log-prefix", "-n=2", "a")
        self.assertEqual(logs.stdout.split(), ["line5", "line6"])

    def test_run_reads_every_compose_flag(self):
        p = Project(self, """
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
                cap_add: [CHOWN]
              b:
                image: busybox
                command: ["sleep", "1000"]
              c:
                image: example.invalid/nothere:1
        """, files={"extra.env": "FROM_FILE=file\nBOTH=file\n"})
        p.pier("up", "-d", "b")
        p.wait_state(p.name + "-b-1", "running")
        status = "cat /proc/self/status"
        plain = p.pier("run", "--rm", "-T", "--no-deps", "a", "sh", "-c", status).stdout
        self.assertFalse(cap_bits(plain) & (1 << CAP_NET_ADMIN))
        self.assertTrue(cap_bits(plain) & (1 << CAP_CHOWN))
        # Before: `--cap-add NET_ADMIN a` took NET_ADMIN for SERVICE.
        changed = p.pier("run", "--rm", "-T", "--no-deps", "--cap-add", "NET_ADMIN", "--cap-drop=CHOWN", "a",
                         "sh", "-c", status).stdout
        self.assertTrue(cap_bits(changed) & (1 << CAP_NET_ADMIN))
        self.assertFalse(cap_bits(changed) & (1 << CAP_CHOWN))
        # -e (also `-e=K=V`) wins over --env-from-file; --pull, --quiet-pull, -i, -T accepted.
        out = p.pier("run", "--rm", "-iT", "--no-deps", "--pull", "never", "--quiet-pull", "-e=BOTH=flag",
                     "--env-from-file", "extra.env", "a", "sh", "-c", "echo $FROM_FILE $BOTH")
        self.assertEqual(out.stdout, "file flag\n")
        self.assertEqual(p.pier("run", "--rm", "-T", "--pull=never", "--no-deps", "a", "true").returncode, 0)
        never = p.pier("run", "--rm", "-T", "--pull", "never", "--no-deps", "c", "true", check=False)
        self.assertNotEqual(never.returncode, 0)
        self.assertIn("example.invalid/nothere", never.stderr)
        # Words after SERVICE belong to the command, flags of run included.
        self.assertEqual(p.pier("run", "--rm", "-T", "--no-deps", "a", "printf", "%s,", "-e", "--rm", "-T").stdout,
                         "-e,--rm,-T,")
        # -dT, -l: a detached one-off with the label; it answers to its own name only...
        self.assertEqual(p.pier("run", "-dT", "--no-deps", "--name", "lone", "-l", "team=blue", "a", "sleep",
                                "1000").stdout.strip(), "lone")
        self.assertEqual(p.record("lone")["labels"]["team"], "blue")
        lone_ip = nslookup_ips(p, "b", "lone")
        self.assertEqual(len(lone_ip), 1, "the one-off resolves by its own name")
        self.assertFalse(lone_ip & nslookup_ips(p, "b", "a"), "a one-off takes no share of the service's name")
        # ...unless --use-aliases.
        p.pier("run", "-d", "--no-deps", "--use-aliases", "--name", "aliased", "a", "sleep", "1000")
        self.assertTrue(nslookup_ips(p, "b", "aliased") <= nslookup_ips(p, "b", "a"))
        # --remove-orphans is accepted (with no orphans it removes nothing).
        out = p.pier("run", "--rm", "-T", "--no-deps", "--remove-orphans", "a", "true")
        self.assertNotIn("orphan", out.stderr)
        # Refused: an unknown flag before SERVICE, -t with -T, -P with -p, a label without `=`.
        for args, message in ((["--bogus", "a", "true"], "run: unknown flag --bogus"),
                              (["-t", "-T", "a", "true"], "--tty and --no-TTY can't be used together"),
                              (["-P", "-p", "80", "a", "true"], "--service-ports and --publish are incompatible"),
                              (["-T", "--no-deps", "-l", "team", "a", "true"], "label must be set as KEY=VALUE")):
            out = p.pier("run", "--rm", *args, check=False)
            self.assertNotEqual(out.returncode, 0, args)
            self.assertIn(message, out.stderr)

    def test_a_plain_http_registry_on_loopback_needs_no_configuration(self):
        # Docker treats 127.0.0.0/8, ::1 and localhost as insecure: no registries.json here.
        registry = LocalRegistry(self)
        by_ip = registry.push_busybox("team/a:1")
        by_name = "localhost:" + by_ip.split(":", 1)[1]
        p = Project(self, f"""
            services:
              a:
                image: {by_ip}
              b:
                image: {by_name}
        """)
        p.pier("pull", "a")
        out = p.pier("run", "--rm", "-T", "--pull", "always", "b", "echo", "pulled")
        self.assertEqual(out.stdout, "pulled\n")
        listed = p.pier("image", "ls").stdout
        self.assertIn(by_ip.rsplit(":", 1)[0], listed)
        self.assertIn(by_name.rsplit(":", 1)[0], listed)


if __name__ == "__main__":
    unittest.main()
