"""`pier watch`: develop.watch's sync, sync+restart, sync+exec and rebuild through the
real binary, and the sync's defence against a container that plants symbolic links
where the files go (they must resolve inside the container, never on the host)."""
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from harness import Project, wait_for


def helper_project(test, compose, files=None):
    return Project(test, compose, name="cmds" + os.urandom(3).hex(), files=files)


class Watch(unittest.TestCase):
    def start_watch(self, p, *args):
        proc = p.popen("watch", *args)
        self.watch_stderr = ""

        def stop():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    self.watch_stderr = proc.communicate(timeout=20)[1]
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.communicate()
        self.addCleanup(stop)
        return proc, stop

    def cat(self, p, service, path):
        out = p.pier("exec", "-T", service, "cat", path, check=False)
        return out.stdout if out.returncode == 0 else None

    def test_watch_syncs_changes_into_the_container_and_removes_deleted_files(self):
        p = helper_project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                develop:
                  watch:
                    - path: ./src
                      target: /app
                      action: sync
                      ignore: ["*.tmp"]
        """, {"src/keep.txt": "first\n"})
        proc, stop = self.start_watch(p)
        wait_for(lambda: p.record(p.name + "-app-1") and p.record(p.name + "-app-1")["state"] == "running",
                 timeout=30, what="watch to bring app up")
        p.write("src/a.txt", "hello\n")
        wait_for(lambda: self.cat(p, "app", "/app/a.txt") == "hello\n", timeout=15, what="a.txt synced")
        p.write("src/sub/deep/b.txt", "deep\n")
        wait_for(lambda: self.cat(p, "app", "/app/sub/deep/b.txt") == "deep\n", timeout=15, what="new directory synced")
        p.write("src/skip.tmp", "no\n")
        p.write("src/a.txt", "changed\n")
        wait_for(lambda: self.cat(p, "app", "/app/a.txt") == "changed\n", timeout=15, what="a.txt changed")
        self.assertIsNone(self.cat(p, "app", "/app/skip.tmp"), "ignored patterns are not synced")
        os.remove(os.path.join(p.dir, "src", "a.txt"))
        wait_for(lambda: self.cat(p, "app", "/app/a.txt") is None, timeout=15, what="a.txt removed")
        self.assertIsNone(self.cat(p, "app", "/app/keep.txt"), "no initial_sync: only changes go")
        stop()
        self.assertEqual(proc.returncode, 0, self.watch_stderr)
        self.assertIn("Watch enabled", self.watch_stderr)
        self.assertIn('Syncing service "app" after 1 changed file(s) to ' + p.name + "-app-1", self.watch_stderr)

    def test_watch_sync_never_follows_links_the_container_planted(self):
        victim_dir = tempfile.mkdtemp(prefix="cmds-victim-")
        self.addCleanup(shutil.rmtree, victim_dir, True)
        victim_file = os.path.join(victim_dir, "f.txt")
        with open(victim_file, "w") as f:
            f.write("host original\n")
        # The container points /app/f.txt at the host's file and /app/sub at the host's
        # directory, by their host paths: followed from the host, the sync would write there.
        p = helper_project(self, f"""
            services:
              app:
                image: busybox
                command: ["sh", "-c", "mkdir -p /app {victim_dir} && ln -s {victim_file} /app/f.txt && ln -s {victim_dir} /app/sub && ln -s / /app/up && touch /app/ready && sleep 1000"]
                develop:
                  watch:
                    - path: ./src
                      target: /app
                      action: sync
        """, {"src/.keep": ""})
        proc, stop = self.start_watch(p)
        wait_for(lambda: self.cat(p, "app", "/app/ready") == "", timeout=30, what="app to plant its links")
        p.write("src/f.txt", "from the project\n")
        p.write("src/sub/x.txt", "into sub\n")
        p.write("src/up" + victim_dir + "/y.txt", "through the root link\n")

        def host_file():
            with open(victim_file) as f:
                return f.read()
        # Synced, or written through the link: either way the sync has happened.
        wait_for(lambda: self.cat(p, "app", "/app/f.txt") == "from the project\n" or host_file() != "host original\n",
                 timeout=15, what="f.txt synced")
        self.assertEqual(host_file(), "host original\n", "the host file behind the planted link is untouched")
        wait_for(lambda: self.cat(p, "app", victim_dir + "/x.txt") == "into sub\n", timeout=15, what="sub/x.txt synced")
        wait_for(lambda: self.cat(p, "app", victim_dir + "/y.txt") == "through the root link\n", timeout=15,
                 what="up/.../y.txt synced")
        self.assertEqual(sorted(os.listdir(victim_dir)), ["f.txt"], "nothing was written in the host directory")
        link = p.pier("exec", "-T", "app", "sh", "-c", "test -L /app/f.txt && echo link || echo file").stdout
        self.assertEqual(link, "file\n", "the planted link was replaced, not written through")
        # Removing through a planted link removes inside the container only.
        os.remove(os.path.join(p.dir, "src", "sub", "x.txt"))
        wait_for(lambda: self.cat(p, "app", victim_dir + "/x.txt") is None, timeout=15, what="sub/x.txt removed")
        self.assertTrue(os.path.exists(victim_file))
        stop()

    def test_watch_sync_restart_exec_initial_sync_and_rebuild(self):
        p = helper_project(self, """
            services:
              app:
                build: .
                image: cmds-watch-app:1
                command: ["sh", "-c", "cat /conf/c.txt /built; sleep 1000"]
                develop:
                  watch:
                    - path: ./conf
                      target: /conf
                      action: sync+restart
                      initial_sync: true
                    - path: ./hook.txt
                      target: /hook.txt
                      action: sync+exec
                      exec:
                        command: cp /hook.txt /hook.ran
                    - path: ./Dockerfile
                      action: rebuild
        """, {"conf/c.txt": "one\n", "hook.txt": "h1\n", "Dockerfile": "FROM busybox\nRUN echo v1 > /built\n"})
        proc, stop = self.start_watch(p)
        wait_for(lambda: self.cat(p, "app", "/conf/c.txt") == "one\n", timeout=60, what="initial sync of conf")
        pid = p.record(p.name + "-app-1")["pid"]
        p.write("conf/c.txt", "two\n")
        wait_for(lambda: p.record(p.name + "-app-1")["pid"] != pid and self.cat(p, "app", "/conf/c.txt") == "two\n",
                 timeout=30, what="sync+restart to restart app")
        p.write("hook.txt", "h2\n")
        wait_for(lambda: self.cat(p, "app", "/hook.ran") == "h2\n", timeout=30, what="sync+exec to run its command")
        image = p.record(p.name + "-app-1")["image_id"]
        p.write("Dockerfile", "FROM busybox\nRUN echo v2 > /built\n")
        wait_for(lambda: self.cat(p, "app", "/built") == "v2\n", timeout=120, what="rebuild to recreate app")
        self.assertNotEqual(p.record(p.name + "-app-1")["image_id"], image)
        stop()
        self.assertEqual(proc.returncode, 0)

    def test_up_watch_syncs_while_the_logs_show_and_ends_with_ctrl_c(self):
        p = helper_project(self, """
            services:
              app:
                image: busybox
                command: ["sh", "-c", "echo app-started; sleep 1000"]
                develop:
                  watch:
                    - path: ./src
                      target: /app
                      action: sync
        """, {"src/.keep": ""})
        proc = p.popen("up", "--watch", "--no-color", "-t", "1")
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        wait_for(lambda: p.record(p.name + "-app-1") and p.record(p.name + "-app-1")["state"] == "running",
                 timeout=30, what="up to start app")
        p.write("src/w.txt", "watched\n")
        wait_for(lambda: self.cat(p, "app", "/app/w.txt") == "watched\n", timeout=15, what="w.txt synced")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        self.assertIn("app-started", out)
        self.assertIn("Watch enabled", err)
        self.assertEqual(p.record(p.name + "-app-1")["state"], "exited", "Ctrl-C stopped the project as `up` does")
        both = p.pier("up", "-d", "--watch", check=False)
        self.assertEqual(both.returncode, 1)
        self.assertIn("--watch cannot be combined with --detach", both.stderr)

    def test_watch_errors_name_the_service_and_the_rule(self):
        p = helper_project(self, """
            services:
              app:
                image: busybox
                develop:
                  watch:
                    - path: ./src
                      action: copy
              plain:
                image: busybox
        """)
        bad = p.pier("watch", "--no-up", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn('service "app": develop.watch[0].action: "copy" is not sync, rebuild, sync+restart or sync+exec',
                      bad.stderr)
        none = p.pier("watch", "--no-up", "plain", check=False)
        self.assertIn('service "plain" has no develop.watch', none.stderr)


if __name__ == "__main__":
    unittest.main()
