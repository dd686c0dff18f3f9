"""Rootless runtime: pier run by a user the test creates, as root of that user's user
namespace (rootless_user.py), on this machine's cgroups (v1 controllers owned by root,
nothing delegated), with `network_mode: none` and `host` services. Containers start
without cgroups (limits warned about once), stop and down kill every process through
the PID namespace, files container root writes belong to the user, keep-id keeps the
user's uid, and what needs a cgroup or a privilege the user lacks fails saying why."""
import json
import os
import unittest

from harness import Project, pid_alive, wait_for
from rootless_holder import RootlessProject, RootlessUser

TWO_SERVICES = """
    services:
      web:
        image: busybox
        network_mode: none
        init: true
        command: ["sh", "-c", "echo web-started; sleep 1000 & echo $$! > /data/child; while true; do sleep 1; done"]
        volumes: ["./data:/data"]
        healthcheck:
          test: ["CMD", "true"]
          interval: 1s
      tool:
        image: busybox
        network_mode: host
        command: ["sh", "-c", "echo tool-started; exec sleep 1000"]
"""


def host_pid_of_child(project, container):
    """The host pid of the background `sleep` web wrote to /data/child (its own pid
    namespace's number), found through its NSpid line."""
    with open(os.path.join(project.dir, "data", "child")) as f:
        inner = f.read().strip()
    init = project.record(container)["pid"]
    ns = os.readlink(f"/proc/{init}/ns/pid")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/pid") != ns:
                continue
            with open(f"/proc/{entry}/status") as f:
                nspid = [line.split()[-1] for line in f if line.startswith("NSpid:")]
            if nspid and nspid[0] == inner:
                return int(entry)
        except OSError:
            continue
    raise AssertionError(f"no process {inner} in the pid namespace of {container}")


