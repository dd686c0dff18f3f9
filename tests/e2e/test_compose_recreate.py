"""`up -d` after a change of a network's or an external volume's definition, as Docker
Compose's own scenarios expect (pkg/e2e networks_test.go TestNetworkConfigChanged and
TestNetworkRecreate, volumes_test.go TestUpSwitchVolumes): the network is removed and
made anew, the containers on it recreated; a container mounting another volume is
recreated. An unchanged network leaves everything alone."""
import os
import re
import subprocess
import unittest

from harness import Nft, Project, nft_table

# Two subnets no other test of the suite uses.
OLD_SUBNET, NEW_SUBNET = "10.177.61.0/24", "10.177.62.0/24"

NETWORK = """
    services:
      test:
        image: busybox
        init: true
        command: ["sleep", "1000"]
    networks:
      default:
        labels:
          purpose: ${LABEL:-first}
        ipam:
          config:
            - subnet: ${SUBNET:-10.177.61.0/24}
"""


def project(test, compose=NETWORK):
    return Project(test, compose, name="recreate" + os.urandom(3).hex())


def bridges_of(p):
    with open(os.path.join(p.root, "network", p.kernel_name + ".bridges")) as f:
        return [line.strip() for line in f if line.strip()]


def addresses_of(link):
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", link], capture_output=True, text=True, check=True)
    return re.findall(r"inet (\S+)", out.stdout)


def ports_of(bridge):
    out = subprocess.run(["ip", "-o", "link", "show", "master", bridge], capture_output=True, text=True, check=True)
    return [line.split(": ")[1].split("@")[0] for line in out.stdout.splitlines()]


def routes():
    return subprocess.run(["ip", "-4", "route"], capture_output=True, text=True, check=True).stdout


def ruleset_of(p):
    nft = Nft()
    ok, tables = nft.run("list tables")
    table = nft_table(p.kernel_name)
    heads = [line for line in tables.splitlines() if line.split()[-1:] == [table]]
    if not ok or not heads:
        return ""
    ok, out = nft.run("list " + heads[0])
    return out if ok else ""


class NetworkRecreate(unittest.TestCase):
    def address(self, p, service="test", env=None):
        return p.pier("exec", "-T", service, "hostname", "-i", env=env).stdout.strip()

    def test_a_subnet_change_makes_the_network_anew_and_recreates_its_containers(self):
        p = project(self)
        p.pier("up", "-d")
        name = f"{p.name}-test-1"
        self.assertTrue(self.address(p).startswith("10.177.61."))
        before = p.record(name)
        self.assertEqual(ports_of(bridges_of(p)[0]), [before["endpoints"][0]["host_veth"]])
        [bridge] = bridges_of(p)
        self.assertEqual(addresses_of(bridge), ["10.177.61.1/24"])

        new = {"SUBNET": NEW_SUBNET}
        up = p.pier("up", "-d", env=new)
        # Compose's lines: the containers on it go, the network is removed and created.
        self.assertRegex(up.stderr, rf"Container {name}\s+Recreate")
        self.assertRegex(up.stderr, rf"Network {p.name}_default\s+Removed")
        self.assertRegex(up.stderr, rf"Network {p.name}_default\s+Created")
        self.assertTrue(self.address(p, env=new).startswith("10.177.62."))
        after = p.record(name)
        self.assertNotEqual(after["id"], before["id"])

        # The same bridge name, only the new subnet on it, only the new container's veth
        # (named as the old one was) on it; no route or firewall rule of the old subnet.
        self.assertEqual(bridges_of(p), [bridge])
        self.assertEqual(addresses_of(bridge), ["10.177.62.1/24"])
        self.assertEqual(ports_of(bridge), [after["endpoints"][0]["host_veth"]])
        self.assertNotIn(OLD_SUBNET, routes())
        self.assertIn(NEW_SUBNET, routes())
        rules = ruleset_of(p)
        self.assertIn(NEW_SUBNET, rules)
        self.assertNotIn(OLD_SUBNET, rules)

        # Unchanged now: a third `up` leaves it all as it is.
        again = p.pier("up", "-d", env=new)
        self.assertNotIn("Network", again.stderr)
        self.assertEqual(p.record(name)["id"], after["id"])
        p.pier("down", env=new)

    def test_a_label_change_recreates_the_network_and_its_containers(self):
        p = project(self)
        p.pier("up", "-d")
        name = f"{p.name}-test-1"
        before = p.record(name)
        up = p.pier("up", "-d", env={"LABEL": "second"})
        self.assertRegex(up.stderr, rf"Network {p.name}_default\s+Created")
        after = p.record(name)
        self.assertNotEqual(after["id"], before["id"])
        self.assertEqual(after["state"], "running")
        self.assertTrue(self.address(p, env={"LABEL": "second"}).startswith("10.177.61."))
        p.pier("down", env={"LABEL": "second"})

    def test_an_unchanged_network_recreates_nothing(self):
        p = project(self)
        p.pier("up", "-d")
        name = f"{p.name}-test-1"
        before = p.record(name)
        again = p.pier("up", "-d")
        self.assertNotIn("Network", again.stderr)
        self.assertNotIn("Recreate", again.stderr)
        after = p.record(name)
        self.assertEqual((after["id"], after["started_at"], after["pid"]),
                         (before["id"], before["started_at"], before["pid"]))
        p.pier("down")

    def test_a_service_up_did_not_name_stops_when_its_network_is_made_anew(self):
        # Compose stops every container on the network before removing it; those of
        # services the `up` did not name stay stopped, the named ones are recreated.
        p = project(self, """
            services:
              test:
                image: busybox
                init: true
                command: ["sleep", "1000"]
              other:
                image: busybox
                init: true
                command: ["sleep", "1000"]
            networks:
              default:
                ipam:
                  config:
                    - subnet: ${SUBNET:-10.177.61.0/24}
        """)
        p.pier("up", "-d")
        new = {"SUBNET": NEW_SUBNET}
        up = p.pier("up", "-d", "test", env=new)
        self.assertRegex(up.stderr, rf"Container {p.name}-other-1\s+Stopped")
        self.assertEqual(p.record(f"{p.name}-other-1")["state"], "exited")
        self.assertEqual(p.record(f"{p.name}-test-1")["state"], "running")
        self.assertTrue(self.address(p, env=new).startswith("10.177.62."))
        # Started again, it joins the new network.
        p.pier("up", "-d", "other", env=new)
        self.assertTrue(self.address(p, "other", env=new).startswith("10.177.62."))
        p.pier("down", env=new)


