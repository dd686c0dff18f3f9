"""Container content is hostile to mounts: a volume `subpath` that another container
turned into a symlink to the host's `/` must not bring the host root into a container."""
import os
import unittest

from harness import Project, wait_for

COMPOSE = """
    services:
      a:
        image: busybox
        command: ["sh", "-c", "ln -sfn / /v/site && sleep 1000"]
        volumes: [data:/v]
      b:
        image: busybox
        command: ["sleep", "1000"]
        volumes:
          - type: volume
            source: data
            target: /srv
            volume: {subpath: site}
    volumes:
      data:
"""


class VolumeSubpath(unittest.TestCase):
    def test_subpath_symlinked_to_host_root_by_another_container(self):
        p = Project(self, COMPOSE)
        p.pier("up", "-d", "a")
        link = os.path.join(p.root, "volumes", p.name + "_data", "_data", "site")
        wait_for(lambda: os.path.islink(link), what=f"service a to plant {link}")
        up = p.pier("up", "-d", "b", check=False)
        if up.returncode == 0:
            # Had it started, b's /srv must not be the host's root (this test's own root is
            # a directory there that no container has).
            seen = p.pier("exec", "-T", "b", "sh", "-c", f"test -e /srv{p.root} && echo host-root", check=False)
            self.assertNotIn("host-root", seen.stdout, "service b sees the host's root through the subpath")
        self.assertNotEqual(up.returncode, 0, "the subpath leaves the volume: b must not start\n" + up.stdout)
        err = up.stderr + p.supervisor_log()
        self.assertIn("subpath site -> /srv", err)
        self.assertIn("a symlink in the volume leads outside it", err)


if __name__ == "__main__":
    unittest.main()
