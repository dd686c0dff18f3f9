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

from harness import PIER, Project, pid_alive, wait_for

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
        """A directory with pier and a pier-supervisor of another build beside it."""
        sibling = os.path.join(os.path.dirname(PIER), "pier-supervisor")
        self.assertTrue(os.path.exists(sibling), f"{sibling} is not built beside {PIER}")
        d = tempfile.mkdtemp(prefix="pier-e2e-other-build-")
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


if __name__ == "__main__":
    unittest.main()
