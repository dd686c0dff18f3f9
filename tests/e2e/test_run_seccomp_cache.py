"""The seccomp programs a supervisor compiles are kept under the run directory
(<root>/run/.seccomp) for the supervisors after it. An entry there is a security
boundary: one that is not exactly what pier wrote, or that someone else could have
written, is compiled again, never obeyed."""
import glob
import os
import struct
import unittest

from harness import Project, wait_for

COMPOSE = """
    services:
      s:
        image: busybox
        network_mode: none
"""
HEADER = struct.Struct("=8sIIQ")  # magic, key size, instructions, checksum (seccomp_cache.cpp)
ALLOW = struct.pack("=HBBI", 0x06, 0, 0, 0x7FFF0000)  # BPF_RET|BPF_K, SECCOMP_RET_ALLOW


def fnv1a(data):
    """pier's fnv1a (base/hash.h): its own offset basis."""
    h = 1469598103934665603
    for byte in data:
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


class RunSeccompCache(unittest.TestCase):
    def setUp(self):
        self.p = Project(self, COMPOSE, name="e2eperfsc" + os.urandom(2).hex())
        self.cache = os.path.join(self.p.root, "run", ".seccomp")

    def run_blocked_syscall(self):
        """`unshare -U` in a fresh supervisor: the default profile refuses unshare without
        CAP_SYS_ADMIN, and nothing else in the container would stop it."""
        wait_for(lambda: not self.p.supervisor_pid(), what="the previous supervisor to exit")
        proc = self.p.pier("run", "--rm", "-T", "s", "unshare", "-U", "true", check=False)
        self.p.remember_pids()
        return proc

    def entries(self):
        found = glob.glob(os.path.join(self.cache, "*.bpf"))
        self.assertTrue(found, "no seccomp cache entry was written")
        return found

    def assert_confined(self):
        proc = self.run_blocked_syscall()
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("Operation not permitted", proc.stderr)

    def test_the_next_supervisor_loads_the_program_instead_of_compiling_it(self):
        self.assert_confined()
        entry = self.entries()[0]
        st = os.stat(entry)
        self.assertEqual(st.st_mode & 0o7777, 0o600)
        self.assertEqual(os.stat(self.cache).st_mode & 0o7777, 0o700)
        self.assert_confined()
        # Not written again: the second supervisor read it.
        self.assertEqual(os.stat(entry).st_ino, st.st_ino)

    def test_an_entry_rewritten_to_allow_everything_is_compiled_again(self):
        self.assert_confined()
        for entry in self.entries():
            with open(entry, "r+b") as f:
                magic, key_size, count, checksum = HEADER.unpack(f.read(HEADER.size))
                f.seek(HEADER.size + key_size)
                f.write(ALLOW * count)
        self.assert_confined()

    def test_a_well_formed_entry_others_could_have_written_is_not_obeyed(self):
        self.assert_confined()
        for entry in self.entries():
            with open(entry, "rb") as f:
                magic, key_size, count, _ = HEADER.unpack(f.read(HEADER.size))
                key = f.read(key_size)
            program = ALLOW * count
            with open(entry, "wb") as f:
                f.write(HEADER.pack(magic, key_size, count, fnv1a(key + program)) + key + program)
            os.chmod(entry, 0o644)
        self.assert_confined()


if __name__ == "__main__":
    unittest.main()
