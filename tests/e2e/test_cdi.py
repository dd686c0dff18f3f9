"""CDI devices end to end: a fake vendor spec in a temporary spec dir (PIER_CDI_SPEC_DIRS),
its device node backed by the host's /dev/null, its env, mount and OCI hooks, and the
errors for a name no spec defines and a hook that hangs."""
import os
import textwrap
import unittest

from harness import Project

# createContainer: runs in the container's mount namespace before pivot_root, and finds
# the rootfs through the bundle's config.json, as nvidia-ctk's hooks do.
CREATE_HOOK = r"""#!/bin/sh
state=$(cat)
bundle=$(printf '%s' "$state" | sed -n 's/.*"bundle":"\([^"]*\)".*/\1/p')
root=$(sed -n 's/.*"root":{"path":"\([^"]*\)".*/\1/p' "$bundle/config.json")
printf '%s\n' "$1" > "$root/cdi-create-hook"
"""

# poststart and poststop run on the host: each appends the state it was given.
HOST_HOOK = """#!/bin/sh
cat >> "$1"
echo >> "$1"
"""


class Cdi(unittest.TestCase):
    def spec_dir(self, p, devices, edits, kind="pier.test/fake"):
        """A spec dir under the project's root holding one spec of `kind`; returns its path."""
        d = os.path.join(p.root, "cdi")
        os.makedirs(os.path.join(d, "share"))
        with open(os.path.join(d, "share", "greeting"), "w") as f:
            f.write("hello from the vendor\n")
        for name, text in (("create-hook", CREATE_HOOK), ("host-hook", HOST_HOOK)):
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)
        spec = "cdiVersion: 0.6.0\nkind: %s\ndevices:\n" % kind + textwrap.dedent(devices)
        spec += "containerEdits:\n" + textwrap.indent(textwrap.dedent(edits).replace("{dir}", d), "  ")
        with open(os.path.join(d, "fake.yaml"), "w") as f:
            f.write(spec)
        # pier reads no spec that anyone but root could have written.
        os.chmod(d, 0o755)
        os.chmod(os.path.join(d, "fake.yaml"), 0o644)
        return d

    def test_a_cdi_device_gets_its_node_env_mount_and_hooks(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                devices: ["pier.test/fake=one"]
        """)
        d = self.spec_dir(p, """
            - name: one
              containerEdits:
                deviceNodes:
                - path: /dev/fake/one
                  hostPath: /dev/null
                  permissions: rw
                env: [FAKE_DEVICE=one]
            - name: two
              containerEdits:
                deviceNodes: [{path: /dev/fake/two, hostPath: /dev/zero}]
        """, """
            env: [FAKE_VENDOR=pier]
            mounts:
            - hostPath: {dir}/share
              containerPath: /opt/fake
              options: [ro, nosuid, nodev, bind]
            hooks:
            - hookName: createContainer
              path: {dir}/create-hook
              args: [create-hook, created-by-hook]
              env: [PATH=/usr/bin:/bin]
            - hookName: startContainer
              path: /bin/sh
              args: [sh, -c, "echo $PIER_HOOK_WORD > /cdi-start-hook"]
              env: [PIER_HOOK_WORD=inside]
            - hookName: poststart
              path: {dir}/host-hook
              args: [host-hook, {dir}/poststart.log]
              env: [PATH=/usr/bin:/bin]
            - hookName: poststop
              path: {dir}/host-hook
              args: [host-hook, {dir}/poststop.log]
              env: [PATH=/usr/bin:/bin]
        """)
        env = {"PIER_CDI_SPEC_DIRS": d}
        p.pier("up", "-d", env=env)

        def run(*argv):
            return p.pier("exec", "-T", "app", *argv).stdout.strip()

        # The node is a char device 1:3 (the host's /dev/null) at the spec's path.
        self.assertEqual(run("stat", "-c", "%F %t:%T", "/dev/fake/one"), "character special file 1:3")
        self.assertFalse(os.path.exists("/dev/fake"), "nothing is created on the host")
        self.assertEqual(run("ls", "/dev/fake"), "one", "only the device asked for")
        self.assertEqual(run("sh", "-c", "echo x > /dev/fake/one && echo written"), "written")
        env_lines = run("env").splitlines()
        self.assertIn("FAKE_DEVICE=one", env_lines)
        self.assertIn("FAKE_VENDOR=pier", env_lines)
        self.assertEqual(run("cat", "/opt/fake/greeting"), "hello from the vendor")
        self.assertNotEqual(p.pier("exec", "-T", "app", "touch", "/opt/fake/x", check=False).returncode, 0,
                            "the spec's `ro` holds")
        mount_opts = [line.split()[3] for line in run("cat", "/proc/mounts").splitlines() if line.split()[1] == "/opt/fake"]
        self.assertEqual(len(mount_opts), 1)
        self.assertIn("nosuid", mount_opts[0].split(","))
        self.assertIn("nodev", mount_opts[0].split(","))
        # Each hook ran at its stage, where its stage says.
        self.assertEqual(run("cat", "/cdi-create-hook"), "created-by-hook")
        self.assertEqual(run("cat", "/cdi-start-hook"), "inside")
        with open(os.path.join(d, "poststart.log")) as f:
            started = f.read()
        self.assertIn('"status":"running"', started)
        self.assertIn('"id":"%s-app-1"' % p.name, started)
        self.assertFalse(os.path.exists(os.path.join(d, "poststop.log")))
        p.pier("down", "-t", "1")
        with open(os.path.join(d, "poststop.log")) as f:
            self.assertIn('"status":"stopped"', f.read())

    def test_gpu_requests_take_the_gpus_they_name_with_their_cgroup_rules_and_groups(self):
        p = Project(self, """
            services:
              all:
                image: busybox
                command: ["sleep", "1000"]
                gpus: all
              one:
                image: busybox
                command: ["sleep", "1000"]
                deploy:
                  resources:
                    reservations:
                      devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
        """)
        # A fake NVIDIA spec: the GPUs are /dev/null and /dev/zero; the control node is
        # the host's /dev/loop-control (10:237), which no container may open by default
        # (and which root opens without capabilities), allowed for reading only.
        d = self.spec_dir(p, """
            - name: "0"
              containerEdits:
                deviceNodes: [{path: /dev/nvidia0, hostPath: /dev/null}]
            - name: "1"
              containerEdits:
                deviceNodes: [{path: /dev/nvidia1, hostPath: /dev/zero}]
        """, """
            deviceNodes: [{path: /dev/nvidiactl, hostPath: /dev/loop-control, permissions: r}]
            additionalGIDs: [4242]
        """, kind="nvidia.com/gpu")
        p.pier("up", "-d", env={"PIER_CDI_SPEC_DIRS": d})

        def run(service, script):
            return p.pier("exec", "-T", service, "sh", "-c", script).stdout.split()

        self.assertEqual(run("all", "ls /dev/nvidia*"), ["/dev/nvidia0", "/dev/nvidia1", "/dev/nvidiactl"])
        self.assertEqual(run("one", "ls /dev/nvidia*"), ["/dev/nvidia0", "/dev/nvidiactl"])
        # The node's cgroup rule is the spec's: reading allowed, writing refused.
        self.assertEqual(run("one", "exec 3< /dev/nvidiactl && echo opened"), ["opened"])
        self.assertEqual(run("one", "(exec 3> /dev/nvidiactl) 2>/dev/null || echo refused"), ["refused"])
        self.assertIn("4242", run("one", "id -G"))

    def test_an_unknown_cdi_device_fails_up_naming_service_name_and_dirs(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                devices: ["pier.test/fake=three"]
        """)
        d = self.spec_dir(p, "- name: one\n  containerEdits: {env: [A=1]}\n", "env: [B=2]\n")
        out = p.pier("up", "-d", check=False, env={"PIER_CDI_SPEC_DIRS": d + ":/nonexistent-cdi"})
        self.assertNotEqual(out.returncode, 0)
        err = out.stdout + out.stderr
        self.assertIn('service "app"', err)
        self.assertIn("CDI device `pier.test/fake=three` is not defined in any spec (searched %s, /nonexistent-cdi)" % d,
                      err)

    def test_a_hook_that_outlives_its_timeout_is_killed_and_fails_the_start(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                devices: ["pier.test/fake=one"]
        """)
        d = self.spec_dir(p, "- name: one\n  containerEdits: {env: [A=1]}\n", """
            hooks:
            - hookName: createRuntime
              path: /bin/sleep
              args: [sleep, "30"]
              timeout: 1
        """)
        out = p.pier("up", "-d", check=False, timeout=25, env={"PIER_CDI_SPEC_DIRS": d})
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("createRuntime hook `/bin/sleep` timed out after 1 s and was killed",
                      out.stdout + out.stderr + p.supervisor_log())


if __name__ == "__main__":
    unittest.main()
