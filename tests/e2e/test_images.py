"""The image store's GC and `rm` against the container records of real projects."""
import io
import os
import signal
import tarfile
import unittest

from harness import Project, pid_alive, wait_for


def write_rootfs(path):
    with tarfile.open(path, "w") as t:
        data = b"hello\n"
        info = tarfile.TarInfo("hello")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))


class Images(unittest.TestCase):
    def test_rm_and_prune_keep_the_images_containers_use(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
        """)
        layers = os.path.join(p.root, "images", "layers")
        rootfs = os.path.join(p.root, "rootfs.tar")
        write_rootfs(rootfs)
        p.pier("image", "import", rootfs, "unused:1")
        used_layers = len(os.listdir(layers)) - 1
        self.assertGreaterEqual(used_layers, 1)
        p.pier("up", "-d")
        container = p.name + "-app-1"
        p.wait_state(container, "running")

        rm = p.pier("image", "rm", "busybox", check=False)
        self.assertNotEqual(rm.returncode, 0)
        self.assertIn(f"is used by running container {container} (project {p.name})", rm.stderr)

        # The records, not a live supervisor, say what is in use.
        sup = p.supervisor_pid()
        os.kill(sup, signal.SIGKILL)
        wait_for(lambda: not pid_alive(sup), what="supervisor gone")
        out = p.pier("image", "prune", "-a").stdout
        self.assertIn("Untagged: unused:1", out)
        self.assertNotIn("busybox", out)
        ls = p.pier("image", "ls").stdout
        self.assertIn("busybox", ls)
        self.assertNotIn("unused", ls)
        self.assertEqual(len(os.listdir(layers)), used_layers)

        # A stopped container: refused without -f; -f untags, and GC keeps its layers.
        p.pier("stop", "-t", "1")
        rm = p.pier("image", "rm", "busybox", check=False)
        self.assertNotEqual(rm.returncode, 0)
        self.assertIn(f"is used by container {container}", rm.stderr)
        self.assertIn("--force", rm.stderr)
        self.assertIn("Untagged: busybox:latest", p.pier("image", "rm", "-f", "busybox").stdout)
        p.pier("image", "prune")
        self.assertEqual(len(os.listdir(layers)), used_layers)

        p.pier("down")
        p.pier("image", "prune")
        self.assertEqual(os.listdir(layers), [])


if __name__ == "__main__":
    unittest.main()