class ScaleDown(unittest.TestCase):
    def test_scaling_down_keeps_the_up_to_date_replicas(self):
        # Compose's TestScaleDownNoRecreate: two replicas of an image, two more of a
        # rebuilt one beside them (--no-recreate), then a scale down to two keeps the
        # two of the new image and recreates nothing.
        p = project(self, """
            services:
              test:
                build: .
                init: true
                command: ["sleep", "1000"]
        """)
        p.write("Dockerfile", "FROM busybox\nARG FOO\nLABEL foo=$FOO\n")
        p.pier("build", "--build-arg", "FOO=test", timeout=120)
        p.pier("up", "-d", "--scale", "test=2")
        p.pier("build", "--build-arg", "FOO=updated", timeout=120)
        p.pier("up", "-d", "--scale", "test=4", "--no-recreate")
        names = [f"{p.name}-test-{n}" for n in (1, 2, 3, 4)]
        ids = {name: p.record(name)["id"] for name in names}
        down = p.pier("up", "-d", "--scale", "test=2")
        self.assertEqual(sorted(r for r in p.records() if "-test-" in r), names[2:])
        for name in names[2:]:
            self.assertEqual(p.record(name)["id"], ids[name])
            self.assertEqual(p.record(name)["state"], "running")
        self.assertNotRegex(down.stderr, r"Created|Started")
        p.pier("down")


class VolumeSwitch(unittest.TestCase):
    def test_switching_an_external_volume_recreates_the_container_on_the_new_one(self):
        p = project(self, """
            services:
              app:
                image: busybox
                init: true
                command: ["sleep", "1000"]
                volumes: ["ext:/data"]
            volumes:
              ext:
                external: true
                name: ${EXTERNAL_VOLUME}
        """)
        first, second = p.name + "-ext-1", p.name + "-ext-2"
        for volume in (first, second):
            data = os.path.join(p.root, "volumes", volume, "_data")
            os.makedirs(data)
            with open(os.path.join(data, "marker"), "w") as f:
                f.write(volume)
        name = f"{p.name}-app-1"
        env = {"EXTERNAL_VOLUME": first}
        p.pier("up", "-d", env=env)
        self.assertEqual(p.pier("exec", "-T", "app", "cat", "/data/marker", env=env).stdout, first)
        before = p.record(name)

        env = {"EXTERNAL_VOLUME": second}
        up = p.pier("up", "-d", env=env)
        self.assertRegex(up.stderr, rf"Container {name}\s+Recreate")
        self.assertEqual(p.pier("exec", "-T", "app", "cat", "/data/marker", env=env).stdout, second)
        self.assertNotEqual(p.record(name)["id"], before["id"])
        # The same volume again: nothing to do.
        again = p.pier("up", "-d", env=env)
        self.assertNotIn("Recreate", again.stderr)
        p.pier("down", env=env)


if __name__ == "__main__":
    unittest.main()
