"""`volumes_from` and `type: image` volumes through the real binary.

volumes_from: a service sees the files another service wrote in its named volume, its
anonymous volume (the same directory, not a fresh one) and its bind mount; `:ro` makes
them read-only; `container:NAME` names a container; a source with no container is an
error naming the service and the source.

Image volumes: another image's files, read-only, whole or a subpath of it; a subpath
that runs through a symlink (absolute, or `..` past the image's root) resolves inside
the image, never on the host."""
import os
import signal
import unittest

from harness import Project, kernel_name, pid_alive, wait_for
from rootless_holder import RootlessProject, RootlessUser

SOURCES = """
    services:
      src:
        image: busybox
        command: ["sh", "-c", "echo named > /data/f && echo anon > /anon/f && sleep 1000"]
        stop_grace_period: 1s
        volumes: [data:/data, /anon, ./conf:/conf]
      reader:
        image: busybox
        command: ["sleep", "1000"]
        stop_grace_period: 1s
        volumes_from: [src]
      ro:
        image: busybox
        command: ["sleep", "1000"]
        stop_grace_period: 1s
        volumes_from: ["src:ro"]
    volumes:
      data:
"""


def name(prefix):
    return prefix + os.urandom(3).hex()


class VolumesFrom(unittest.TestCase):
    def exec(self, p, service, script, check=True):
        return p.pier("exec", "-T", service, "sh", "-c", script, check=check)

    def wait_written(self, p):
        wait_for(lambda: self.exec(p, "src", "cat /data/f /anon/f", check=False).stdout == "named\nanon\n",
                 what="src to write /data/f and /anon/f")

    def test_named_anonymous_and_bind_mounts_are_shared(self):
        p = Project(self, SOURCES, name=name("volfrom"), files={"conf/app.conf": "from the host\n"})
        p.pier("up", "-d")
        self.wait_written(p)
        self.assertEqual(self.exec(p, "reader", "cat /data/f /anon/f /conf/app.conf").stdout,
                         "named\nanon\nfrom the host\n")
        # The anonymous volume is src's own directory: what reader writes, src reads.
        self.exec(p, "reader", "echo back > /anon/g")
        self.assertEqual(self.exec(p, "src", "cat /anon/g").stdout, "back\n")

    def test_ro_is_enforced(self):
        p = Project(self, SOURCES, name=name("volfrom"), files={"conf/app.conf": "x\n"})
        p.pier("up", "-d")
        self.wait_written(p)
        self.assertEqual(self.exec(p, "ro", "cat /data/f /anon/f").stdout, "named\nanon\n")
        for path in ("/data/new", "/anon/new", "/conf/new"):
            write = self.exec(p, "ro", f"echo x > {path}", check=False)
            self.assertNotEqual(write.returncode, 0, f"{path} is writable through volumes_from :ro")
            self.assertIn("Read-only file system", write.stderr)
        self.assertEqual(self.exec(p, "reader", "echo x > /data/new && cat /data/new").stdout, "x\n")

    def test_a_new_supervisor_plans_the_source_before_its_user(self):
        """After a crash the next supervisor plans every container again: `reader` (and
        `ro`) copy src's mounts from src's plan, so src is planned first, whatever the
        names' order."""
        p = Project(self, SOURCES, name=name("volfrom"), files={"conf/app.conf": "x\n"})
        p.pier("up", "-d")
        self.wait_written(p)
        supervisor = p.supervisor_pid()
        os.kill(supervisor, signal.SIGKILL)
        wait_for(lambda: not pid_alive(supervisor), what="the supervisor to die")
        p.pier("restart", "reader")
        self.assertEqual(self.exec(p, "reader", "cat /data/f /anon/f").stdout, "named\nanon\n")

    def test_container_name_form(self):
        src = name("volfrom-src-")
        p = Project(self, f"""
            services:
              src:
                image: busybox
                container_name: {src}
                command: ["sh", "-c", "echo named > /data/f && sleep 1000"]
                volumes: [data:/data]
              user:
                image: busybox
                command: ["sleep", "1000"]
                volumes_from: ["container:{src}:ro"]
            volumes:
              data:
            """, name=name("volfrom"))
        # `container:` makes no dependency (as in Compose): the container exists first.
        p.pier("up", "-d", "src")
        wait_for(lambda: self.exec(p, "src", "cat /data/f", check=False).stdout == "named\n", what="src to write")
        p.pier("up", "-d", "user")
        self.assertEqual(self.exec(p, "user", "cat /data/f").stdout, "named\n")
        self.assertNotEqual(self.exec(p, "user", "echo x > /data/f", check=False).returncode, 0)

    def test_missing_source_is_an_error_naming_service_and_source(self):
        p = Project(self, """
            services:
              src:
                image: busybox
                command: ["sleep", "1000"]
                volumes: [/anon]
              reader:
                image: busybox
                command: ["sleep", "1000"]
                volumes_from: [src]
              other:
                image: busybox
                command: ["sleep", "1000"]
                volumes_from: ["container:volfrom-nowhere"]
            """, name=name("volfrom"))
        up = p.pier("up", "-d", "--no-deps", "reader", check=False)
        self.assertNotEqual(up.returncode, 0)
        self.assertIn('service "reader"', up.stderr)
        self.assertIn(f"volumes_from `src`: no container `{p.name}-src-1` to take volumes from", up.stderr)
        up = p.pier("up", "-d", "other", check=False)
        self.assertNotEqual(up.returncode, 0)
        self.assertIn('service "other"', up.stderr)
        self.assertIn("volumes_from `container:volfrom-nowhere`: no container `volfrom-nowhere`", up.stderr)


