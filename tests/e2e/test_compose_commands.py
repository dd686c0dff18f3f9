"""Docker Compose's commands and flags that pier lacked (issue 17): `down SERVICE`,
`restart --no-deps`, `rm`'s prompt, `up -V/--always-recreate-deps/--attach-dependencies/
--quiet-pull`, `create --build/--no-build/--scale`, `ls --filter`, `pull
--ignore-buildable`, `ps --orphans`, `version -f`, and the commands `scale`, `volumes`,
`push`, `login` and `logout`."""
import base64
import http.server
import json
import os
import stat
import tempfile
import shutil
import threading
import unittest

from harness import Project, wait_for
from test_more_commands import LocalRegistry


def helper_project(test, compose, files=None):
    return Project(test, compose, name="cmds" + os.urandom(3).hex(), files=files)


def load(path):
    with open(path) as f:
        return json.load(f)


def fake_auth_registry(test, user, password):
    """A registry on 127.0.0.1 that takes only `user:password` (Basic); returns its host
    and the Authorization headers it saw, in order."""
    seen = []
    good = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    class Registry(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self, code, headers=()):
            self.send_response(code)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            auth = self.headers.get("Authorization")
            seen.append((self.path, auth))
            if auth != good:
                return self.answer(401, [("WWW-Authenticate", 'Basic realm="cmds"')])
            # /v2/ answers; manifests do not exist (a pull then fails after authorizing).
            self.answer(200 if self.path == "/v2/" else 404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    return f"127.0.0.1:{server.server_port}", seen


class ComposeCommands(unittest.TestCase):
    def test_down_service_removes_it_and_its_dependents_and_keeps_the_network_in_use(self):
        p = helper_project(self, """
            services:
              db:
                image: busybox
                command: ["sleep", "1000"]
              web:
                image: busybox
                command: ["sleep", "1000"]
                depends_on: [db]
              other:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        out = p.pier("down", "-t", "1", "db")
        left = set(p.records())
        self.assertEqual(left, {p.name + "-other-1"}, "db and web (which depends on db) went, other stayed")
        self.assertIn(f"Network {p.name}_default Resource is still in use", out.stderr)
        self.assertIn(f"Container {p.name}-web-1", out.stderr)
        self.assertEqual(p.record(p.name + "-other-1")["state"], "running")
        missing = p.pier("down", "nosuch", check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no such service: nosuch", missing.stderr)
        last = p.pier("down", "-t", "1", "other")
        self.assertEqual(p.records(), {})
        self.assertIn(f"Network {p.name}_default Removed", last.stderr)

    def test_restart_no_deps_leaves_the_services_that_restart_with_it(self):
        p = helper_project(self, """
            services:
              db:
                image: busybox
                command: ["sleep", "1000"]
              web:
                image: busybox
                command: ["sleep", "1000"]
                depends_on:
                  db: {condition: service_started, restart: true}
        """)
        p.pier("up", "-d")
        web_pid = p.record(p.name + "-web-1")["pid"]
        db_pid = p.record(p.name + "-db-1")["pid"]
        p.pier("restart", "-t", "1", "--no-deps", "db")
        p.wait_state(p.name + "-db-1", "running")
        self.assertNotEqual(p.record(p.name + "-db-1")["pid"], db_pid)
        self.assertEqual(p.record(p.name + "-web-1")["pid"], web_pid, "--no-deps: web is not restarted")
        p.pier("restart", "-t", "1", "db")
        p.wait_state(p.name + "-web-1", "running")
        self.assertNotEqual(p.record(p.name + "-web-1")["pid"], web_pid, "without it web restarts with db")

    def test_rm_asks_and_removes_only_on_yes(self):
        p = helper_project(self, """
            services:
              job:
                image: busybox
                command: ["true"]
              web:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        job = p.name + "-job-1"
        p.wait_state(job, "exited")
        # No terminal: the question is printed and one word read; end of input is no.
        no = p.pier("rm", input="")
        self.assertEqual(no.stdout, f"Going to remove {job}")
        self.assertIn(job, p.records(), "not removed without a yes")
        p.pier("rm", input="n\n")
        self.assertIn(job, p.records())
        yes = p.pier("rm", input="y\n")
        self.assertEqual(yes.stdout, f"Going to remove {job}")
        self.assertNotIn(job, p.records())
        self.assertIn(p.name + "-web-1", p.records(), "a running container is not removed")
        self.assertEqual(p.pier("rm", input="y\n").stderr, "No stopped containers\n")
        p.pier("stop", "-t", "1", "web")
        forced = p.pier("rm", "-f")
        self.assertEqual(forced.stdout, f"Going to remove {p.name}-web-1\n")
        self.assertEqual(p.records(), {})

    def test_up_always_recreate_deps_recreates_dependencies_not_named(self):
        p = helper_project(self, """
            services:
              db:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
              web:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                depends_on: [db]
        """)
        p.pier("up", "-d", "web")
        db = p.record(p.name + "-db-1")
        p.pier("up", "-d", "web")
        self.assertEqual(p.record(p.name + "-db-1")["id"], db["id"], "an up-to-date dependency stays")
        out = p.pier("up", "-d", "--always-recreate-deps", "web")
        self.assertNotEqual(p.record(p.name + "-db-1")["id"], db["id"])
        self.assertIn(f"Container {p.name}-db-1 Recreate", out.stderr)
        both = p.pier("up", "-d", "--always-recreate-deps", "--no-recreate", "web", check=False)
        self.assertEqual(both.returncode, 1)
        self.assertIn("--always-recreate-deps and --no-recreate are incompatible", both.stderr)

    def test_up_renew_anon_volumes_starts_recreated_containers_on_empty_ones(self):
        p = helper_project(self, """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                volumes: ["/data"]
        """)
        p.pier("up", "-d")
        p.pier("exec", "-T", "s", "sh", "-c", "echo kept > /data/f")
        p.pier("up", "-d", "-V", "--force-recreate")
        p.wait_state(p.name + "-s-1", "running")
        self.assertEqual(p.pier("exec", "-T", "s", "ls", "-A", "/data").stdout, "")
        p.pier("exec", "-T", "s", "sh", "-c", "echo kept > /data/f")
        p.pier("up", "-d", "--renew-anon-volumes", "--force-recreate")
        self.assertEqual(p.pier("exec", "-T", "s", "ls", "-A", "/data").stdout, "")

    def test_up_attach_dependencies_prints_the_dependencies_logs(self):
        compose = """
            services:
              db:
                image: busybox
                command: ["sh", "-c", "echo from-db; sleep 1000"]
              web:
                image: busybox
                command: ["sh", "-c", "sleep 0.5; echo from-web"]
                depends_on: [db]
        """
        p = helper_project(self, compose)
        plain = p.pier("up", "--no-color", "--abort-on-container-exit", "-t", "1", "web", timeout=60)
        self.assertIn("from-web", plain.stdout)
        self.assertNotIn("from-db", plain.stdout, "a dependency is not attached by default")
        p.pier("down", "-t", "1")
        attached = p.pier("up", "--no-color", "--attach-dependencies", "--abort-on-container-exit", "-t", "1", "web",
                          timeout=60)
        self.assertRegex(attached.stdout, p.name + r"-db-1 +\| from-db")
        self.assertIn("from-web", attached.stdout)

    def test_create_builds_scales_and_refuses_build_with_no_build(self):
        p = helper_project(self, """
            services:
              app:
                build: .
                image: cmds-built:1
                command: ["sleep", "1000"]
        """, {"Dockerfile": "FROM busybox\nRUN echo built > /built\n"})
        both = p.pier("create", "--build", "--no-build", check=False)
        self.assertEqual(both.returncode, 1)
        self.assertIn("--build and --no-build are incompatible", both.stderr)
        p.pier("create", "--build", "--scale", "app=2", timeout=120)
        records = p.records()
        self.assertEqual(sorted(records), [p.name + "-app-1", p.name + "-app-2"])
        self.assertTrue(all(r["state"] == "created" for r in records.values()))
        p.pier("image", "inspect", "cmds-built:1")  # built before the containers were created
        bad = p.pier("create", "--scale", "app=x", check=False)
        self.assertIn("--scale `app=x`: NUM must be a non-negative integer", bad.stderr)

    def test_ls_filter_by_name_ps_orphans_and_version_f(self):
        p = helper_project(self, """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
              gone:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        listed = p.pier("ls", "--filter", "name=" + p.name[2:], "-q").stdout.split()
        self.assertEqual(listed, [p.name], "a name filter matches a part of the name, as Docker's")
        self.assertEqual(p.pier("ls", "--filter", "name=^nosuch", "-q").stdout, "")
        bad = p.pier("ls", "--filter", "status=running", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("invalid filter 'status'", bad.stderr)
        # `gone` leaves the file: its container is an orphan now.
        p.write("compose.yaml", """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
        """)
        self.assertEqual(p.pier("ps", "--services").stdout.split(), ["gone", "s"])
        self.assertEqual(p.pier("ps", "--services", "--orphans=false").stdout.split(), ["s"])
        self.assertEqual(json.loads(p.pier("version", "-f", "json").stdout).keys(), {"version", "compose"})
        p.pier("down", "-t", "1", "--remove-orphans")

    def test_pull_ignore_buildable_and_up_quiet_pull(self):
        registry = LocalRegistry(self)
        ref = registry.push_busybox("cmds/app:1")
        p = helper_project(self, f"""
            services:
              app:
                image: {ref}
                build: .
                command: ["sleep", "1000"]
              plain:
                image: {ref}
                command: ["sleep", "1000"]
        """, {"Dockerfile": "FROM busybox\n"})
        skipped = p.pier("pull", "--ignore-buildable", "app")
        self.assertIn("app Skipped - Image can be built", skipped.stderr)
        self.assertNotIn(ref, p.pier("image", "ls", "--format", "json").stdout.replace("\\/", "/"))
        quiet = p.pier("up", "-d", "--quiet-pull", "plain")
        self.assertNotIn("Pulling", quiet.stderr)
        self.assertNotIn("Pulled", quiet.stderr)
        p.pier("down", "-t", "1")
        p.pier("image", "rm", ref)
        loud = p.pier("up", "-d", "plain")
        self.assertIn(f"Image {ref} Pulling", loud.stderr)

    def test_scale_sets_replica_counts_without_recreating(self):
        p = helper_project(self, """
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
        """)
        p.pier("up", "-d")
        first = p.record(p.name + "-web-1")["id"]
        p.pier("scale", "web=3")
        self.assertEqual(sorted(p.records()), [f"{p.name}-web-{n}" for n in (1, 2, 3)])
        self.assertEqual(p.record(p.name + "-web-1")["id"], first, "an up-to-date replica stays")
        p.pier("scale", "web=1")
        self.assertEqual(sorted(p.records()), [p.name + "-web-1"])
        bad = p.pier("scale", "web", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("scale `web`: expected SERVICE=NUM", bad.stderr)
        self.assertIn("no such service: nosuch", p.pier("scale", "nosuch=2", check=False).stderr)

    def test_volumes_lists_the_projects_named_volumes(self):
        p = helper_project(self, """
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
                volumes: ["data:/data"]
              b:
                image: busybox
                command: ["sleep", "1000"]
                volumes: ["cache:/cache"]
            volumes:
              data: {}
              cache: {}
              unused: {}
        """)
        p.pier("up", "-d")
        table = p.pier("volumes").stdout.splitlines()
        self.assertEqual(table[0].split(), ["DRIVER", "VOLUME", "NAME"])
        self.assertEqual([line.split() for line in table[1:]],
                         [["local", p.name + "_cache"], ["local", p.name + "_data"]], "unused was never created")
        self.assertEqual(p.pier("volumes", "-q", "a").stdout, p.name + "_data\n")
        rows = [json.loads(line) for line in p.pier("volumes", "--format", "json", "b").stdout.splitlines()]
        self.assertEqual([(r["Name"], r["Driver"]) for r in rows], [(p.name + "_cache", "local")])
        self.assertTrue(rows[0]["Mountpoint"].endswith("/volumes/" + p.name + "_cache/_data"))
        self.assertIn("no such service: nosuch", p.pier("volumes", "nosuch", check=False).stderr)

    def test_push_pushes_the_images_of_services_that_build(self):
        registry = LocalRegistry(self)
        p = helper_project(self, f"""
            services:
              app:
                build: .
                image: {registry.host}/cmds/app:1
              base:
                image: busybox
              local:
                build: .
        """, {"Dockerfile": "FROM busybox\nRUN echo app > /app\n"})
        p.pier("build", "app", timeout=120)
        out = p.pier("push")
        self.assertIn(" base Skipped", out.stderr)
        self.assertIn(" local Skipped", out.stderr, "a build without image: has nowhere to go")
        self.assertIn(f"Pushing {registry.host}/cmds/app:1: ", out.stderr)
        self.assertIn("Pushed", out.stderr)
        p.pier("image", "rm", f"{registry.host}/cmds/app:1")
        p.pier("image", "pull", "-q", f"{registry.host}/cmds/app:1")
        self.assertEqual(p.pier("push", "-q", "app").stderr, "")
        # An image that is not there: the error names the service; ignored, it goes on.
        p.pier("image", "rm", f"{registry.host}/cmds/app:1")
        failed = p.pier("push", "app", check=False)
        self.assertEqual(failed.returncode, 1)
        self.assertIn(f'service "app": push {registry.host}/cmds/app:1', failed.stderr)
        ignored = p.pier("push", "--ignore-push-failures", "app")
        self.assertIn("Pushing app: ", ignored.stderr)
        self.assertIn("no such service: nosuch", p.pier("push", "nosuch", check=False).stderr)

    def test_login_checks_stores_where_docker_does_and_pull_sends_it(self):
        host, seen = fake_auth_registry(self, "cmds", "s3cret")
        p = helper_project(self, """
            services:
              app:
                image: busybox
        """)
        config_dir = tempfile.mkdtemp(prefix="cmds-docker-config-")
        self.addCleanup(shutil.rmtree, config_dir, True)
        env = {"DOCKER_CONFIG": config_dir}
        config = os.path.join(config_dir, "config.json")
        with open(config, "w") as f:
            json.dump({"auths": {"other:1": {"auth": "eDp5"}}, "psFormat": "table"}, f)
        wrong = p.pier("login", "-u", "cmds", "--password-stdin", host, input="nope\n", env=env, check=False)
        self.assertEqual(wrong.returncode, 1)
        self.assertIn(f"log in to {host}: unauthorized: incorrect username or password", wrong.stderr)
        self.assertNotIn(host, load(config)["auths"], "refused credentials are not stored")
        ok = p.pier("login", "-u", "cmds", "--password-stdin", host, input="s3cret\n", env=env)
        self.assertEqual(ok.stdout, "Login Succeeded\n")
        stored = load(config)
        self.assertEqual(base64.b64decode(stored["auths"][host]["auth"]), b"cmds:s3cret")
        self.assertEqual(stored["auths"]["other:1"], {"auth": "eDp5"}, "the rest of the file is kept")
        self.assertEqual(stored["psFormat"], "table")
        self.assertEqual(stat.S_IMODE(os.stat(config).st_mode), 0o600)
        # The registry client sends what login stored.
        seen.clear()
        p.pier("image", "pull", f"{host}/cmds/app:1", env=env, check=False)
        good = "Basic " + base64.b64encode(b"cmds:s3cret").decode()
        self.assertIn((f"/v2/cmds/app/manifests/1", good), seen)
        no_tty = p.pier("login", "-u", "cmds", host, input="", env=env, check=False)
        self.assertIn("cannot perform an interactive login from a non TTY device", no_tty.stderr)
        self.assertEqual(p.pier("logout", host, env=env).stdout, f"Removing login credentials for {host}\n")
        self.assertNotIn(host, load(config)["auths"])
        self.assertEqual(p.pier("logout", host, env=env).stdout, f"Not logged in to {host}\n")


if __name__ == "__main__":
    unittest.main()
