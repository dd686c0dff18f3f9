"""Issue 19's end-to-end case: a user the test creates (with subordinate id ranges) runs a
two-service project without root: DNS between the services, a published port reached
from the host, a bind mount whose files written by the container's root belong to the
user, and `down` leaving no process, mount, link or network namespace behind."""
import os
import signal
import subprocess
import textwrap
import unittest

from harness import free_port, http_get, pid_alive, pier_links, wait_for
from rootless_user import RootlessUser


def mounts_mentioning(text):
    with open("/proc/self/mountinfo") as f:
        return [line for line in f if text in line]


def open_tun_to_users(test):
    """pasta needs /dev/net/tun, which most distributions make 0666; some hosts (this CI's
    included) make it root-only. Opened to users for the test, then put back."""
    mode = os.stat("/dev/net/tun").st_mode & 0o777
    if mode != 0o666:
        os.chmod("/dev/net/tun", 0o666)
        test.addCleanup(os.chmod, "/dev/net/tun", mode)


class RootlessProject(unittest.TestCase):
    def test_two_services_dns_a_published_port_and_a_bind_mount_as_a_user(self):
        open_tun_to_users(self)
        links_before = pier_links()
        user = RootlessUser(self)
        user.seed_busybox()
        project = os.path.join(user.home, "app")
        port = free_port()
        user_run = ["runuser", "-u", user.name, "--"]
        subprocess.run(user_run + ["mkdir", "-p", os.path.join(project, "data")], check=True)
        compose = textwrap.dedent(f"""\
            name: rootlessapp
            services:
              web:
                image: busybox
                init: true
                command: ["sh", "-c", "mkdir -p /www && echo served-rootless > /www/index.html && httpd -f -p 8080 -h /www"]
                ports: ["127.0.0.1:{port}:8080"]
              client:
                image: busybox
                init: true
                depends_on: [web]
                volumes: ["./data:/data"]
                command: ["sh", "-c", "id -u > /data/uid; sleep 1000"]
        """)
        subprocess.run(user_run + ["sh", "-c", f"cat > {project}/compose.yaml"], input=compose, text=True, check=True)
        up = user.pier("up", "-d", cwd=project, check=False, timeout=120)
        self.assertEqual(up.returncode, 0, up.stdout + up.stderr)
        # DNS between the services, on the project's own network.
        fetched = user.pier("exec", "-T", "client", "wget", "-q", "-O", "-", "http://web:8080/", cwd=project)
        self.assertEqual(fetched.stdout, "served-rootless\n")
        # The published port, from the host's loopback.
        self.assertIn("served-rootless", http_get(port, timeout=15))
        # Root in the container is the user on the host.
        written = os.path.join(project, "data", "uid")
        wait_for(lambda: os.path.exists(written), what="the container's file")
        with open(written) as f:
            self.assertEqual(f.read().strip(), "0")
        self.assertEqual(os.stat(written).st_uid, user.uid)
        self.assertIn("rootlessapp-web-1", user.pier("ps", cwd=project).stdout)
        user.pier("down", cwd=project, timeout=120)
        user.wait_no_processes()
        self.assertEqual(mounts_mentioning(user.home), [])
        self.assertEqual(sorted(pier_links() - links_before), [], "links left behind")

    def test_a_build_with_run_steps_as_a_user(self):
        # A user cannot make the build's bridge: each RUN step's own network namespace
        # is connected by a pasta of its own, stopped with the step.
        open_tun_to_users(self)
        user = RootlessUser(self)
        user.seed_busybox()
        context = os.path.join(user.home, "app")
        files = {"Dockerfile": "FROM busybox\nRUN ip route | grep -q '^default via' && echo built > /made\n",
                 "compose.yaml": "services:\n  app:\n    build: .\n    network_mode: none\n"}
        os.mkdir(context)
        for name, text in files.items():
            with open(os.path.join(context, name), "w") as f:
                f.write(text)
        for path in [context] + [os.path.join(context, n) for n in files]:
            os.chown(path, user.uid, user.gid)
        built = user.pier("build", cwd=context, check=False, timeout=120)
        self.assertEqual(built.returncode, 0, built.stderr)
        self.assertEqual(user.pier("run", "--rm", "-T", "app", "cat", "/made", cwd=context).stdout, "built\n")
        tmp = os.path.join(user.data_dir, "build", "tmp")
        self.assertEqual(os.listdir(tmp) if os.path.isdir(tmp) else [], [], "build scratch left behind")
        user.pier("down", cwd=context)
        user.wait_no_processes()

    def test_a_supervisor_killed_as_a_user_is_adopted_by_the_next_command(self):
        user = RootlessUser(self)
        user.seed_busybox()
        project = os.path.join(user.home, "adopt")
        subprocess.run(["runuser", "-u", user.name, "--", "mkdir", "-p", project], check=True)
        compose = ("services:\n  s:\n    image: busybox\n    init: true\n    network_mode: none\n"
                   "    command: [\"sleep\", \"1000\"]\n")
        subprocess.run(["runuser", "-u", user.name, "--", "sh", "-c", f"cat > {project}/compose.yaml"],
                       input=compose, text=True, check=True)
        user.pier("up", "-d", cwd=project)
        pid_file = os.path.join(user.run_dir, "adopt", "supervisor.pid")
        with open(pid_file) as f:
            killed = int(f.read())
        # The user's supervisor is pier-supervisor (installed beside pier), from the
        # sealed overlay of their directory made in the user's namespace.
        self.assertEqual(os.readlink(f"/proc/{killed}/exe"), "/pier-supervisor")
        os.kill(killed, signal.SIGKILL)
        wait_for(lambda: not pid_alive(killed), what="the killed supervisor gone")
        # The next command starts a supervisor in the same namespaces, which adopts the
        # container: it is still Up, and exec reaches it.
        self.assertIn("Up", user.pier("ps", cwd=project).stdout)
        with open(pid_file) as f:
            self.assertNotEqual(int(f.read()), killed)
        self.assertEqual(user.pier("exec", "-T", "s", "echo", "adopted", cwd=project).stdout, "adopted\n")
        user.pier("down", cwd=project)
        user.wait_no_processes()


if __name__ == "__main__":
    unittest.main()
