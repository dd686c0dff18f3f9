"""Port ranges are published by the kernel alone: no proxy and no listening socket per
port, so "1-65535:1-65535" costs the supervisor nothing; host processes still reach
them on 127.0.0.1 (the output hook's DNAT with route_localnet on the bridge), and the
route_localnet that needs never lets a container reach the host's loopback services.
Traffic stays on loopback and on the bridges the tests make."""
import os
import random
import resource
import socket
import subprocess
import unittest

from harness import Project, http_get


def free_block(count):
    """A run of `count` TCP ports nothing on the host listens on."""
    rng = random.Random()
    for _ in range(50):
        base = rng.randrange(30000, 60000 - count)
        socks = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                socks.append(s)
                s.bind(("0.0.0.0", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise AssertionError(f"no {count} free ports in a row")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


WEB = """
    services:
      web:
        image: busybox
        command: ["sh", "-c", "mkdir -p /www && echo range-{a} > /www/index.html && httpd -p {a} -h /www && exec httpd -f -p {b} -h /www"]
        ports: ["{base}-{last}:{base}-{last}"]
      client:
        image: busybox
        command: ["sleep", "1000"]
"""


class PortRanges(unittest.TestCase):
    def test_a_range_is_published_by_the_kernel_and_reached_from_host_loopback_and_a_container(self):
        count = 2000
        base = free_block(count)
        a, b, last = base + 7, base + count - 1, base + count - 1
        p = Project(self, WEB.format(a=a, b=b, base=base, last=last))
        # 2000 proxies would need more than half of a 1024 limit: a range needs none.
        r = subprocess.run(p.argv("up", "-d"), capture_output=True, text=True, timeout=120, cwd=p.dir,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)))
        p.remember_pids()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(fd_count(p.supervisor_pid()), 100, "the supervisor holds no socket per port of the range")
        # From the host, at 127.0.0.1: the output hook's DNAT.
        self.assertIn(f"range-{a}", http_get(a))
        self.assertIn(f"range-{a}", http_get(b))
        # From a container: the gateway is a host address; prerouting's DNAT.
        out = p.pier("exec", "-T", "client", "sh", "-c",
                     f"gw=$(ip route | awk '/default/ {{print $3}}'); "
                     f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 $gw {a}").stdout
        self.assertIn(f"range-{a}", out)
        p.pier("down", "-t", "0")
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", a), timeout=1).close()

    def test_a_busy_port_inside_a_range_is_an_error_naming_it(self):
        count = 50
        base = free_block(count)
        squatter = socket.socket()
        squatter.bind(("0.0.0.0", base + 20))
        squatter.listen(1)
        self.addCleanup(squatter.close)
        p = Project(self, WEB.format(a=base, b=base + 1, base=base, last=base + count - 1))
        r = p.pier("up", "-d", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f":{base + 20}", r.stderr)
        self.assertIn("Address already in use", r.stderr)
        self.assertIn("service web", r.stderr)

    def test_a_container_cannot_reach_host_loopback_through_a_bridge_with_route_localnet(self):
        # The range sets route_localnet on the project's bridge. A container that can
        # change its own routes (NET_ADMIN) drops its local routes for 127/8, so a
        # datagram for 127.0.0.1 leaves through its gateway: without the table's
        # loopback_guard the host delivers it to a service listening on loopback only.
        # (UDP: a TCP handshake cannot finish, the answer from 127.0.0.1 is a martian
        # in the container, but the datagram alone is the attack.)
        listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(0.2)
        self.addCleanup(listener.close)
        port = listener.getsockname()[1]
        base = free_block(10)
        p = Project(self, f"""
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                ports: ["{base}-{base + 9}:{base}-{base + 9}"]
              attacker:
                image: busybox
                cap_add: [NET_ADMIN]
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        bridges = [l for l in os.listdir("/proc/sys/net/ipv4/conf") if l.startswith("pier-")]
        self.assertTrue(any(open(f"/proc/sys/net/ipv4/conf/{b}/route_localnet").read().strip() == "1"
                            for b in bridges), "the range set route_localnet on the bridge")
        # nslookup sends its query to SERVER:PORT over UDP; three tries a second.
        r = p.pier("exec", "-T", "attacker", "sh", "-c",
                   "ip route del local 127.0.0.1 table local && ip route del local 127.0.0.0/8 table local "
                   f"&& echo routed; timeout 3 nslookup probe 127.0.0.1:{port}; echo done",
                   check=False, timeout=30)
        self.assertIn("routed", r.stdout, r.stderr)
        self.assertIn("done", r.stdout, r.stderr)
        received = []
        try:
            while True:
                received.append(listener.recvfrom(512)[1])
        except socket.timeout:
            pass
        self.assertEqual(received, [], "a container reached a service listening on the host's 127.0.0.1")

if __name__ == "__main__":
    unittest.main()
