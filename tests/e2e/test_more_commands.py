"""`port`, `top`, `wait`, `images` and `pull` (the last against a real local registry)."""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import textwrap
import time
import unittest

from harness import Project, free_port, seeded_store, wait_for


class LocalRegistry:
    """Debian's docker-registry on loopback, with images pushed by skopeo from the
    seeded store (an OCI layout once it has its `oci-layout` file)."""

    def __init__(self, test):
        for tool in ("docker-registry", "skopeo"):
            if not shutil.which(tool):
                raise unittest.SkipTest(f"{tool} is not installed (apt-get install docker-registry skopeo)")
        self.dir = tempfile.mkdtemp(prefix="pier-e2e-registry-")
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        config = os.path.join(self.dir, "config.yml")
        with open(config, "w") as f:
            f.write(textwrap.dedent(f"""\
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: {self.dir}/data
                http:
                  addr: {self.host}
            """))
        self.log = open(os.path.join(self.dir, "registry.log"), "w")
        self.proc = subprocess.Popen(["docker-registry", "serve", config], stdout=self.log, stderr=subprocess.STDOUT)
        test.addCleanup(self.stop)
        wait_for(self.answers, timeout=15, what="docker-registry to listen on " + self.host)

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def push_busybox(self, repo_tag):
        layout = os.path.join(self.dir, "layout")
        if not os.path.exists(layout):
            shutil.copytree(os.path.join(seeded_store(), "images"), layout, symlinks=True,
                            ignore=shutil.ignore_patterns("layers", "tmp"))
            with open(os.path.join(layout, "oci-layout"), "w") as f:
                f.write('{"imageLayoutVersion":"1.0.0"}')
        subprocess.run(["skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false",
                        f"oci:{layout}:docker.io/library/busybox:latest", f"docker://{self.host}/{repo_tag}"],
                       check=True, capture_output=True, timeout=60)
        return f"{self.host}/{repo_tag}"

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class MoreCommands(unittest.TestCase):
    def test_port_prints_the_published_address(self):
        tcp, udp = free_port(), free_port()
        p = Project(self, f"""
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                ports: ["{tcp}:80", "127.0.0.1:{udp}:53/udp"]
        """)
        p.pier("up", "-d")
        self.assertEqual(p.pier("port", "web", "80").stdout, f"0.0.0.0:{tcp}\n")
        self.assertEqual(p.pier("port", "--protocol", "udp", "web", "53").stdout, f"127.0.0.1:{udp}\n")
        self.assertEqual(p.pier("port", "--index", "1", "web", "53/udp").stdout, f"127.0.0.1:{udp}\n")
        missing = p.pier("port", "web", "81", check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertEqual(missing.stderr,
                         f"error: no port 81/tcp for container {p.name}-web-1: the port is not published\n")
        self.assertIn("no port 80/udp", p.pier("port", "--protocol", "udp", "web", "80", check=False).stderr)
        self.assertIn('service "web" has no container with index 2',
                      p.pier("port", "--index", "2", "web", "80", check=False).stderr)
        self.assertIn("no such service: nosuch", p.pier("port", "nosuch", "80", check=False).stderr)
        self.assertIn("expected a port number", p.pier("port", "web", "http", check=False).stderr)

    def test_top_lists_the_processes_of_each_running_container(self):
        p = Project(self, """
            services:
              web:
                image: busybox
                command: ["sh", "-c", "sleep 1000 & exec sleep 999"]
              idle:
                image: busybox
                command: ["sleep", "998"]
              done:
                image: busybox
                command: ["true"]
        """)
        p.pier("up", "-d")
        p.wait_state(p.name + "-done-1", "exited")
        web = p.record(p.name + "-web-1")
        out = p.pier("top", "web").stdout
        lines = out.splitlines()
        # Compose 2.34+: one table, SERVICE and the replica number first.
        self.assertEqual(lines[0].split(), ["SERVICE", "#", "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"])
        rows = [line.split(None, 9) for line in lines[1:]]
        self.assertEqual(sorted(r[9] for r in rows), ["sleep 1000", "sleep 999"])
        self.assertEqual({(r[0], r[1]) for r in rows}, {("web", "1")})
        init = next(r[2:] for r in rows if r[9] == "sleep 999")
        child = next(r[2:] for r in rows if r[9] == "sleep 1000")
        self.assertEqual(init[:2], ["root", str(web["pid"])])
        self.assertEqual(child[2], str(web["pid"]), "PPID of the background sleep is the container's init")
        self.assertRegex(init[4], r"^\d\d:\d\d$")
        self.assertEqual(init[5], "?")
        self.assertRegex(init[6], r"^\d\d:\d\d:\d\d$")
        # Compose's tabwriter: cells at least 4 wide, 2 spaces of padding.
        self.assertEqual(lines[0].index("#") - lines[0].index("SERVICE"), 9)
        self.assertEqual(lines[0].index("UID") - lines[0].index("#"), 4)

        every = p.pier("top").stdout.splitlines()
        self.assertEqual(len([line for line in every if line.startswith("SERVICE")]), 1, "one table")
        self.assertIn("sleep 998", "\n".join(every))
        self.assertEqual([line.split()[0] for line in every[1:]], sorted(line.split()[0] for line in every[1:]),
                         "sorted by container name")
        self.assertNotIn("done", [line.split()[0] for line in every], "exited containers have no processes")
        self.assertIn("no such service: nosuch", p.pier("top", "nosuch", check=False).stderr)

    def test_wait_prints_exit_codes_and_returns_the_first(self):
        p = Project(self, """
            services:
              quick:
                image: busybox
                command: ["sh", "-c", "sleep 0.5; exit 3"]
              slow:
                image: busybox
                command: ["sh", "-c", "sleep 1.5; exit 4"]
              forever:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        waited = p.pier("wait", "slow", "quick", check=False, timeout=30)
        self.assertEqual((waited.stdout, waited.returncode), ("3\n4\n", 3), waited.stderr)
        # Already stopped: at once, from the records.
        again = p.pier("wait", "slow", check=False, timeout=10)
        self.assertEqual((again.stdout, again.returncode), ("4\n", 4))
        self.assertIn("no such service: nosuch", p.pier("wait", "nosuch", check=False).stderr)
        self.assertNotEqual(p.pier("wait", check=False).returncode, 0, "SERVICE is required")

        # --down-project: the first exit takes the whole project down.
        waiter = p.popen("wait", "--down-project", "forever")
        time.sleep(0.3)
        p.pier("kill", "-s", "SIGKILL", "forever")
        out, err = waiter.communicate(timeout=60)
        self.assertEqual((out, waiter.returncode), ("137\n", 137), err)
        self.assertEqual(p.records(), {}, "--down-project removed the containers")

    def test_wait_without_containers_is_an_error(self):
        p = Project(self, """
            services:
              s:
                image: busybox
        """)
        out = p.pier("wait", "s", check=False)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f'error: no containers for project "{p.name}"', out.stderr)

    def test_images_lists_the_images_of_the_containers(self):
        p = Project(self, """
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
              job:
                image: busybox:latest
                command: ["true"]
        """)
        p.pier("up", "-d")
        p.wait_state(p.name + "-job-1", "exited")
        image_id = p.record(p.name + "-web-1")["image_id"]
        store = json.loads(p.pier("image", "ls", "--format", "json").stdout.splitlines()[0])
        lines = p.pier("images").stdout.splitlines()
        self.assertEqual(re.split(r"\s{2,}", lines[0]), ["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"])
        rows = [re.split(r"\s{2,}", line) for line in lines[1:]]
        self.assertEqual(rows, [[p.name + "-job-1", "busybox", "latest", image_id[7:19], store["Size"]],
                                [p.name + "-web-1", "busybox", "latest", image_id[7:19], store["Size"]]])
        self.assertRegex(store["Size"], r"^\d+(\.\d+)?[kMG]?B$")
        self.assertEqual(p.pier("images", "-q").stdout, image_id[7:] + "\n", "one line per image")
        listed = json.loads(p.pier("images", "--format", "json", "web").stdout)
        self.assertEqual(len(listed), 1)
        self.assertEqual({k: listed[0][k] for k in ("ID", "ContainerName", "Repository", "Tag")},
                         {"ID": image_id, "ContainerName": p.name + "-web-1", "Repository": "busybox", "Tag": "latest"})
        self.assertGreater(listed[0]["Size"], 0)
        self.assertIn("no such service: nosuch", p.pier("images", "nosuch", check=False).stderr)

    def test_pull_from_a_local_registry(self):
        registry = LocalRegistry(self)
        web_ref = registry.push_busybox("team/web:1")
        db_ref = registry.push_busybox("team/db:2")
        dead = f"127.0.0.1:{free_port()}/nothing/here:1"
        p = Project(self, f"""
            services:
              web:
                image: {web_ref}
                depends_on: [db]
              db:
                image: {db_ref}
              builder:
                build: .
              broken:
                image: {dead}
                profiles: [broken]
        """, files={"Dockerfile": "FROM busybox\n"})
        with open(os.path.join(p.root, "registries.json"), "w") as f:
            json.dump({"insecure-registries": [registry.host, dead.split("/")[0]]}, f)

        def service_lines(text):  # layer lines (` web <layer id> <status>`) are test_images'
            return sorted(line for line in text.splitlines() if not re.match(r"^ \S+ [0-9a-f]{12} ", line))

        def stored():
            return {json.loads(line)["Repository"] + ":" + json.loads(line)["Tag"]
                    for line in p.pier("image", "ls", "--format", "json").stdout.splitlines()}

        out = p.pier("pull", "web", "builder")
        self.assertEqual(service_lines(out.stderr),
                         [" builder Skipped - No image to be pulled", " web Pulled", " web Pulling"])
        self.assertEqual(out.stdout, "")
        self.assertIn(web_ref, stored())
        self.assertNotIn(db_ref, stored(), "dependencies only with --include-deps")

        out = p.pier("pull", "--include-deps", "--policy", "missing", "web")
        self.assertEqual(service_lines(out.stderr),
                         [" db Pulled", " db Pulling", " web Skipped - Image is already present locally"])
        self.assertIn(db_ref, stored())
        self.assertEqual(p.pier("pull", "-q").stderr, "", "--quiet prints nothing")

        failed = p.pier("pull", "broken", check=False)
        self.assertEqual(failed.returncode, 1)
        self.assertIn(" broken Error", failed.stderr)
        self.assertIn(f'error: service "broken": pulling {dead}', failed.stderr)
        ignored = p.pier("pull", "--ignore-pull-failures", "broken", "web", check=False)
        self.assertEqual(ignored.returncode, 0, ignored.stderr)
        self.assertIn(f'warning: service "broken": pulling {dead}', ignored.stderr)
        self.assertIn(" web Pulled", ignored.stderr)
        self.assertIn("no such service: nosuch", p.pier("pull", "nosuch", check=False).stderr)


if __name__ == "__main__":
    unittest.main()
