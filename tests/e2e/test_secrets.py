"""Secrets and configs: file, environment and content sources, each container's own copy
with the uid, gid and mode asked for, read-only, never on disk under pier's directories,
and `up` recreating exactly the services whose sources changed."""
import hashlib
import os
import signal
import stat
import unittest

from harness import Project, pid_alive, wait_for

FILE_SECRET = "file-secret-7f3a9c"
ENV_SECRET = "env-secret-52d1e8"
CONTENT_VALUE = "content-user-e41b07"  # interpolated into a config's `content`

COMPOSE = """
    services:
      app:
        image: busybox
        init: true
        command: ["sleep", "1000"]
        scale: 2
        secrets:
          - db_password
          - source: api_token
            target: api.token
            uid: "1000"
            gid: nogroup
            mode: 0400
          - source: db_password
            target: /etc/abs/password
        configs:
          - source: app_conf
            target: /etc/app.conf
            uid: daemon
            gid: tty
            mode: 0750
          - motd
    secrets:
      db_password:
        file: ./db_password.txt
      api_token:
        environment: API_TOKEN
    configs:
      app_conf:
        content: |
          user=${APP_USER:-nobody}
          price=$$5
      motd:
        file: ./motd
"""


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def files_containing(top, needles, skip):
    """Regular files under `top` (but not under `skip`) whose bytes contain a needle."""
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) != skip]
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            found += [f"{path}: {n}" for n in needles if n.encode() in data]
    return found


def host_mounts_under(prefix):
    with open("/proc/self/mountinfo") as f:
        return [line for line in f if line.split()[4].startswith(prefix)]


