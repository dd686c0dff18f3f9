"""`--dry-run` through the real binary: each command prints, prefixed "DRY-RUN MODE - ",
the lines the real command prints, decided from the project as it is (what runs, what
changed), and changes nothing: no container, record, network, volume, image, run
directory or supervisor. Each test runs the real command afterwards and compares."""
import glob
import os
import re
import unittest

from harness import Project, pid_alive

PREFIX = "DRY-RUN MODE - "

TWO = """
    volumes:
      data: {}
    services:
      web:
        image: busybox
        command: ["sleep", "1000"]
        init: true
        environment: {VERSION: "%s"}
        depends_on: [db]
      db:
        image: busybox
        command: ["sleep", "1000"]
        init: true
        volumes: ["data:/data"]
"""


def dry_project(test, compose=TWO % "1", files=None):
    return Project(test, compose, name="dryrun" + os.urandom(3).hex(), files=files)


def lines(stderr, dry):
    """The progress lines ("Container x-1 Started") of plain output, dry or real."""
    out = []
    for line in stderr.splitlines():
        if dry != line.startswith(PREFIX):
            continue
        text = line[len(PREFIX):] if dry else line
        if text.strip() and not text.startswith("warning:"):
            out.append(text.strip())
    return out


def supervisors_of(project):
    """Pids of supervisors (`pier ... __supervise NAME`) of this project."""
    found = []
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(path, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"__supervise" in argv and project.name.encode() in argv:
            found.append(int(path.split("/")[2]))
    return found


class DryRun(unittest.TestCase):
    def dry(self, p, *args, check=True):
        return p.pier("--progress", "plain", "--dry-run", *args, check=check)

    def real(self, p, *args):
        return p.pier("--progress", "plain", *args)

    def assert_untouched(self, p, before):
        after = p.records()
        self.assertEqual(sorted(after), sorted(before))
        for name, r in before.items():
            for key in ("id", "state", "pid", "started_at"):
                self.assertEqual(after[name][key], r[key], f"{name}: {key}")
            if r["state"] == "running":
                self.assertTrue(pid_alive(r["pid"]), name)

    def test_dry_up_on_nothing_lists_the_creates_and_leaves_nothing(self):
        p = dry_project(self, TWO % "1" + """
      extra:
        image: registry.invalid/dryrun-app:1
        command: ["true"]
""")
        out = self.dry(p, "up", "-d")
        got = lines(out.stderr, dry=True)
        n = p.name
        for expected in (f"Network {n}_default Created", f"Volume {n}_data Created",
                         "Image registry.invalid/dryrun-app:1 Pulling", "Image registry.invalid/dryrun-app:1 Pulled",
                         f"Container {n}-db-1 Created", f"Container {n}-web-1 Created",
                         f"Container {n}-db-1 Started", f"Container {n}-web-1 Started"):
            self.assertIn(expected, got, out.stderr)
        # db starts before web, which depends on it.
        self.assertLess(got.index(f"Container {n}-db-1 Started"), got.index(f"Container {n}-web-1 Starting"))
        self.assertEqual(lines(out.stderr, dry=False), [], "every line says it is a dry run")
        # Nothing at all: no run directory (records, lock, socket, log), no volume, no
        # supervisor, no container for `ps`.
        self.assertFalse(os.path.exists(p.run_dir), os.listdir(p.run_dir) if os.path.exists(p.run_dir) else "")
        self.assertFalse(os.path.exists(os.path.join(p.root, "volumes")))
        self.assertEqual(supervisors_of(p), [])
        self.assertEqual(p.pier("ps", "-a", "-q").stdout.strip(), "")
        self.assertEqual(p.records(), {})
        self.assertEqual(supervisors_of(p), [])
        # The foreground form starts nothing to attach to either.
        fg = self.dry(p, "up", "--no-deps", "web")
        self.assertIn(f"Container {n}-web-1 Started", lines(fg.stderr, dry=True))
        self.assertNotIn(f"Container {n}-db-1 Created", lines(fg.stderr, dry=True))
        self.assertEqual(p.records(), {})

    def test_dry_up_after_a_change_lists_the_recreate_and_changes_nothing(self):
        p = dry_project(self)
        self.real(p, "up", "-d")
        before = p.records()
        n = p.name
        same = lines(self.dry(p, "up", "-d").stderr, dry=True)
        self.assertEqual(same, [f"Container {n}-db-1 Running", f"Container {n}-web-1 Running"])
        p.write("compose.yaml", TWO % "2")
        changed = self.dry(p, "up", "-d")
        got = lines(changed.stderr, dry=True)
        for expected in (f"Container {n}-web-1 Recreate", f"Container {n}-web-1 Stopped",
                         f"Container {n}-web-1 Removed", f"Container {n}-web-1 Created",
                         f"Container {n}-web-1 Started", f"Container {n}-db-1 Running"):
            self.assertIn(expected, got, changed.stderr)
        self.assertNotIn(f"Container {n}-db-1 Recreate", got)
        self.assert_untouched(p, before)
        # The flags that change the decisions.
        forced = lines(self.dry(p, "up", "-d", "--force-recreate").stderr, dry=True)
        self.assertIn(f"Container {n}-db-1 Recreate", forced)
        self.assertIn(f"Container {n}-web-1 Recreate", forced)
        kept = lines(self.dry(p, "up", "-d", "--no-recreate").stderr, dry=True)
        self.assertEqual(kept, [f"Container {n}-db-1 Running", f"Container {n}-web-1 Running"])
        scaled = lines(self.dry(p, "up", "-d", "--no-recreate", "--scale", "db=2").stderr, dry=True)
        self.assertIn(f"Container {n}-db-2 Created", scaled)
        self.assertIn(f"Container {n}-db-2 Started", scaled)
        by_scale = lines(self.dry(p, "scale", "db=2").stderr, dry=True)
        self.assertIn(f"Container {n}-db-2 Created", by_scale)
        self.assert_untouched(p, before)
        # What the dry run announced is what the real `up` then does.
        real = lines(self.real(p, "up", "-d").stderr, dry=False)
        self.assertEqual(sorted(real), sorted(got))
        self.assertNotEqual(p.records()[f"{n}-web-1"]["id"], before[f"{n}-web-1"]["id"])

    def test_dry_up_after_a_network_change_lists_its_recreation_and_changes_nothing(self):
        # Subnets no other test of the suite uses.
        p = dry_project(self, """
    services:
      web:
        image: busybox
        command: ["sleep", "1000"]
        init: true
      alone:
        image: busybox
        command: ["sleep", "1000"]
        init: true
        network_mode: none
    networks:
      default:
        ipam:
          config:
            - subnet: ${SUBNET:-10.177.63.0/24}
""")
        self.real(p, "up", "-d")
        before = p.records()
        n = p.name
        new = {"SUBNET": "10.177.64.0/24"}
        same = lines(self.dry(p, "up", "-d").stderr, dry=True)
        self.assertEqual(same, [f"Container {n}-alone-1 Running", f"Container {n}-web-1 Running"])
        changed = p.pier("--progress", "plain", "--dry-run", "up", "-d", env=new)
        got = lines(changed.stderr, dry=True)
        for expected in (f"Container {n}-web-1 Recreate", f"Container {n}-web-1 Removed",
                         f"Network {n}_default Removed", f"Network {n}_default Created",
                         f"Container {n}-web-1 Created", f"Container {n}-web-1 Started",
                         f"Container {n}-alone-1 Running"):
            self.assertIn(expected, got, changed.stderr)
        # The network goes after the container on it, and comes back before it is made.
        self.assertLess(got.index(f"Container {n}-web-1 Removed"), got.index(f"Network {n}_default Removed"))
        self.assertLess(got.index(f"Network {n}_default Created"), got.index(f"Container {n}-web-1 Created"))
        self.assert_untouched(p, before)
        real = lines(p.pier("--progress", "plain", "up", "-d", env=new).stderr, dry=False)
        self.assertEqual(sorted(real), sorted(got))

    def test_dry_up_remove_orphans_and_build(self):
        p = dry_project(self)
        self.real(p, "up", "-d")
        # The orphan is no service of the new file: the harness's `down` would keep it.
        self.addCleanup(p.pier, "down", "--remove-orphans", check=False)
        before = p.records()
        n = p.name
        p.write("Dockerfile", "FROM busybox\nRUN echo built > /built.txt\n")
        p.write("compose.yaml", """
            services:
              db:
                image: busybox
                command: ["sleep", "1000"]
                init: true
                volumes: ["data:/data"]
              app:
                build: .
                command: ["sleep", "1000"]
            volumes:
              data: {}
        """)
        out = self.dry(p, "up", "-d", "--build", "--remove-orphans")
        got = lines(out.stderr, dry=True)
        for expected in ("Service app Building", "Service app Built", f"Container {n}-web-1 Recreate",
                         f"Container {n}-web-1 Removed", f"Container {n}-app-1 Created",
                         f"Container {n}-app-1 Started", f"Container {n}-db-1 Running"):
            self.assertIn(expected, got, out.stderr)
        self.assert_untouched(p, before)
        self.assertNotEqual(p.pier("image", "inspect", n + "-app", check=False).returncode, 0, "nothing was built")
        # Without --remove-orphans the orphan stays, with Compose's warning.
        left = self.dry(p, "up", "-d", "--build")
        self.assertIn(f"Found orphan container ({n}-web-1)", left.stderr)
        self.assertNotIn(f"Container {n}-web-1 Removed", lines(left.stderr, dry=True))
        built = lines(self.dry(p, "build").stderr, dry=True)
        self.assertEqual(built, ["Service app Building", "Service app Built"])
        self.assertNotEqual(p.pier("image", "inspect", n + "-app", check=False).returncode, 0, "nothing was built")
        self.assert_untouched(p, before)

    def test_dry_down_lists_the_removals_and_everything_keeps_running(self):
        p = dry_project(self)
        self.real(p, "up", "-d")
        before = p.records()
        n = p.name
        out = self.dry(p, "down", "-v", "--rmi", "local", "--remove-orphans")
        got = lines(out.stderr, dry=True)
        for expected in (f"Container {n}-web-1 Stopping", f"Container {n}-web-1 Stopped",
                         f"Container {n}-web-1 Removed", f"Container {n}-db-1 Removed",
                         f"Network {n}_default Removed", f"Volume {n}_data Removed"):
            self.assertIn(expected, got, out.stderr)
        # web depends on db: it stops first.
        self.assertLess(got.index(f"Container {n}-web-1 Stopped"), got.index(f"Container {n}-db-1 Stopping"))
        self.assert_untouched(p, before)
        self.assertTrue(os.path.isdir(os.path.join(p.root, "volumes", f"{n}_data")))
        partial = lines(self.dry(p, "down", "web").stderr, dry=True)
        self.assertIn(f"Container {n}-web-1 Removed", partial)
        self.assertNotIn(f"Container {n}-db-1 Removed", partial)
        self.assertIn(f"Network {n}_default Resource is still in use", partial)
        self.assert_untouched(p, before)
        real = lines(self.real(p, "down", "-v", "--rmi", "local", "--remove-orphans").stderr, dry=False)
        self.assertEqual(sorted(real), sorted(got))

    def test_dry_stop_kill_rm_pause_restart_and_start_change_nothing(self):
        p = dry_project(self)
        self.real(p, "up", "-d")
        before = p.records()
        n = p.name
        stop = lines(self.dry(p, "stop").stderr, dry=True)
        self.assertEqual(stop, [f"Container {n}-web-1 Stopping", f"Container {n}-web-1 Stopped",
                                f"Container {n}-db-1 Stopping", f"Container {n}-db-1 Stopped"])
        kill = lines(self.dry(p, "kill", "web").stderr, dry=True)
        self.assertEqual(kill, [f"Container {n}-web-1 Killed"])
        self.assertEqual(lines(self.dry(p, "pause", "db").stderr, dry=True), [f"Container {n}-db-1 Paused"])
        unpause = self.dry(p, "unpause", "db", check=False)
        self.assertEqual(unpause.returncode, 1)
        self.assertIn(f"container {n}-db-1 is not paused", unpause.stderr)
        restart = lines(self.dry(p, "restart", "web").stderr, dry=True)
        self.assertEqual(restart, [f"Container {n}-web-1 Restarting", f"Container {n}-web-1 Restarted",
                                   f"Container {n}-web-1 Started"])
        rm = self.dry(p, "rm", "-f", "-s", "web")
        self.assertIn(f"Container {n}-web-1 Removed", lines(rm.stderr, dry=True))
        self.assert_untouched(p, before)
        # Stopped for real: rm would remove it, start would start it; neither does.
        self.real(p, "stop", "web")
        stopped = p.records()
        self.assertEqual(lines(self.dry(p, "rm", "-f", "web").stderr, dry=True), [f"Container {n}-web-1 Removed"])
        start = lines(self.dry(p, "start", "web").stderr, dry=True)
        self.assertIn(f"Container {n}-web-1 Started", start)
        self.assertEqual(lines(self.dry(p, "stop", "web").stderr, dry=True), [])
        self.assert_untouched(p, stopped)
        self.assertEqual(p.records()[f"{n}-web-1"]["state"], "exited")

    def test_dry_pull_and_refused_commands(self):
        p = dry_project(self)
        pull = lines(self.dry(p, "pull").stderr, dry=True)
        self.assertEqual(sorted(pull), ["db Pulled", "db Pulling", "web Pulled", "web Pulling"])
        missing = lines(self.dry(p, "pull", "--policy", "missing").stderr, dry=True)
        self.assertEqual(sorted(missing), ["db Skipped - Image is already present locally",
                                           "web Skipped - Image is already present locally"])
        # Commands that would act in ways a dry run cannot show are refused, not run.
        for args in (("exec", "web", "true"), ("run", "web", "true"), ("cp", "web:/etc/hostname", "/tmp/x")):
            with self.subTest(args=args):
                r = self.dry(p, *args, check=False)
                self.assertEqual(r.returncode, 1)
                self.assertIn(f"`pier {args[0]}` has no dry run", r.stderr)
        # Commands that only read run as usual.
        self.assertEqual(self.dry(p, "config", "--services").stdout.split(), ["db", "web"])
        self.assertFalse(os.path.exists(p.run_dir))

    def test_dry_up_gives_the_errors_the_real_up_gives(self):
        p = dry_project(self, """
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                container_name: dryrun-fixed
        """)
        for args in (("up", "-d", "--scale", "web=2"), ("up", "-d", "nope")):
            with self.subTest(args=args):
                dry = self.dry(p, *args, check=False)
                real = p.pier(*args, check=False)
                self.assertEqual(dry.returncode, 1, dry.stderr)
                self.assertEqual(real.returncode, 1, real.stderr)
                error = [l for l in real.stderr.splitlines() if l.startswith("error:")]
                self.assertTrue(error, real.stderr)
                self.assertIn(error[0], dry.stderr)
        self.assertEqual(p.records(), {})


if __name__ == "__main__":
    unittest.main()
