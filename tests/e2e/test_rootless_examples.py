"""Issue 19's desktop case: examples/x11-app's `xclock` (x-pier-desktop) run by a user the
test creates, without root, on an Xvfb display the test starts: the window appears, the
file the app writes in the bind-mounted project under the user's home belongs to the
user, and `down` leaves none of the user's processes or mounts."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import SOURCE, wait_for
from rootless_user import RootlessUser
from test_examples import EXAMPLES, X11_IMAGE, Xvfb, seed_image
from test_rootless_project import mounts_mentioning, open_tun_to_users


def seed_as_user(test, user, tag, packages):
    """The README's way: root builds and caches the image once (here into a store of the
    test's own), then the user's run of the script imports the cached tarball without root."""
    root_store = tempfile.mkdtemp(prefix="pier-e2e-x11r-store-")
    test.addCleanup(shutil.rmtree, root_store, True)
    seed_image(test, root_store, tag, packages)
    script = os.path.join(user.tmp, "seed-debian-image.sh")  # the source tree may not be the user's to reach
    shutil.copy(os.path.join(SOURCE, "scripts", "seed-debian-image.sh"), script)
    os.chmod(script, 0o755)
    proc = subprocess.run(user.command([script, tag, packages], {"PIER": user.binary}), capture_output=True,
                          text=True, cwd=user.home, timeout=300)
    test.assertEqual(proc.returncode, 0, f"seed-debian-image as {user.name}:\n{proc.stdout}{proc.stderr}")


class RootlessExamples(unittest.TestCase):
    def test_x11_app_as_a_user_window_on_the_display_and_files_in_home_as_the_user(self):
        for tool in ("Xvfb", "xdotool", "xwininfo", "xwd", "xauth", "debootstrap"):
            if not shutil.which(tool):
                self.fail(f"{tool} is missing: ./dev.sh installs it (xvfb x11-utils xdotool x11-apps xauth debootstrap)")
        open_tun_to_users(self)  # the example's default network goes through pasta
        x = Xvfb(self)
        user = RootlessUser(self)
        seed_as_user(self, user, X11_IMAGE, "x11-apps")

        # The session's cookie, the user's own, as a desktop login leaves it in $HOME.
        cookie = os.path.join(user.home, ".Xauthority")
        shutil.copy(x.cookie, cookie)
        os.chown(cookie, user.uid, user.gid)
        os.chmod(cookie, 0o600)
        project = os.path.join(user.home, "x11r-app")
        os.makedirs(os.path.join(project, "files"))
        shutil.copy(os.path.join(EXAMPLES, "x11-app", "compose.yml"), project)
        for d, _, names in os.walk(project):
            for path in [d] + [os.path.join(d, n) for n in names]:
                os.chown(path, user.uid, user.gid)
        env = {"DISPLAY": x.display, "XAUTHORITY": cookie, "UID": str(user.uid), "GID": str(user.gid)}

        def pier(*args, **kw):
            return user.pier(*args, cwd=project, extra_env=env, **kw)

        pier("up", "-d", "xclock", timeout=120)
        x.assert_window_drawn(self, "xclock", lambda: pier("logs", check=False))

        # keep-id: the app ran as the user's own uid:gid, and its file is the user's on the host.
        written = os.path.join(project, "files", "xclock.id")
        wait_for(lambda: os.path.exists(written), what="xclock.id")
        st = os.stat(written)
        self.assertEqual((st.st_uid, st.st_gid), (user.uid, user.gid))
        with open(written) as f:
            self.assertIn(f"uid={user.uid} gid={user.gid}", f.read())

        pier("down", "-t", "1", timeout=120)
        user.wait_no_processes()
        self.assertEqual(mounts_mentioning(user.home), [])


if __name__ == "__main__":
    unittest.main()