class Secrets(unittest.TestCase):
    def project(self):
        return Project(self, COMPOSE, files={"db_password.txt": FILE_SECRET + "\n", "motd": "welcome\n"})

    def exec(self, p, script, index=1):
        return p.pier("exec", "-T", "--index", str(index), "app", "sh", "-c", script).stdout

    def test_sources_owner_mode_and_read_only_inside(self):
        p = self.project()
        p.pier("up", "-d", env={"API_TOKEN": ENV_SECRET, "APP_USER": "alice"})
        files = ["/run/secrets/db_password", "/run/secrets/api.token", "/etc/abs/password", "/etc/app.conf", "/motd"]
        out = self.exec(p, "stat -c '%n %u:%g %a' " + " ".join(files) + "; stat -c '%n %U:%G' /etc/app.conf")
        self.assertIn("/run/secrets/db_password 0:0 444", out)      # Docker's defaults
        self.assertIn("/run/secrets/api.token 1000:65534 400", out)  # a number, and a group by name
        self.assertIn("/etc/abs/password 0:0 444", out)              # an absolute target
        self.assertIn("/etc/app.conf 1:5 750", out)                  # daemon:tty from the image
        self.assertIn("/etc/app.conf daemon:tty", out)
        self.assertIn("/motd 0:0 444", out)                          # configs land at /<target>
        sums = self.exec(p, "md5sum " + " ".join(files))
        self.assertIn(md5(FILE_SECRET + "\n") + "  /run/secrets/db_password", sums)
        self.assertIn(md5(ENV_SECRET) + "  /run/secrets/api.token", sums)
        self.assertIn(md5("user=alice\nprice=$5\n") + "  /etc/app.conf", sums)  # interpolated, $$ escaped
        self.assertIn(md5("welcome\n") + "  /motd", sums)
        # Read-only for the container's root, and its own tmpfs rather than the user's file.
        writes = self.exec(p, "for f in " + " ".join(files) + "; do echo x 2>/dev/null > $f; echo \"$f=$?\"; done;"
                              " grep -c ' /run/secrets/db_password ro,.* - tmpfs ' /proc/self/mountinfo")
        for f in files:
            self.assertIn(f + "=1", writes, "a write into the secret fails")
        self.assertTrue(writes.strip().endswith("1"), writes)
        with open(os.path.join(p.dir, "db_password.txt")) as f:
            self.assertEqual(f.read(), FILE_SECRET + "\n", "the user's file is untouched")

    def test_each_replica_has_its_own_copy_and_nothing_reaches_disk_or_config(self):
        p = self.project()
        p.pier("up", "-d", env={"API_TOKEN": ENV_SECRET, "APP_USER": CONTENT_VALUE})
        self.assertIn("user=" + CONTENT_VALUE, self.exec(p, "cat /etc/app.conf"))
        first = self.exec(p, "stat -c '%d' /run/secrets/db_password /run/secrets/api.token", 1).split()
        second = self.exec(p, "stat -c '%d' /run/secrets/db_password /run/secrets/api.token", 2).split()
        self.assertEqual(first[0], first[1], "one tmpfs holds a container's files")
        self.assertNotEqual(first[0], second[0], "each replica has its own tmpfs")
        self.assertEqual(host_mounts_under(p.root), [], "the tmpfs is never mounted on the host")
        # Neither value under the root (images, logs, volumes) nor the run directory (records,
        # project.json, scratch), the user's own project directory aside.
        self.assertEqual(files_containing(p.root, [FILE_SECRET, ENV_SECRET, CONTENT_VALUE], skip=p.dir), [])
        config = p.pier("config", env={"API_TOKEN": ENV_SECRET})
        self.assertNotIn(ENV_SECRET, config.stdout + config.stderr)
        self.assertNotIn(FILE_SECRET, config.stdout + config.stderr)
        self.assertIn("environment: API_TOKEN", config.stdout)
        self.assertIn("file: " + os.path.join(p.dir, "db_password.txt"), config.stdout)
        p.pier("down")
        self.assertEqual(p.leaks(), [])
        self.assertEqual(host_mounts_under(p.root), [])

    def test_up_recreates_exactly_the_services_whose_source_changed(self):
        p = Project(self, """
            services:
              by_file:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                secrets: [from_file]
              by_env:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                secrets: [from_env]
              by_content:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                configs: [inline]
              plain:
                image: busybox
                init: true
                command: ["sleep", "1000"]
            secrets:
              from_file:
                file: ./s.txt
              from_env:
                environment: TOKEN
            configs:
              inline:
                content: "v=${VERSION}"
        """, files={"s.txt": "one"})
        env = {"TOKEN": "t1", "VERSION": "1"}
        p.pier("up", "-d", env=env)
        names = {s: f"{p.name}-{s}-1" for s in ("by_file", "by_env", "by_content", "plain")}

        def ids():
            r = p.records()
            return {s: r[n]["id"] for s, n in names.items()}

        def recreated(before):
            after = ids()
            return {s for s in names if after[s] != before[s]}

        start = ids()
        p.pier("up", "-d", env=env)
        self.assertEqual(recreated(start), set(), "nothing changed, nothing recreated")
        p.write("s.txt", "two")
        before = ids()
        p.pier("up", "-d", env=env)
        self.assertEqual(recreated(before), {"by_file"})
        self.assertIn(md5("two"), p.pier("exec", "-T", "by_file", "md5sum", "/run/secrets/from_file").stdout)
        env["TOKEN"] = "t2"
        before = ids()
        p.pier("up", "-d", env=env)
        self.assertEqual(recreated(before), {"by_env"})
        env["VERSION"] = "2"
        before = ids()
        p.pier("up", "-d", env=env)
        self.assertEqual(recreated(before), {"by_content"})
        self.assertIn(md5("v=2"), p.pier("exec", "-T", "by_content", "md5sum", "/inline").stdout)

    def test_a_missing_source_or_an_external_one_is_a_located_error(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                secrets: [gone]
            secrets:
              gone:
                file: ./not-there.txt
        """)
        out = p.pier("up", "-d", check=False)
        self.assertNotEqual(out.returncode, 0)
        compose = os.path.join(p.dir, "compose.yaml")
        self.assertIn(f'{compose}:7:15: service "app": secret `gone`: file `{p.dir}/not-there.txt` does not exist',
                      out.stderr)
        self.assertIn(f"definition at {compose}:9:3", out.stderr)
        p.write("compose.yaml", """
            services:
              app:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                secrets: [token]
                configs: [shared]
            secrets:
              token:
                environment: PIER_E2E_UNSET_TOKEN
            configs:
              shared:
                external: true
        """)
        out = p.pier("up", "-d", check=False)
        self.assertIn(f'{compose}:7:15: service "app": environment variable `PIER_E2E_UNSET_TOKEN` required by secret '
                      "`token` is not set", out.stderr)
        out = p.pier("up", "-d", check=False, env={"PIER_E2E_UNSET_TOKEN": "x"})
        self.assertIn('service "app": config `shared` is external', out.stderr)
        self.assertIn("pier has no config store", out.stderr)
        self.assertEqual(p.records(), {})

    def test_a_secret_from_the_environment_survives_a_supervisor_crash(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                secrets: [token]
            secrets:
              token:
                environment: TOKEN
        """)
        p.pier("up", "-d", env={"TOKEN": ENV_SECRET})
        sup = p.supervisor_pid()
        os.kill(sup, signal.SIGKILL)
        wait_for(lambda: not pid_alive(sup), what="supervisor gone")
        # The new supervisor finds no value on disk; the container runs on, and the next
        # `up` (which brings the variable) plans it again so that a restart works.
        self.assertIn("Up", p.pier("ps").stdout)
        self.assertEqual(files_containing(p.root, [ENV_SECRET], skip=p.dir), [])
        p.pier("up", "-d", env={"TOKEN": ENV_SECRET})
        p.pier("restart", "app")
        p.wait_state(p.name + "-app-1", "running")
        self.assertIn(md5(ENV_SECRET), p.pier("exec", "-T", "app", "md5sum", "/run/secrets/token").stdout)


if __name__ == "__main__":
    unittest.main()
