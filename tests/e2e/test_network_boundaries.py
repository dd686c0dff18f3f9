"""What a compose file may not do to the host's network: bridge names that would
change the nft rules pier writes are refused before any bridge or table is made, and
host ports that two services would both publish are an error before anything starts.
The only nft table the test makes is its own sentinel, removed at the end."""
import os
import resource
import socket
import subprocess
import unittest

from harness import Nft, Project, free_port, free_ports, nft_table


class NetworkBoundaries(unittest.TestCase):
    def sentinel(self):
        """A table of the test's own with a chain: an injected `flush ruleset` would take it."""
        nft = Nft()
        name = f"netb_sentinel_{os.getpid()}"
        ok, out = nft.run(f"add table inet {name}\nadd chain inet {name} keep\n")
        self.assertTrue(ok, out)
        self.addCleanup(nft.run, f"delete table inet {name}")
        return nft, name

    def test_bridge_names_that_would_inject_nft_text_are_located_errors(self):
        nft, sentinel = self.sentinel()
        names = {
            "quote_comment": "'pn\"accept#'",             # a valid Linux ifname, but not nft text
            "flush": "'x\"; flush ruleset; \"'",
            "newline": '"pn\\nflush"',
            "too_long": "pier0123456789abc",
        }
        for case, yaml_value in names.items():
            with self.subTest(case):
                p = Project(self, f"""
                    services:
                      a:
                        image: busybox
                        command: ["sleep", "1000"]
                        networks: [front]
                    networks:
                      front:
                        driver_opts:
                          com.docker.network.bridge.name: {yaml_value}
                """)
                r = p.pier("up", "-d", check=False)
                self.assertNotEqual(r.returncode, 0)
                # Refused by the loader at the value itself (the network module checks again).
                self.assertIn("compose.yaml:10:39: networks.front: invalid bridge name", r.stderr)
                self.assertIn("a link name is 1 to 15 of [a-zA-Z0-9_.-]", r.stderr)
                tables = nft.run("list tables")[1]
                self.assertNotIn(f"pier_{p.name}", tables)
                self.assertIn("chain keep", nft.run(f"list table inet {sentinel}")[1])
                self.assertEqual(p.records(), {})
                self.assertNotIn("pn\"accept#", {n for _, n in socket.if_nameindex()})

    def test_external_network_names_are_checked_too(self):
        p = Project(self, """
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
                networks: [outside]
            networks:
              outside:
                external: true
                name: 'br"accept#'
        """)
        r = p.pier("up", "-d", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("compose.yaml:10:11: networks.outside: invalid network name `br\"accept#`", r.stderr)

    def test_ipv4_only_containers_have_no_ipv6_and_refuse_router_advertisements(self):
        p = Project(self, """
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        p.wait_state(p.name + "-a-1", "running")
        keys = ["all/disable_ipv6", "eth0/disable_ipv6", "lo/disable_ipv6", "eth0/accept_ra", "default/accept_ra"]
        out = p.pier("exec", "-T", "a", "cat", *[f"/proc/sys/net/ipv6/conf/{k}" for k in keys]).stdout.split()
        self.assertEqual(dict(zip(keys, out)), {"all/disable_ipv6": "1", "eth0/disable_ipv6": "1",
                                                "lo/disable_ipv6": "1", "eth0/accept_ra": "0",
                                                "default/accept_ra": "0"})
        hosts = p.pier("exec", "-T", "a", "cat", "/etc/hosts").stdout
        self.assertIn("127.0.0.1\tlocalhost", hosts)
        self.assertNotIn("::1", hosts)

    def test_projects_a_dash_b_and_a_underscore_b_keep_their_own_nat_tables(self):
        # Older pier named both tables pier_a_b: one project's down took the other's NAT.
        stem = "nt" + os.urandom(3).hex()
        compose = """
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                ports: ["{port}:80"]
        """
        port_dash, port_under = free_ports(2)
        dash = Project(self, compose.format(port=port_dash), name=stem + "-x")
        under = Project(self, compose.format(port=port_under), name=stem + "_x")
        self.assertNotEqual(nft_table(dash.kernel_name), nft_table(under.kernel_name))
        dash.pier("up", "-d")
        under.pier("up", "-d")
        tables = Nft().tables()
        self.assertIn(nft_table(dash.kernel_name), tables)
        self.assertIn(nft_table(under.kernel_name), tables)
        dash.pier("down")
        self.assertIn(nft_table(under.kernel_name), Nft().tables())
        self.assertNotIn(nft_table(dash.kernel_name), Nft().tables())
        under.pier("down")

    def test_a_host_port_two_services_publish_is_an_error_before_anything_starts(self):
        port = free_port()
        p = Project(self, f"""
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
                ports: ["{port}:80"]
              b:
                image: busybox
                command: ["sleep", "1000"]
                ports: ["127.0.0.1:{port}:81"]
        """)
        r = p.pier("up", "-d", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"services a and b both publish host port {port}/tcp on 127.0.0.1", r.stderr)
        self.assertIn("compose.yaml:10:", r.stderr)
        self.assertEqual(p.records(), {})

    def test_published_ports_beyond_the_open_file_limit_are_an_error_before_anything_starts(self):
        # Single ports (all to container port 80, so not a range the kernel publishes
        # alone): each needs a proxy's listening socket.
        ports = ", ".join(f'"127.0.0.1:{20000 + 2 * i}:80"' for i in range(1500))
        p = Project(self, f"""
            services:
              wide:
                image: busybox
                command: ["sleep", "1000"]
                ports: [{ports}]
        """)
        # The CLI starts the supervisor, which inherits the limit (and raises its soft
        # limit to the hard one): 1500 listeners > 1024.
        r = subprocess.run(p.argv("up", "-d"), capture_output=True, text=True, timeout=120, cwd=p.dir,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)))
        p.remember_pids()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("compose.yaml:6:", r.stderr)
        self.assertIn("1500 published ports need as many listening sockets", r.stderr)
        self.assertEqual(p.records(), {})

    def test_a_bad_host_ip_is_a_located_error_of_config(self):
        p = Project(self, """
            services:
              a:
                image: busybox
                ports: ["127.0.0.300:8080:80"]
        """)
        r = p.pier("config", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("compose.yaml:5:", r.stderr)
        self.assertIn("bad host IP `127.0.0.300`", r.stderr)


    def test_an_integer_subnet_is_a_located_error_before_the_supervisor(self):
        # YAML reads `subnet: 10` as a number. The loader refuses it where it is written;
        # the supervisor once read ipam as JSON and threw on it while making the bridge.
        p = Project(self, """
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
                networks: [back]
            networks:
              back:
                ipam:
                  config:
                    - subnet: 10
        """)
        want = "compose.yaml:11:19: networks.back: `ipam.config[0].subnet` must be a subnet in CIDR form"
        r = p.pier("config", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(want, r.stderr)
        r = p.pier("up", "-d", check=False)
        p.remember_pids()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(want, r.stderr)
        self.assertEqual(p.records(), {})
        self.assertNotIn(f"pier_{p.name}", Nft().tables())

if __name__ == "__main__":
    unittest.main()
