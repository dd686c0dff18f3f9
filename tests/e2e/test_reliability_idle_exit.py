"""Commands that race the supervisor's idle exit: a supervisor with nothing to supervise
exits after each request, and a command that reaches it just then is not lost (the
supervisor refuses it as `exiting`, or never accepted it; the CLI starts a new one and
sends it again)."""
import collections
import threading
import unittest

from harness import Project

ROUNDS = 40
CLIS = 3


class ReliabilityIdleExit(unittest.TestCase):
    def test_commands_racing_the_idle_exit_start_a_new_supervisor(self):
        # Nothing to start (the one service is in a profile that is off): each `up -d`
        # starts a supervisor or reaches one another CLI started, which exits as soon as
        # it has answered, while the others connect and send.
        p = Project(self, """
            services:
              s:
                image: busybox
                profiles: [off]
                command: ["sleep", "1000"]
        """)
        failures = []

        def loop():
            for _ in range(ROUNDS):
                r = p.pier("up", "-d", check=False, timeout=60)
                if r.returncode != 0:
                    failures.append(r.stderr.strip())

        threads = [threading.Thread(target=loop) for _ in range(CLIS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(failures), 0, f"{len(failures)} of {ROUNDS * CLIS} commands failed: "
                                           f"{dict(collections.Counter(failures))}")


if __name__ == "__main__":
    unittest.main()
