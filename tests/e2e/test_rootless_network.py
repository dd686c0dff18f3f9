"""Rootless networking through the real binary: every pier command of the test runs in
ONE `unshare --user --map-root-user --mount` shell (pier is uid 0 of a user namespace
there, as it is for a user; a sibling user namespace could not enter the rootless
network namespace). The supervisor makes the project's bridge inside the user's
rootless network namespace, not on the host, with pasta running; a supervisor started
after a SIGKILL adopts the same namespace and pasta; `down` leaves no pasta, no mount
and no network namespace.

Whether the containers start does not matter here (rootless containers are the
runtime's part): the networking is made before any container starts."""

import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from harness import PIER, Project, pid_alive, pier_links

SCRIPT = r"""
set -u
pier() { "$PIER" --root "$ROOT" -p "$NAME" -f "$COMPOSE" "$@"; }
netns="$ROOT/run/.netns/net"
pier up -d >/dev/null 2>&1
echo "netns=$(stat -c %i "$netns")"
echo "pasta=$(cat "$ROOT/run/.netns/connector.pid")"
echo "bridges=$(cat "$ROOT"/network/*.bridges | tr '\n' ' ')"
echo "inside=$(nsenter --net="$netns" ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"
echo "host=$(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"
kill -9 "$(cat "$ROOT/run/$NAME/supervisor.pid")"
# The crash is over when the killed supervisor's last thread is gone and with it its
# hold on the project's lock (its main thread turns zombie before the others exit).
for _ in $(seq 200); do flock -n "$ROOT/run/$NAME/lock" true && break; sleep 0.01; done
pier ps >/dev/null 2>&1
echo "netns_adopted=$(stat -c %i "$netns")"
echo "pasta_adopted=$(cat "$ROOT/run/.netns/connector.pid")"
supervisor=$(cat "$ROOT/run/$NAME/supervisor.pid")
pier down -t 1 >/dev/null 2>&1
for _ in $(seq 100); do [ -e /proc/$supervisor ] || break; sleep 0.1; done
echo "supervisor_after=$([ -e /proc/$supervisor ] && echo running || echo gone)"
echo "mounts_after=$(findmnt -rn -o TARGET | grep -c '/\.netns/' || true)"
"""


class RootlessNetwork(unittest.TestCase):
    def test_bridge_in_rootless_namespace_adopted_after_kill_and_released_by_down(self):
        project = Project(self, """
            services:
              web:
                image: busybox
                command: ["sleep", "100"]
        """, name="rnet" + os.urandom(3).hex())
        self.addCleanup(stop_connector, project.root)
        # pier keeps the user's namespace state in XDG_RUNTIME_DIR, else in /tmp/pier-<uid>
        # (here /tmp/pier-0, uid 0 outside): a directory of the test's own instead.
        runtime_dir = tempfile.mkdtemp(prefix="pier-e2e-xdg-")
        self.addCleanup(shutil.rmtree, runtime_dir, True)
        env = dict(os.environ, PIER=PIER, ROOT=project.root, NAME=project.name, XDG_RUNTIME_DIR=runtime_dir,
                   COMPOSE=os.path.join(project.dir, "compose.yaml"))
        proc = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "bash", "-c", SCRIPT],
                              capture_output=True, text=True, timeout=120, env=env, cwd=project.dir)
        seen = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
        context = f"script output:\n{proc.stdout}\nstderr:\n{proc.stderr}\nsupervisor log:\n{project.supervisor_log()}"
        bridges = seen.get("bridges", "").split()
        self.assertEqual(len(bridges), 1, context)
        bridge = bridges[0]
        self.assertIn(bridge, seen.get("inside", "").split(), context)
        self.assertNotIn(bridge, seen.get("host", "").split(), context)
        self.assertNotIn(bridge, pier_links(), context)
        pasta = int(seen.get("pasta") or 0)
        self.assertTrue(pasta, context)
        self.assertEqual((seen.get("netns"), seen.get("pasta")),
                         (seen.get("netns_adopted"), seen.get("pasta_adopted")), context)
        self.assertEqual(seen.get("supervisor_after"), "gone", context)
        self.assertEqual(seen.get("mounts_after"), "0", context)
        self.assertFalse(pid_alive(pasta), context)
        self.assertFalse(netns_in_use(int(seen["netns"])), context)


def netns_in_use(inode):
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}/ns/net").st_ino == inode:
                return True
        except OSError:
            pass
    return False


def stop_connector(root):
    """A failed run may leave its pasta (the mounts went with the unshare'd shell)."""
    try:
        with open(os.path.join(root, "run", ".netns", "connector.pid")) as f:
            pid = int(f.read())
        with open(f"/proc/{pid}/comm") as f:
            if f.read().strip().startswith(("pasta", "passt", "slirp4netns")):
                os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    unittest.main()
