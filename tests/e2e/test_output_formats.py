"""What scripts read from pier as they read it from Docker Compose: `--format` Go
templates and `table TEMPLATE` on ps, ls, images and version; ps's Ports, Publishers
(exposed ports too) and truncated Command; config's flags; pier as the `docker
compose` CLI plugin. Values from the project (labels) stay data in templates."""
import json
import os
import re
import subprocess
import unittest

from harness import PIER, EventReader, Project, free_port, wait_for
from test_more_commands import LocalRegistry


def fidelity_name():
    return "fidelity" + os.urandom(3).hex()


class OutputFormats(unittest.TestCase):
    def test_ps_templates_ports_publishers_and_command(self):
        port = free_port()
        p = Project(self, f"""
            services:
              web:
                image: busybox
                command: ["sh", "-c", "sleep 1000; echo this is long"]
                ports: ["127.0.0.1:{port}:80"]
                expose: ["443", "9000-9001/udp"]
                labels:
                  evil: "\\e]0;owned\\a\\e[2J"
                  looks: "{{{{.Name}}}}"
        """, name=fidelity_name())
        p.pier("up", "-d")
        name = p.name + "-web-1"
        p.wait_state(name, "running")

        self.assertEqual(p.pier("ps", "--format", "{{.Name}}").stdout, name + "\n")
        self.assertEqual(p.pier("ps", "--format", "{{.Service}} {{.State}}").stdout, "web running\n")
        # `table`: Compose's headers, columns aligned by docker/cli's tabwriter (min 10).
        table = p.pier("ps", "--format", r"table {{.Name}}\t{{.Service}}\t{{.State}}").stdout.splitlines()
        width = len(name) + 3
        self.assertEqual(table[0], "NAME".ljust(width) + "SERVICE   STATE")
        self.assertEqual(table[1], name.ljust(width) + "web       running")
        # The default table gets the PORTS column Compose prints, exposed ports first.
        ports = f"443/tcp, 9000-9001/udp, 127.0.0.1:{port}->80/tcp"
        default = p.pier("ps").stdout.splitlines()
        self.assertEqual(default[0].split()[:2], ["NAME", "IMAGE"])
        self.assertTrue(default[1].endswith(ports), default[1])

        row = json.loads(p.pier("ps", "--format", "json").stdout)
        self.assertEqual(row["Ports"], ports)
        self.assertIn({"URL": "", "TargetPort": 443, "PublishedPort": 0, "Protocol": "tcp"}, row["Publishers"])
        self.assertIn({"URL": "127.0.0.1", "TargetPort": 80, "PublishedPort": port, "Protocol": "tcp"},
                      row["Publishers"])
        self.assertEqual(len(row["Publishers"]), 4)
        # Command: cut to 20 characters as Compose cuts it, whole with --no-trunc.
        self.assertEqual(row["Command"], "\"sh -c 'sleep 1000; …\"")
        full = json.loads(p.pier("ps", "--no-trunc", "--format", "json").stdout)
        self.assertEqual(full["Command"], "\"sh -c 'sleep 1000; echo this is long'\"")
        self.assertEqual(len(full["ID"]), 64)
        self.assertEqual(p.pier("ps", "--format", "{{json .}}").stdout, p.pier("ps", "--format", "json").stdout)

        # A label is printed, never run as a template, and cannot drive the terminal.
        labels = p.pier("ps", "--format", "{{.Labels}}").stdout
        self.assertNotIn("\x1b", labels)
        self.assertNotIn("\x07", labels)
        self.assertIn(r"evil=\x1b]0;owned\x07\x1b[2J", labels)
        self.assertIn("looks={{.Name}}", labels)

        bad = p.pier("ps", "--format", "{{.Nope}}", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("no field Nope", bad.stderr)
        self.assertEqual(bad.stdout, "")
        unclosed = p.pier("ps", "--format", "{{.Name", check=False)
        self.assertEqual(unclosed.returncode, 1)
        self.assertIn("unclosed action", unclosed.stderr)

    def test_events_json_has_rfc3339_time_and_attributes(self):
        p = Project(self, """
            services:
              keeper:
                image: busybox
                command: ["sleep", "1000"]
              job:
                image: busybox
                command: ["sh", "-c", "exit 3"]
                labels: {team: fidelity}
        """, name=fidelity_name())
        p.pier("up", "-d", "keeper")
        keeper = p.name + "-keeper-1"
        p.wait_state(keeper, "running")
        events = EventReader(p)
        self.addCleanup(events.close)

        def listening():  # a pause the reader sees proves the subscription is live
            p.pier("pause", "keeper")
            p.pier("unpause", "keeper")
            return "unpause" in events.actions(keeper) or wait_for(lambda: "unpause" in events.actions(keeper),
                                                                   timeout=1, what="the unpause event")
        for attempt in range(10):
            try:
                listening()
                break
            except AssertionError:
                if attempt == 9:
                    raise
        p.pier("up", "-d", "job")
        name = p.name + "-job-1"
        wait_for(lambda: events.of(name, "die"), what="the die event")
        die = events.of(name, "die")[0]
        self.assertRegex(die["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")
        self.assertEqual(die["type"], "container")
        self.assertEqual(die["service"], "job")
        # Docker's attributes less Compose's own labels: name, image, the service's labels.
        self.assertEqual(die["attributes"], {"name": name, "image": "busybox", "team": "fidelity", "exitCode": "3"})
        self.assertEqual(len(die["id"]), 64)
        start = events.of(name, "start")[0]
        self.assertEqual(start["attributes"], {"name": name, "image": "busybox", "team": "fidelity"})
        self.assertLessEqual(start["timeNano"], die["timeNano"])

    def test_ls_images_and_version_take_templates(self):
        p = Project(self, """
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
        """, name=fidelity_name())
        p.pier("up", "-d")
        p.wait_state(p.name + "-web-1", "running")
        self.assertIn(p.name + "\n", p.pier("ls", "--format", "{{.Name}}").stdout.splitlines(keepends=True))
        self.assertIn(f"{p.name} running(1)", p.pier("ls", "--format", "{{.Name}} {{.Status}}").stdout)
        # -q prints names only, whatever --format says, as Compose does.
        quiet = p.pier("ls", "-q", "--format", "json").stdout
        self.assertNotIn("[", quiet)
        self.assertIn(p.name, quiet.split())
        # Compose's own tables are at least 20 wide.
        self.assertTrue(p.pier("ls").stdout.startswith("NAME                STATUS              CONFIG FILES"))
        self.assertEqual(p.pier("images", "--format", "{{.Repository}}:{{.Tag}}").stdout, "busybox:latest\n")
        self.assertEqual(json.loads(p.pier("images", "--format", "json").stdout)[0]["ContainerName"],
                         p.name + "-web-1")

        version = subprocess.run([PIER, "version"], capture_output=True, text=True, check=True).stdout
        self.assertRegex(version, r"^pier version \S+ \(Docker Compose v2\.\d+\.\d+ compatible\)\n$")
        compose = subprocess.run([PIER, "version", "--format", "{{.compose}}"], capture_output=True, text=True,
                                 check=True).stdout
        self.assertRegex(compose, r"^v2\.\d+\.\d+\n$")
        self.assertIn(compose.strip(), version)
        as_json = json.loads(subprocess.run([PIER, "version", "--format", "json"], capture_output=True, text=True,
                                            check=True).stdout)
        self.assertEqual(as_json["compose"], compose.strip())

    def test_pier_answers_as_the_docker_compose_cli_plugin(self):
        p = Project(self, """
            services:
              web:
                image: busybox
        """, name=fidelity_name())
        meta = json.loads(subprocess.run([PIER, "docker-cli-plugin-metadata"], capture_output=True, text=True,
                                         check=True).stdout)
        self.assertEqual(meta["SchemaVersion"], "0.1.0")
        self.assertEqual(meta["Vendor"], "pier")
        self.assertRegex(meta["Version"], r"^v2\.\d+\.\d+")
        self.assertTrue(meta["ShortDescription"])
        # Docker runs the plugin as `docker-compose compose ARGS...`, with its own path in
        # DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND.
        argv = [PIER, "compose"] + p.argv("config", "--services")[1:]
        plugin_env = dict(os.environ, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND="/usr/bin/docker")
        self.assertEqual(subprocess.run(argv, capture_output=True, text=True, check=True, env=plugin_env).stdout,
                         "web\n")
        # Typed by a user, `pier compose` is still an unknown command.
        env = {k: v for k, v in os.environ.items() if k != "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND"}
        plain = subprocess.run(argv, capture_output=True, text=True, env=env)
        self.assertEqual(plain.returncode, 1)
        self.assertIn("unknown command `compose`", plain.stderr)

    def test_config_environment_and_image_digests(self):
        p = Project(self, """
            services:
              web:
                image: busybox
              other:
                image: busybox:latest@sha256:0000000000000000000000000000000000000000000000000000000000000000
        """, name=fidelity_name(), files={".env": "FROM_DOTENV=yes\n"})
        lines = p.pier("config", "--environment", env={"FIDELITY_VAR": "x"}).stdout.splitlines()
        self.assertIn("FROM_DOTENV=yes", lines)
        self.assertIn("FIDELITY_VAR=x", lines)
        self.assertEqual(lines, sorted(lines))

        out = p.pier("config", "--resolve-image-digests").stdout
        self.assertRegex(out, r"image: docker\.io/library/busybox:latest@sha256:[0-9a-f]{64}\n")
        # An image already pinned keeps its digest.
        self.assertIn("@sha256:" + "0" * 64, out)

        # Not in the store: the digest its registry serves, as Compose asks the registry.
        registry = LocalRegistry(self)
        image = registry.push_busybox("fidelity/app:1")
        served = json.loads(subprocess.run(["skopeo", "inspect", "--tls-verify=false", "docker://" + image],
                                           capture_output=True, text=True, check=True, timeout=60).stdout)["Digest"]
        p.write("compose.yaml", f"services:\n  web:\n    image: {image}\n")
        self.assertIn(f"image: {image}@{served}\n", p.pier("config", "--resolve-image-digests").stdout)
        p.write("compose.yaml", f"services:\n  web:\n    image: {registry.host}/fidelity/missing:1\n")
        missing = p.pier("config", "--resolve-image-digests", check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn(f"resolving the digest of `{registry.host}/fidelity/missing:1` (not in pier's store)",
                      missing.stderr)


if __name__ == "__main__":
    unittest.main()
