"""A supervisor left running by another pier build (pier was upgraded, or rebuilt, while
the project ran): the next command of this build asks it to exit and starts its own,
which adopts the running containers, instead of sending requests of this build to a
program that may not understand them. The "other build" is a copy of pier and
pier-supervisor whose supervisor carries another GNU build id, as any rebuild does."""
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

from harness import PIER, Project, free_port, http_get, pid_alive, wait_for
from rootless_user import RootlessUser
from test_rootless_project import open_tun_to_users

NOTICE = "is from another pier build"


def change_build_id(path):
    """Flips the bytes of the NT_GNU_BUILD_ID note of the ELF64 program at `path`."""
    with open(path, "r+b") as f:
        elf = f.read()
        assert elf[:4] == b"\x7fELF" and elf[4] == 2, f"{path}: not an ELF64 program"
        phoff, = struct.unpack_from("<Q", elf, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
        for i in range(phnum):
            p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", elf, phoff + i * phentsize)
            if p_type != 4:  # PT_NOTE
                continue
            at = p_offset
            while at + 12 <= p_offset + p_filesz:
                namesz, descsz, note_type = struct.unpack_from("<III", elf, at)
                desc = at + 12 + (namesz + 3) // 4 * 4
                if note_type == 3 and elf[at + 12:at + 12 + namesz] == b"GNU\0":  # NT_GNU_BUILD_ID
                    f.seek(desc)
                    f.write(bytes(b ^ 0xFF for b in elf[desc:desc + descsz]))
                    return
                at = desc + (descsz + 3) // 4 * 4
    raise AssertionError(f"{path} has no GNU build id")


class SupervisorHandover(unittest.TestCase):
    def other_build(self):
        """A directory with pier and a pier-supervisor of another build beside it (any
        user may run them)."""
        sibling = os.path.join(os.path.dirname(PIER), "pier-supervisor")
        self.assertTrue(os.path.exists(sibling), f"{sibling} is not built beside {PIER}")
        d = tempfile.mkdtemp(prefix="pier-e2e-other-build-")
        os.chmod(d, 0o755)
        self.addCleanup(shutil.rmtree, d, True)
        shutil.copy(PIER, os.path.join(d, "pier"))
        shutil.copy(sibling, os.path.join(d, "pier-supervisor"))
        change_build_id(os.path.join(d, "pier-supervisor"))
        return os.path.join(d, "pier")

    def test_a_supervisor_of_another_build_hands_its_running_containers_over(self):
        old_pier = self.other_build()
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["sh", "-c", "echo started; exec sleep 1000"]
        """)

        def old(*args):
            proc = subprocess.run([old_pier, *p.argv(*args)[1:]], capture_output=True, text=True, timeout=60,
                                  cwd=p.dir)
            self.assertEqual(proc.returncode, 0, f"old pier {args}:\n{proc.stderr}\n{p.supervisor_log()}")
            return proc

        old("up", "-d")
        name = f"{p.name}-s-1"
        p.wait_state(name, "running")
        container_pid = p.record(name)["pid"]
        old_supervisor = p.supervisor_pid()
        # Its own build's next command keeps it.
        self.assertNotIn(NOTICE, old("up", "-d").stderr)
        self.assertEqual(p.supervisor_pid(), old_supervisor)

        up = p.pier("up", "-d")
        self.assertIn(f"the supervisor of project {p.name} (pid {old_supervisor}) {NOTICE}", up.stderr)
        wait_for(lambda: not pid_alive(old_supervisor), what="the old supervisor to exit")
        new_supervisor = p.supervisor_pid()
        self.assertNotIn(new_supervisor, (0, old_supervisor))
        # Adopted, not restarted: the container keeps its process, and this build serves it.
        ps = p.pier("ps", "--format", "json")
        rows = [json.loads(line) for line in ps.stdout.splitlines()]
        self.assertEqual([(r["Name"], r["State"]) for r in rows], [(name, "running")], ps.stderr)
        self.assertEqual(p.record(name)["pid"], container_pid)
        self.assertIn("started", p.pier("logs", "s").stdout)
        self.assertEqual(p.pier("exec", "-T", "s", "echo", "in").stdout, "in\n")
        # Once: this build's supervisor is this build's.
        again = p.pier("up", "-d")
        self.assertNotIn(NOTICE, again.stderr)
        self.assertEqual(p.supervisor_pid(), new_supervisor)
        p.pier("down", "-t", "1")
        self.assertFalse(pid_alive(container_pid))

    def test_as_a_user_the_handed_over_project_keeps_its_published_port(self):
        # Rootless, the supervisor also holds the user's network namespace (pasta): the
        # old one leaves it to the new one, which publishes the port again.
        open_tun_to_users(self)
        old_pier = self.other_build()
        user = RootlessUser(self)
        user.seed_busybox()
        project = os.path.join(user.home, "handover")
        port = free_port()
        subprocess.run(["runuser", "-u", user.name, "--", "mkdir", "-p", project], check=True)
        compose = ("services:\n  web:\n    image: busybox\n    init: true\n"
                   "    command: [\"sh\", \"-c\", \"mkdir -p /www && echo handed-over > /www/index.html && "
                   "httpd -f -p 8080 -h /www\"]\n"
                   f"    ports: [\"127.0.0.1:{port}:8080\"]\n")
        subprocess.run(["runuser", "-u", user.name, "--", "sh", "-c", f"cat > {project}/compose.yaml"],
                       input=compose, text=True, check=True)
        old = subprocess.run(user.command([old_pier, "up", "-d"]), cwd=project, capture_output=True, text=True,
                             timeout=120)
        self.assertEqual(old.returncode, 0, old.stderr)
        self.assertIn("handed-over", http_get(port, timeout=15))
        with open(os.path.join(user.run_dir, "handover", "supervisor.pid")) as f:
            old_supervisor = int(f.read())

        up = user.pier("up", "-d", cwd=project)
        self.assertIn(NOTICE, up.stderr)
        wait_for(lambda: not pid_alive(old_supervisor), what="the old supervisor to exit")
        self.assertIn("handed-over", http_get(port, timeout=15))
        self.assertEqual(user.pier("exec", "-T", "web", "echo", "in", cwd=project).stdout, "in\n")
        self.assertNotIn(NOTICE, user.pier("up", "-d", cwd=project).stderr)
        user.pier("down", cwd=project, timeout=120)
        user.wait_no_processes()


if __name__ == "__main__":
    unittest.main()
