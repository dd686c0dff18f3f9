"""network_mode none/host/service:/container:, pid/ipc/uts sharing, and `service:`
sharing that survives a restart of the provider (Docker Compose loses it there)."""
import os
import signal
import unittest

from harness import Project, pid_alive, wait_for

WEB = 'mkdir -p /www && echo "hello-from-$0" > /www/index.html && exec httpd -f -p "$1" -h /www'


def interfaces(text):
    """Interface names from /proc/net/dev."""
    return sorted(line.split(":")[0].strip() for line in text.splitlines()[2:] if ":" in line)


def ns_of(pid, kind):
    return os.readlink(f"/proc/{pid}/ns/{kind}")


def mounts_under(path):
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if line.split()[4].startswith(path)]


class NetworkModes(unittest.TestCase):
    def test_none_has_loopback_only_and_up(self):
        p = Project(self, f"""
            services:
              a:
                image: busybox
                network_mode: none
                command: ["sh", "-c", '{WEB}', "none", "127.0.0.1:8081"]
        """)
        p.pier("up", "-d")
        a = p.name + "-a-1"
        p.wait_state(a, "running")
        self.assertEqual(interfaces(p.pier("exec", "-T", "a", "cat", "/proc/net/dev").stdout), ["lo"])
        out = wait_for(lambda: p.pier("exec", "-T", "a", "wget", "-qO-", "http://127.0.0.1:8081/",
                                      check=False).stdout, what="httpd on loopback")
        self.assertIn("hello-from-none", out)
        self.assertNotEqual(ns_of(p.record(a)["pid"], "net"), ns_of(os.getpid(), "net"))
        self.assertEqual(p.record(a)["endpoints"], [])

    def test_host_sees_the_hosts_interfaces(self):
        p = Project(self, """
            services:
              a:
                image: busybox
                network_mode: host
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        a = p.name + "-a-1"
        p.wait_state(a, "running")
        self.assertEqual(ns_of(p.record(a)["pid"], "net"), ns_of(os.getpid(), "net"))
        with open("/proc/net/dev") as f:
            host = interfaces(f.read())
        self.assertEqual(interfaces(p.pier("exec", "-T", "a", "cat", "/proc/net/dev").stdout), host)
        self.assertEqual(p.pier("exec", "-T", "a", "hostname").stdout.strip(), os.uname().nodename)

    def test_service_sharing_survives_a_restart_of_the_provider(self):
        p = Project(self, f"""
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
              b:
                image: busybox
                network_mode: "service:a"
                command: ["sh", "-c", '{WEB}', "b", "8080"]
              c:
                image: busybox
                command: ["sh", "-c", '{WEB}', "c", "80"]
        """)
        p.pier("up", "-d")
        a, b, c = (p.name + s for s in ("-a-1", "-b-1", "-c-1"))
        for name in (a, b, c):
            p.wait_state(name, "running")
        records = p.records()
        netns = ns_of(records[a]["pid"], "net")
        self.assertEqual(ns_of(records[b]["pid"], "net"), netns)
        self.assertEqual(ns_of(records[b]["pid"], "uts"), ns_of(records[a]["pid"], "uts"))
        seen = interfaces(p.pier("exec", "-T", "b", "cat", "/proc/net/dev").stdout)
        self.assertEqual(seen, ["eth0", "lo"])
        self.assertEqual(interfaces(p.pier("exec", "-T", "a", "cat", "/proc/net/dev").stdout), seen)
        c_ip = records[c]["endpoints"][0]["ipv4"]

        def works():
            # b serves on a's address and name; b reaches c through a's interface.
            served = p.pier("exec", "-T", "c", "wget", "-qO-", "http://a:8080/", check=False).stdout
            reached = p.pier("exec", "-T", "b", "wget", "-qO-", f"http://{c_ip}/", check=False).stdout
            return "hello-from-b" in served and "hello-from-c" in reached
        wait_for(works, timeout=10, what="b serving through a's network")

        p.pier("restart", "a")
        p.wait_state(a, "running")
        after = p.records()
        self.assertNotEqual(after[a]["pid"], records[a]["pid"], "a was restarted")
        self.assertEqual(after[b]["pid"], records[b]["pid"], "b kept running")
        # a came back into the namespace it had, so b never lost it.
        self.assertEqual(ns_of(after[a]["pid"], "net"), netns)
        self.assertEqual(ns_of(after[b]["pid"], "net"), netns)
        self.assertEqual(interfaces(p.pier("exec", "-T", "b", "cat", "/proc/net/dev").stdout), seen)
        wait_for(works, timeout=10, what="b serving through a's network after a's restart")

        # The held namespace is a mount under the run dir, gone after a crash and down.
        held = mounts_under(p.run_dir)
        self.assertEqual(sorted(os.path.basename(m) for m in held), [a + ".net", a + ".uts"])
        sup = p.supervisor_pid()
        os.kill(sup, signal.SIGKILL)
        wait_for(lambda: not pid_alive(sup), what="supervisor gone")
        self.assertIn("Up", p.pier("ps").stdout)
        p.pier("down", "-t", "1")
        self.assertEqual(mounts_under(p.root), [])

    def test_container_sharing_by_name(self):
        name = "e2ecnt" + os.urandom(3).hex()
        p = Project(self, f"""
            services:
              a:
                image: busybox
                command: ["sh", "-c", '{WEB}', "a", "8080"]
              b:
                image: busybox
                network_mode: "container:{name}-a-1"
                command: ["sleep", "1000"]
        """, name=name)
        p.pier("up", "-d")
        a, b = name + "-a-1", name + "-b-1"
        p.wait_state(a, "running")
        p.wait_state(b, "running")
        r = p.records()
        self.assertEqual(ns_of(r[b]["pid"], "net"), ns_of(r[a]["pid"], "net"))
        self.assertEqual(interfaces(p.pier("exec", "-T", "b", "cat", "/proc/net/dev").stdout),
                         interfaces(p.pier("exec", "-T", "a", "cat", "/proc/net/dev").stdout))
        # b reaches a's server on their shared loopback.
        out = wait_for(lambda: p.pier("exec", "-T", "b", "wget", "-qO-", "http://127.0.0.1:8080/",
                                      check=False).stdout, what="a's httpd from b")
        self.assertIn("hello-from-a", out)
        self.assertEqual(r[b]["endpoints"], [])

    def test_pid_ipc_and_uts_sharing(self):
        p = Project(self, """
            services:
              a:
                image: busybox
                command: ["sleep", "1000"]
              b:
                image: busybox
                pid: "service:a"
                ipc: "service:a"
                uts: host
                command: ["sleep", "1001"]
              h:
                image: busybox
                pid: host
                ipc: host
                command: ["sleep", "1002"]
        """)
        p.pier("up", "-d")
        a, b, h = (p.name + s for s in ("-a-1", "-b-1", "-h-1"))
        for name in (a, b, h):
            p.wait_state(name, "running")
        r = p.records()
        self.assertEqual(ns_of(r[b]["pid"], "pid"), ns_of(r[a]["pid"], "pid"))
        self.assertEqual(ns_of(r[b]["pid"], "ipc"), ns_of(r[a]["pid"], "ipc"))
        self.assertEqual(ns_of(r[b]["pid"], "uts"), ns_of(os.getpid(), "uts"))
        self.assertNotEqual(ns_of(r[b]["pid"], "net"), ns_of(r[a]["pid"], "net"), "only pid and ipc are shared")
        # b sees a's sleep (a is PID 1 there) and its own.
        ps = p.pier("exec", "-T", "b", "ps", "-o", "pid,args").stdout
        self.assertRegex(ps, r"\n\s*1\s+sleep 1000")
        self.assertIn("sleep 1001", ps)
        self.assertEqual(p.pier("exec", "-T", "b", "hostname").stdout.strip(), os.uname().nodename)
        self.assertEqual(ns_of(r[h]["pid"], "pid"), ns_of(os.getpid(), "pid"))
        self.assertEqual(ns_of(r[h]["pid"], "ipc"), ns_of(os.getpid(), "ipc"))
        self.assertIn("sleep 1002", p.pier("exec", "-T", "h", "ps", "-o", "pid,args").stdout)


if __name__ == "__main__":
    unittest.main()
