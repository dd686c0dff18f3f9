"""What a supervisor gives back once its work is over (supervisor/memory_release.h): the
nftables context it applied the project's table with is freed, so the idle supervisor
holds no netfilter socket (nor libnftables' caches), and the next change to the table
makes a new context."""
import os
import unittest

from harness import Nft, Project, nft_table, wait_for

NETLINK_NETFILTER = 12


def netfilter_sockets(pid):
    """The descriptors of `pid` that are netfilter netlink sockets (matched by inode
    against the process's /proc/PID/net/netlink, whose last column is the inode)."""
    with open(f"/proc/{pid}/net/netlink") as f:
        next(f)
        netfilter = {fields[-1] for fields in map(str.split, f) if int(fields[1]) == NETLINK_NETFILTER}
    held = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[len("socket:["):-1] in netfilter:
            held.append(fd)
    return held


class SupervisorIdle(unittest.TestCase):
    def test_the_idle_supervisor_holds_no_nftables_socket_and_the_next_change_applies(self):
        p = Project(self, """
            services:
              web:
                image: busybox
                command: ["sleep", "1000"]
                ports: ["8080"]
              later:
                image: busybox
                command: ["sleep", "1000"]
                ports: ["9090"]
        """)
        p.pier("up", "-d", "web")
        pid = p.supervisor_pid()
        table = nft_table(p.kernel_name)
        nft = Nft()
        ok, ruleset = nft.run(f"list table inet {table}")
        self.assertTrue(ok, ruleset)
        self.assertIn(":8080", ruleset)
        wait_for(lambda: not netfilter_sockets(pid), timeout=10,
                 what=lambda: f"the idle supervisor to close its nftables socket (fds {netfilter_sockets(pid)})")

        # The same supervisor changes the table again, through a new context.
        p.pier("up", "-d", "later")
        self.assertEqual(p.supervisor_pid(), pid)
        ok, ruleset = nft.run(f"list table inet {table}")
        self.assertTrue(ok, ruleset)
        self.assertIn(":8080", ruleset)
        self.assertIn(":9090", ruleset)
        wait_for(lambda: not netfilter_sockets(pid), timeout=10, what="the socket of the second change to close")


if __name__ == "__main__":
    unittest.main()