class RootlessRuntime(unittest.TestCase):
    def test_two_services_run_exec_logs_and_down_kill_every_process_without_cgroups(self):
        user = RootlessUser(self)
        p = RootlessProject(user, TWO_SERVICES, files={"data/.keep": ""})
        up = p.pier("up", "-d")
        web, tool = p.name + "-web-1", p.name + "-tool-1"
        p.wait_state(web, "running")
        p.wait_state(tool, "running")
        # No cgroup: the records say so rather than naming one that does not exist.
        self.assertEqual(p.record(web)["cgroup"], "", p.record(web))
        self.assertNotIn("cgroup", up.stderr.lower(), up.stderr)

        rows = {r["Name"]: r["State"] for r in map(json.loads, p.pier("ps", "--format", "json").stdout.splitlines())}
        self.assertEqual(rows, {web: "running", tool: "running"})
        wait_for(lambda: "web-started" in p.pier("logs", "web").stdout, what="web's log line")
        wait_for(lambda: "tool-started" in p.pier("logs", "tool").stdout, what="tool's log line")
        wait_for(lambda: p.record(web).get("health") == "healthy", timeout=15, what="web healthy")

        # exec runs as the namespace's root, in the container's own pid namespace.
        self.assertEqual(p.pier("exec", "-T", "web", "id", "-u").stdout.strip(), "0")
        self.assertEqual(p.pier("exec", "-T", "web", "cat", "/proc/1/comm").stdout.strip(), "docker-init")
        # The default device nodes are the host's, bound: null swallows, zero gives zeros.
        self.assertEqual(p.pier("exec", "-T", "web", "sh", "-c",
                                "echo x > /dev/null && head -c 3 /dev/zero | od -An -tx1").stdout.split(),
                         ["00", "00", "00"])
        self.assertEqual(p.pier("run", "--rm", "-T", "tool", "echo", "one-off").stdout.strip(), "one-off")

        top = p.pier("top", "web").stdout
        self.assertIn("sleep 1000", top, top)

        child = host_pid_of_child(p, web)
        init = p.record(web)["pid"]
        p.pier("stop", "-t", "1", "web")
        # The init died, and with its pid namespace every other process in it.
        wait_for(lambda: not pid_alive(child) and not pid_alive(init), what="web's processes to end")
        # (down's exit code is networking's: it also removes the project's nft table.)
        p.pier("down", "-t", "1", check=False)
        self.assertEqual(p.records(), {})
        # The supervisor exits once it is idle, just after down answered.
        wait_for(lambda: [pid for pid in user.processes() if pid != user.holder.pid] == [],
                 what=lambda: f"the user's processes to end: {user.processes()}")

    def test_a_file_container_root_writes_in_a_bind_mount_belongs_to_the_user(self):
        user = RootlessUser(self)
        p = RootlessProject(user, """
            services:
              w:
                image: busybox
                network_mode: none
                command: ["sh", "-c", "echo hi > /out/by-root && chown 33:33 /out && touch /out/done && sleep 1000"]
                volumes: ["./out:/out"]
        """, files={"out/.keep": ""})
        p.pier("up", "-d")
        done = os.path.join(p.dir, "out", "done")
        wait_for(lambda: os.path.exists(done), what=lambda: f"the container's files\n{p.supervisor_log()}")
        st = os.stat(os.path.join(p.dir, "out", "by-root"))
        self.assertEqual((st.st_uid, st.st_gid), (user.uid, user.gid))
        # Its uid 33 is the user's 33rd subordinate id: never a real user of the host.
        st = os.stat(os.path.join(p.dir, "out"))
        self.assertEqual(st.st_uid, user.sub_start + 32)

    def test_limits_are_ignored_with_one_warning_naming_each_key(self):
        user = RootlessUser(self)
        p = RootlessProject(user, """
            services:
              a:
                image: busybox
                network_mode: none
                command: ["sleep", "1000"]
                mem_limit: 64m
                pids_limit: 50
              b:
                image: busybox
                network_mode: none
                command: ["sleep", "1000"]
                mem_limit: 32m
                cpus: 0.5
              plain:
                image: busybox
                network_mode: none
                command: ["sleep", "1000"]
        """)
        up = p.pier("up", "-d")
        for service in ("a", "b", "plain"):
            p.wait_state(f"{p.name}-{service}-1", "running")
        warnings = [line for line in up.stderr.splitlines() if "limits are ignored" in line]
        self.assertEqual(len(warnings), 1, up.stderr)
        self.assertIn("mem_limit (a, b)", warnings[0])
        self.assertIn("cpus (b)", warnings[0])
        self.assertIn("pids_limit (a)", warnings[0])
        self.assertNotIn("plain", warnings[0])

    def test_pause_without_a_cgroup_fails_saying_why_and_the_container_runs_on(self):
        user = RootlessUser(self)
        p = RootlessProject(user, """
            services:
              s:
                image: busybox
                network_mode: none
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        name = p.name + "-s-1"
        p.wait_state(name, "running")
        proc = p.pier("pause", "s", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(f"pause {name}: the container has no cgroup", proc.stderr)
        self.assertIn("freezing needs the cgroup freezer", proc.stderr)
        self.assertEqual(p.record(name)["state"], "running")

    def test_a_shared_pid_namespace_without_a_cgroup_is_refused(self):
        # Its processes could not all be found and stopped: nothing holds them together.
        user = RootlessUser(self)
        p = RootlessProject(user, """
            services:
              s:
                image: busybox
                network_mode: none
                pid: host
                command: ["sleep", "1000"]
        """)
        proc = p.pier("up", "-d", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("sharing a PID namespace", proc.stderr + proc.stdout)
        self.assertIn("needs a cgroup", proc.stderr + proc.stdout)

    def test_ulimits_and_oom_score_adj_above_the_users_are_refused_before_start(self):
        user = RootlessUser(self)
        hard = int(user.run(["sh", "-c", "ulimit -Hn"]).stdout.strip())
        p = RootlessProject(user, f"""
            services:
              s:
                image: busybox
                network_mode: none
                command: ["sleep", "1000"]
                ulimits:
                  nofile: {hard + 1}
        """)
        proc = p.pier("up", "-d", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(f"ulimits.nofile: hard limit {hard + 1} is above this host's limit {hard}", proc.stderr)
        self.assertIn("a rootless pier does not have", proc.stderr)
        p.write("compose.yaml", """
            services:
              s:
                image: busybox
                network_mode: none
                command: ["sleep", "1000"]
                oom_score_adj: -500
        """)
        proc = p.pier("up", "-d", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("oom_score_adj -500 is below pier's own", proc.stderr)

    def test_keep_id_runs_as_the_user_and_files_in_home_belong_to_them(self):
        user = RootlessUser(self)
        p = RootlessProject(user, f"""
            services:
              app:
                image: busybox
                network_mode: none
                userns_mode: keep-id
                command: ["sh", "-c", "id -u > $$HOME/ids; id -g >> $$HOME/ids; touch $$HOME/written; sleep 1000"]
                environment:
                  HOME: {user.home}
                volumes: ["{user.home}:{user.home}"]
        """)
        p.pier("up", "-d")
        written = os.path.join(user.home, "written")
        wait_for(lambda: os.path.exists(written), what=lambda: f"the app's file\n{p.supervisor_log()}")
        st = os.stat(written)
        self.assertEqual((st.st_uid, st.st_gid), (user.uid, user.gid))
        with open(os.path.join(user.home, "ids")) as f:
            self.assertEqual(f.read().split(), [str(user.uid), str(user.gid)])
        # Container root is a subordinate id, not the user.
        out = p.pier("exec", "-T", "-u", "0", "app", "sh", "-c", "cat /proc/self/uid_map").stdout.split()
        self.assertEqual(out[:3], [str(user.uid), "0", "1"])

    def test_keep_id_over_a_single_id_map(self):
        # Without subordinate ids only the user exists inside: the container still starts.
        user = RootlessUser(self, full_map=False)
        p = RootlessProject(user, f"""
            services:
              app:
                image: busybox
                network_mode: none
                userns_mode: keep-id
                command: ["sh", "-c", "touch /h/written; sleep 1000"]
                volumes: ["{user.home}:/h"]
        """)
        p.pier("up", "-d")
        written = os.path.join(user.home, "written")
        wait_for(lambda: os.path.exists(written), what=lambda: f"the app's file\n{p.supervisor_log()}")
        self.assertEqual(os.stat(written).st_uid, user.uid)

    def test_a_single_id_map_runs_containers_and_refuses_supplementary_groups(self):
        # Its gid_map was written without newgidmap: setgroups is denied below it.
        user = RootlessUser(self, full_map=False)
        p = RootlessProject(user, """
            services:
              plain:
                image: busybox
                network_mode: none
                command: ["sleep", "1000"]
              grouped:
                image: busybox
                network_mode: none
                group_add: ["0"]
                command: ["sleep", "1000"]
        """)
        proc = p.pier("up", "-d", check=False)
        p.wait_state(p.name + "-plain-1", "running")
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("supplementary groups cannot be set: pier's user namespace denies setgroups", proc.stderr)

    def test_pause_top_and_stop_use_a_delegated_cgroup(self):
        user = RootlessUser(self, delegate_cgroup=True)
        p = RootlessProject(user, """
            services:
              s:
                image: busybox
                network_mode: none
                command: ["sh", "-c", "sleep 1000 & exec sleep 1001"]
        """)
        p.pier("up", "-d")
        name = p.name + "-s-1"
        p.wait_state(name, "running")
        cgroup = p.record(name)["cgroup"]
        self.assertEqual(cgroup, f"pier/{p.kernel_name}/{name}")
        procs = os.path.join(user.cgroup, cgroup, "cgroup.procs")
        wait_for(lambda: len(open(procs).read().split()) == 2, what="both sleeps in the container's cgroup")
        p.pier("pause", "s")
        with open(os.path.join(user.cgroup, cgroup, "cgroup.events")) as f:
            self.assertIn("frozen 1", f.read())
        p.pier("unpause", "s")
        self.assertIn("sleep 1001", p.pier("top", "s").stdout)
        p.pier("down", "-t", "1", check=False)
        self.assertEqual(p.records(), {})
        self.assertFalse(os.path.exists(os.path.join(user.cgroup, cgroup)))


class KeepIdRootful(unittest.TestCase):
    def test_keep_id_run_by_root_is_an_error_naming_the_key(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                userns_mode: keep-id
                command: ["true"]
        """)
        proc = p.pier("up", "-d", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("compose.yaml:5:", proc.stderr)
        self.assertIn("userns_mode `keep-id` needs a rootless pier", proc.stderr)

    def test_other_userns_modes_are_refused_by_the_loader_with_their_place(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                userns_mode: auto
        """)
        proc = p.pier("config", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("compose.yaml:5:18", proc.stderr)
        self.assertIn("userns_mode `auto` is not supported", proc.stderr)
