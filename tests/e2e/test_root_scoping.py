"""Two pier roots (--root) with a project of the same name: each root's supervisor makes
and removes only its own kernel objects (cgroup, bridge, veths, nft table)."""

import glob
import os
import socket
import unittest

from harness import Nft, Project, container_pids, free_ports, http_get, nft_table, pid_alive

WEB = "mkdir -p /www && echo hello-from-{root} > /www/index.html && exec httpd -f -p 80 -h /www"


def web_project(test, name, root_label, port):
    return Project(test, f"""
        services:
          web:
            image: busybox
            command: ["sh", "-c", "{WEB.format(root=root_label)}"]
            stop_grace_period: 1s
            ports: ["127.0.0.1:{port}:80"]
    """, name=name)


def links_of(project):
    """The project's bridges (its network record under its root) and host veth ends."""
    with open(os.path.join(project.root, "network", project.kernel_name + ".bridges")) as f:
        bridges = {line.strip() for line in f if line.strip()}
    veths = {ep["host_veth"] for r in project.records().values() for ep in r["endpoints"]}
    return bridges | veths


def links():
    return {name for _, name in socket.if_nameindex()}


def cgroup_of(project, container):
    return glob.glob(f"/sys/fs/cgroup/**/pier/{project.kernel_name}/{container}", recursive=True)


class RootScoping(unittest.TestCase):
    def test_same_project_name_in_two_roots_runs_and_downs_independently(self):
        name = "e2e" + os.urandom(3).hex()
        port_a, port_b = free_ports(2)
        a = web_project(self, name, "a", port_a)
        b = web_project(self, name, "b", port_b)
        self.assertNotEqual(a.kernel_name, b.kernel_name)
        a.pier("up", "-d")
        b.pier("up", "-d")
        self.assertIn("hello-from-a", http_get(port_a))
        self.assertIn("hello-from-b", http_get(port_b))

        web = name + "-web-1"
        rec_a, rec_b = a.record(web), b.record(web)
        self.assertNotEqual(rec_a["cgroup"], rec_b["cgroup"], "each root's container has its own cgroup")
        links_a, links_b = links_of(a), links_of(b)
        self.assertEqual(len(links_a), 2)
        self.assertEqual(links_a & links_b, set())
        self.assertLessEqual(links_a | links_b, links())
        tables = Nft().tables()
        self.assertIn(nft_table(a.kernel_name), tables)
        self.assertIn(nft_table(b.kernel_name), tables)
        self.assertEqual(container_pids(a.kernel_name) & container_pids(b.kernel_name), set())

        a.pier("down")
        self.assertFalse(pid_alive(rec_a["pid"]))
        self.assertEqual(cgroup_of(a, web), [])
        self.assertNotIn(nft_table(a.kernel_name), Nft().tables())
        self.assertEqual(links_a & links(), set())
        # b is untouched: its process, cgroup, table, links, and its published port.
        self.assertTrue(pid_alive(rec_b["pid"]))
        self.assertEqual(b.record(web)["state"], "running")
        self.assertTrue(cgroup_of(b, web))
        self.assertIn(rec_b["pid"], container_pids(b.kernel_name))
        self.assertIn(nft_table(b.kernel_name), Nft().tables())
        self.assertLessEqual(links_b, links())
        self.assertIn("hello-from-b", http_get(port_b))
        self.assertIn("hello-from-b", b.pier("exec", "-T", "web", "cat", "/www/index.html").stdout)

        b.pier("down")
        self.assertFalse(pid_alive(rec_b["pid"]))
        self.assertEqual(cgroup_of(b, web), [])
        self.assertNotIn(nft_table(b.kernel_name), Nft().tables())
        self.assertEqual(links_b & links(), set())
        # The harness's leak checks (processes, cgroups, links, tables, records) follow.


if __name__ == "__main__":
    unittest.main()
