"""The examples under examples/, run as a user runs them: the example's own compose file,
with images built offline from Debian's packages by scripts/seed-debian-image.sh (cached
under /var/cache/pier-fixtures, so only the first run on a machine pays debootstrap).
Skipped (exit 77) only when debootstrap cannot reach the host's apt mirror."""
import os
import random
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

from harness import PIER, SOURCE, Project, free_port, http_get, wait_for

EXAMPLES = os.path.join(SOURCE, "examples")
X11_IMAGE = "pier-examples/x11-apps:bookworm"
DEVENV_IMAGE = "pier-examples/devenv:bookworm"
DEVENV_CHANGES = ("ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                  'CMD ["bash"]')


def seed_image(test, root, tag, packages, *changes):
    """Imports `tag` into the store at `root`, or skips the test when the mirror is unreachable."""
    argv = [os.path.join(SOURCE, "scripts", "seed-debian-image.sh"), "--root", root]
    for c in changes:
        argv += ["--change", c]
    proc = subprocess.run(argv + [tag, packages], capture_output=True, text=True, timeout=1500,
                          env=dict(os.environ, PIER=PIER))
    if proc.returncode == 77:
        test.skipTest("debootstrap cannot reach the apt mirror: " + proc.stderr.strip().splitlines()[-1])
    if proc.returncode != 0:
        raise AssertionError(f"seed-debian-image {tag} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")


def example_project(test, name, files=()):
    """A Project whose compose.yaml is examples/<name>/compose.yml as it is in the repository."""
    with open(os.path.join(EXAMPLES, name, "compose.yml")) as f:
        compose = f.read()
    p = Project(test, compose)
    for rel in files:
        shutil.copy(os.path.join(EXAMPLES, name, rel), os.path.join(p.dir, rel))
    return p


class Xvfb:
    """A virtual X server on a free display, with a wildcard (FamilyWild) cookie: a
    container has its own hostname, so a cookie bound to the host's name would not match."""

    def __init__(self, test):
        # From a random start: tests running at once would otherwise all pick the first free
        # number, and the loser's Xvfb exits while its clients reach the winner's display.
        start = random.randrange(90, 200)
        self.number = next(n for n in [*range(start, 200), *range(90, start)]
                           if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"))
        self.display = f":{self.number}"
        self.dir = tempfile.mkdtemp(prefix="pier-xvfb-")
        self.cookie = os.path.join(self.dir, "Xauthority")
        subprocess.run(["xauth", "-f", self.cookie, "add", self.display, "MIT-MAGIC-COOKIE-1", os.urandom(16).hex()],
                       check=True, capture_output=True)
        listed = subprocess.run(["xauth", "-f", self.cookie, "nlist", self.display], check=True,
                                capture_output=True, text=True).stdout
        os.unlink(self.cookie)
        subprocess.run(["xauth", "-f", self.cookie, "nmerge", "-"], input="ffff" + listed[4:], check=True,
                       capture_output=True, text=True)
        # -noreset: by default an X server resets when its last client disconnects, and the
        # reset drops a client whose connection setup is still pending. Each poll of
        # `window()` is such a last client, so the app's own connect could fail with "Can't
        # open display" (seen in CI; 15 of 600 connects from 4 looping xdpyinfo here, 0 with it).
        self.proc = subprocess.Popen(["Xvfb", self.display, "-nolisten", "tcp", "-noreset", "-auth", self.cookie,
                                      "-screen", "0", "640x480x24"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        test.addCleanup(self.stop)
        wait_for(lambda: os.path.exists(f"/tmp/.X11-unix/X{self.number}"), 10, what="Xvfb's socket")
        test.assertIsNone(self.proc.poll(), f"Xvfb {self.display} exited (the display was taken)")
        # Only a client with the cookie gets in: the container's must be the one it was given.
        denied = subprocess.run(["xdpyinfo"], env={"DISPLAY": self.display, "XAUTHORITY": "/nonexistent"},
                                capture_output=True)
        test.assertNotEqual(denied.returncode, 0, "Xvfb let a client without the cookie in")

    def env(self):
        return {"DISPLAY": self.display, "XAUTHORITY": self.cookie}

    def run(self, *argv):
        return subprocess.run(list(argv), env=dict(os.environ, **self.env()), capture_output=True, text=True)

    def window(self, name):
        out = self.run("xdotool", "search", "--onlyvisible", "--name", f"^{name}$").stdout.split()
        return out[0] if out else None

    def assert_window_drawn(self, test, name, logs):
        """A window named `name` appears, mapped, with drawn pixels; `logs()` (a finished
        process) explains a failure."""
        def explain(what):
            out = logs()
            return f"{what}\n{out.stdout}{out.stderr}"
        wid = wait_for(lambda: self.window(name), 30, what=lambda: explain(f"a `{name}` window"))
        info = self.run("xwininfo", "-id", wid).stdout
        test.assertIn("Map State: IsViewable", info, info)
        width = int(info.split("Width:")[1].split()[0])
        height = int(info.split("Height:")[1].split()[0])

        def drawn():
            shot = subprocess.run(["xwd", "-silent", "-id", wid], env=dict(os.environ, **self.env()),
                                  capture_output=True, check=True).stdout
            return len(set(shot[-width * height * 4:])) >= 2  # drawn pixels, not one flat colour
        wait_for(drawn, 15, what=lambda: explain(f"the {name} window to be drawn\n{info}"))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def sound_stand_in(test, gid):
    """A directory standing in for /dev/snd: one char node (the 1:3 of /dev/null, harmless
    to open) owned by root:`gid`, mode 0660, as udev makes ALSA's nodes."""
    d = tempfile.mkdtemp(prefix="pier-snd-")
    test.addCleanup(shutil.rmtree, d, True)
    node = os.path.join(d, "controlC0")
    os.mknod(node, 0o660 | stat.S_IFCHR, os.makedev(1, 3))
    os.chown(node, 0, gid)
    os.chmod(node, 0o660)
    return d


class Examples(unittest.TestCase):
    def test_demo_serves_the_page_and_down_v_does_not_wait_out_a_grace_period(self):
        """compose.example.yml, the README's demo, on a free port: `down -v` stops web
        (httpd) and worker (sh) at once. Both ignore SIGTERM when they are PID 1, so without
        `init: true` each waits out the 10 s grace period before its SIGKILL."""
        port = free_port()
        with open(os.path.join(SOURCE, "compose.example.yml")) as f:
            compose = f.read().replace("127.0.0.1:8080:8080", f"127.0.0.1:{port}:8080")
        p = Project(self, compose)
        shutil.copytree(os.path.join(SOURCE, "examples", "site"), os.path.join(p.dir, "examples", "site"))
        p.pier("up", "-d", "--wait", timeout=120)
        self.assertIn("<h1>hello from pier</h1>", http_get(port, timeout=20))
        p.wait_state(f"{p.name}-worker-1", "running")

        start = time.monotonic()
        p.pier("down", "-v")
        took = time.monotonic() - start
        # 0.2 s on an idle machine; 3 s leaves room for a loaded one and still fails the
        # first grace period (10 s) that a service ignoring SIGTERM would wait out.
        self.assertLess(took, 3.0, f"`down -v` of the demo took {took:.1f} s")

    def test_x11_app_window_on_the_host_display_files_as_the_user_and_a_sound_device(self):
        for tool in ("Xvfb", "xdotool", "xwininfo", "xwd", "xauth", "debootstrap"):
            if not shutil.which(tool):
                self.fail(f"{tool} is missing: ./dev.sh installs it (xvfb x11-utils xdotool x11-apps xauth debootstrap)")
        x = Xvfb(self)
        uid, gid, audio = 1234, 2345, 29
        os.chown(x.cookie, uid, gid)  # the session user's cookie, readable by that user only
        p = example_project(self, "x11-app")
        seed_image(self, p.root, X11_IMAGE, "x11-apps")
        os.makedirs(os.path.join(p.dir, "files"), exist_ok=True)
        os.chmod(os.path.join(p.dir, "files"), 0o777)
        env = dict(x.env(), UID=str(uid), GID=str(gid), AUDIO_GID=str(audio), SOUND_DEVICES=sound_stand_in(self, audio),
                   SUDO_UID=str(uid), SUDO_GID=str(gid))
        p.pier("up", "-d", env=env, timeout=120)

        # The windows the containers opened are on the host's display, mapped.
        for name in ("xeyes", "xclock"):
            x.assert_window_drawn(self, name, lambda: p.pier("logs", check=False))

        # Both ran as the invoking user: by hand (user: $UID:$GID) and by x-pier-desktop (SUDO_UID).
        for name in ("xeyes", "xclock"):
            path = os.path.join(p.dir, "files", f"{name}.id")
            st = os.stat(path)
            self.assertEqual((st.st_uid, st.st_gid), (uid, gid), name)
            with open(path) as f:
                ids = f.read()
            self.assertIn(f"uid={uid} gid={gid}", ids)
        with open(os.path.join(p.dir, "files", "xeyes.id")) as f:
            self.assertIn(f",{audio}", f.read().split("groups=")[1] + ",")

        # The sound device given through devices: is there, with the host node's group.
        out = p.pier("exec", "-T", "xeyes", "stat", "-c", "%F %g %a %t:%T", "/dev/snd/controlC0").stdout.strip()
        self.assertEqual(out, f"character special file {audio} 660 1:3")
        p.pier("exec", "-T", "xeyes", "sh", "-c", "true < /dev/snd/controlC0")
        # x-pier-desktop gave xclock MIT-SHM's IPC namespace: the host's.
        xclock_pid = p.record(f"{p.name}-xclock-1")["pid"]
        self.assertEqual(os.readlink(f"/proc/{xclock_pid}/ns/ipc"), os.readlink("/proc/self/ns/ipc"))
        p.pier("down", "-t", "1")

    def test_dev_env_data_survives_down_and_goes_with_down_v(self):
        p = example_project(self, "dev-env", files=["app.env"])
        seed_image(self, p.root, DEVENV_IMAGE, "postgresql,redis-server", *DEVENV_CHANGES)
        port = free_port()
        env = {"APP_PORT": str(port)}

        def up():
            p.pier("up", "-d", "--wait", env=env, timeout=120)

        def psql(sql, check=True):
            return p.pier("exec", "-T", "db", "psql", "-U", "postgres", "-At", "-c", sql, check=check, env=env)

        def redis(*args):
            return p.pier("exec", "-T", "cache", "redis-cli", *args, env=env).stdout.strip()

        up()
        page = http_get(port, timeout=20)  # the app serves once it has asked the cache
        self.assertIn("app dev-env-demo: cache says +PONG, db resolves", page)
        self.assertIn("postgres://postgres@db:5432/postgres", page)
        psql("create table notes (body text); insert into notes values ('kept across down')")
        self.assertEqual(redis("set", "greeting", "hello"), "OK")

        p.pier("down", "-t", "5", env=env)
        up()
        self.assertEqual(psql("select body from notes").stdout.strip(), "kept across down")
        self.assertEqual(redis("get", "greeting"), "hello")

        p.pier("down", "-t", "5", "-v", env=env)
        up()
        gone = psql("select body from notes", check=False)
        self.assertNotEqual(gone.returncode, 0)
        self.assertIn('relation "notes" does not exist', gone.stderr)
        self.assertEqual(redis("get", "greeting"), "")
        p.pier("down", "-t", "5", "-v", env=env)


if __name__ == "__main__":
    unittest.main()
