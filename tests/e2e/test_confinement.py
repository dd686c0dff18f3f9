"""What a service may not take from the host: IPC sysctls in a shared IPC namespace, and a
start without device access control."""
import os
import subprocess
import unittest

from harness import Project


def mounted_fstype(path):
    """The filesystem type mounted exactly at `path` in this mount namespace, else None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == path:
                return fields[fields.index("-") + 1]
    return None


def read_sysctl(path):
    with open("/proc/sys/" + path) as f:
        return f.read().strip()


def restore_sysctl(path, value):
    if read_sysctl(path) != value:
        with open("/proc/sys/" + path, "w") as f:
            f.write(value)


class Confinement(unittest.TestCase):
    def test_an_ipc_sysctl_in_a_shared_ipc_namespace_is_refused_naming_service_and_sysctl(self):
        # Without the refusal `app` would write the host's value: ask for one a step from
        # it, and put it back if it changed.
        host_shmmax = read_sysctl("kernel/shmmax")
        self.addCleanup(restore_sysctl, "kernel/shmmax", host_shmmax)
        p = Project(self, f"""
            services:
              db:
                image: busybox
                command: ["sleep", "1000"]
              app:
                image: busybox
                command: ["sleep", "1000"]
                ipc: host
                sysctls:
                  kernel.shmmax: "{int(host_shmmax) - 1}"
              worker:
                image: busybox
                command: ["sleep", "1000"]
                ipc: service:db
                sysctls: [fs.mqueue.msg_max=20]
              owner:
                image: busybox
                command: ["sleep", "1000"]
                ipc: shareable
                sysctls: {{kernel.shmmax: "4096"}}
        """)
        out = p.pier("up", "-d", "app", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('compose.yaml:10:5: service "app": sysctls: sysctl `kernel.shmmax` belongs to the IPC '
                      "namespace, and this container uses the host's", out.stderr)
        out = p.pier("up", "-d", "worker", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('service "worker": sysctls: sysctl `fs.mqueue.msg_max` belongs to the IPC namespace, '
                      "and this container uses another container's", out.stderr)
        self.assertEqual(read_sysctl("kernel/shmmax"), host_shmmax)
        # The owner of its IPC namespace may set it, there only.
        p.pier("up", "-d", "owner")
        self.assertEqual(p.pier("exec", "-T", "owner", "cat", "/proc/sys/kernel/shmmax").stdout.strip(), "4096")
        self.assertEqual(read_sysctl("kernel/shmmax"), host_shmmax)

    @unittest.skipUnless(os.geteuid() == 0, "needs root")
    def test_a_v1_host_without_the_devices_controller_refuses_a_confined_container(self):
        if mounted_fstype("/sys/fs/cgroup") == "cgroup2" or mounted_fstype("/sys/fs/cgroup/devices") != "cgroup":
            self.skipTest("needs a cgroup v1 host with the devices controller at /sys/fs/cgroup/devices")
        p = Project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
        """)
        # The devices hierarchy is unmounted only in a private mount namespace that the CLI
        # and the supervisor it starts live in; the host keeps it.
        hide = 'umount /sys/fs/cgroup/devices && exec "$@"'
        argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", hide, "sh", *p.argv("up", "-d")]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=p.dir)
        p.remember_pids()
        self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("no v1 devices hierarchy is mounted", out.stderr + p.supervisor_log())
        self.assertIn("refusing to start it", out.stderr + p.supervisor_log())
        self.assertFalse(p.record(p.name + "-app-1") and p.record(p.name + "-app-1").get("pid"))


if __name__ == "__main__":
    unittest.main()