CONTENT_DOCKERFILE = """\
    FROM busybox
    RUN mkdir -p /site/sub && echo hello > /site/index.html && echo deep > /site/sub/f \\
        && echo image-etc > /etc/volfrom-marker \\
        && ln -s ../../../../../../.. /site/up && ln -s /etc /site/abs
"""


def content_project(test, subpaths=()):
    """`app` running with the built `content` image mounted at /content and, for each
    (target, subpath), that subpath of it at the target. Returns (project, image)."""
    image = name("volfrom-content-")
    mounts = f"- {{type: image, source: {image}, target: /content}}"
    for target, subpath in subpaths:
        mounts += f"\n      - {{type: image, source: {image}, target: {target}, image: {{subpath: {subpath}}}}}"
    p = Project(test, f"""
services:
  content:
    image: {image}
    build: .
    command: ["true"]
    stop_grace_period: 1s
  app:
    image: busybox
    command: ["sleep", "1000"]
    stop_grace_period: 1s
    volumes:
      {mounts}
""", name=name("volfrom"), files={"Dockerfile": CONTENT_DOCKERFILE})
    p.pier("build", "content")
    p.pier("up", "-d", "app")
    return p, image


class ImageVolumes(unittest.TestCase):
    def test_image_content_read_only_and_subpaths_stay_in_the_image(self):
        p, _ = content_project(self, [("/sub", "site/sub"), ("/index.html", "site/index.html"),
                                      ("/up", "site/up"), ("/abs", "site/abs")])

        def sh(script, check=True):
            return p.pier("exec", "-T", "app", "sh", "-c", script, check=check)

        # The whole image, both its layers (busybox's and the RUN's).
        self.assertEqual(sh("cat /content/site/index.html; test -x /content/bin/busybox && echo base").stdout,
                         "hello\nbase\n")
        self.assertEqual(sh("cat /sub/f /index.html").stdout, "deep\nhello\n")
        for path in ("/content/site/new", "/sub/new", "/index.html"):
            write = sh(f"echo x > {path}", check=False)
            self.assertNotEqual(write.returncode, 0, f"{path} is writable")
            self.assertIn("Read-only file system", write.stderr)
        # `..` past the image's root and an absolute link: both inside the image. The
        # host has this test's root directory and no /etc/volfrom-marker; the image has
        # the opposite.
        self.assertFalse(os.path.exists("/etc/volfrom-marker"))
        self.assertEqual(sh("cat /up/site/index.html /abs/volfrom-marker").stdout, "hello\nimage-etc\n")
        seen = sh(f"test -e /up{p.root} && echo host; test -e /abs/passwd && grep -c . /abs/passwd").stdout
        self.assertNotIn("host", seen, "the subpath's symlink led to the host's root")
        self.assertEqual(seen, "3\n", "/abs is not the image's /etc")

    def test_image_rm_refuses_an_image_a_container_mounts(self):
        p, image = content_project(self)
        for force in ([], ["-f"]):
            rm = p.pier("image", "rm", *force, image, check=False)
            self.assertNotEqual(rm.returncode, 0, rm.stdout)
            self.assertIn(f"is used by running container {p.name}-app-1", rm.stderr)
        # `prune -a` keeps what a container mounts, as what it runs.
        p.pier("image", "prune", "-a", "-f")
        self.assertIn(image, p.pier("image", "ls").stdout)
        # Its layers are still there under the running container.
        self.assertEqual(p.pier("exec", "-T", "app", "cat", "/content/site/index.html").stdout, "hello\n")
        p.pier("stop", "app")
        rm = p.pier("image", "rm", image, check=False)
        self.assertNotEqual(rm.returncode, 0, rm.stdout)
        self.assertIn(f"is used by container {p.name}-app-1", rm.stderr)
        p.pier("rm", "-f", "app")
        p.pier("image", "rm", image)
        self.assertNotIn(image, p.pier("image", "ls").stdout)

    def test_missing_image_is_an_error_naming_it(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                pull_policy: never
                command: ["sleep", "1000"]
                volumes:
                  - {type: image, source: volfrom-absent:1, target: /content}
            """, name=name("volfrom"))
        up = p.pier("up", "-d", check=False)
        self.assertNotEqual(up.returncode, 0)
        self.assertIn("volfrom-absent:1", up.stderr)


class RootlessVolumes(unittest.TestCase):
    def test_image_mount_and_volumes_from_as_a_user(self):
        """Rootless: the image's overlay is mounted in the user's namespace (userxattr, a
        one-layer image over the empty layer), and volumes_from shares the anonymous volume."""
        user = RootlessUser(self)
        p = RootlessProject(user, """
            services:
              src:
                image: busybox
                network_mode: none
                command: ["sh", "-c", "echo anon > /anon/f && sleep 1000"]
                volumes:
                  - /anon
                  - {type: image, source: busybox, target: /img, image: {subpath: etc}}
              reader:
                image: busybox
                network_mode: none
                command: ["sleep", "1000"]
                volumes_from: ["src:ro"]
            """)
        p.name = name("volfrom")  # before its first command: the project's name everywhere
        p.kernel_name = kernel_name(p.root, p.name)
        p.pier("up", "-d")
        wait_for(lambda: p.pier("exec", "-T", "reader", "cat", "/anon/f", check=False).stdout == "anon\n",
                 what="reader to see src's anonymous volume")
        self.assertEqual(p.pier("exec", "-T", "src", "grep", "-c", ".", "/img/passwd").stdout, "3\n")
        for service, path in (("src", "/img/new"), ("reader", "/anon/new")):
            write = p.pier("exec", "-T", service, "sh", "-c", f"echo x > {path}", check=False)
            self.assertNotEqual(write.returncode, 0, f"{service}: {path} is writable")
            self.assertIn("Read-only file system", write.stderr)


if __name__ == "__main__":
    unittest.main()
