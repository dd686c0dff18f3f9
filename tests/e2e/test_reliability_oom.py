"""Reliability: a container the kernel's OOM killer ends is reported as OOM killed (the
record, `ps --format json`, an "oom" event before "die"), and its neighbour runs on."""
import json
import os
import unittest

from harness import EventReader, Project, wait_for


class ReliabilityOom(unittest.TestCase):
    def test_a_container_over_its_memory_limit_is_reported_oom_killed_and_its_neighbour_runs_on(self):
        # `tail` keeps the last lines; /dev/zero has no newline, so its buffer grows until
        # the kernel kills it. It starts only when the test says so, once `events` listens.
        p = Project(self, """
            services:
              hog:
                image: busybox
                command: ["sh", "-c", "while [ ! -e /trigger/go ]; do sleep 0.1; done; exec tail /dev/zero"]
                mem_limit: 8m
                memswap_limit: 8m
                volumes: ["./trigger:/trigger"]
              keeper:
                image: busybox
                command: ["sleep", "1000"]
                mem_limit: 8m
                memswap_limit: 8m
        """, files={"trigger/.keep": ""})
        p.pier("up", "-d")
        hog, keeper = p.name + "-hog-1", p.name + "-keeper-1"
        p.wait_state(hog, "running")
        p.wait_state(keeper, "running")
        keeper_pid = p.record(keeper)["pid"]

        events = EventReader(p)
        self.addCleanup(events.close)
        # A pause the reader sees proves the subscription is live before the hog starts.
        def listening():
            p.pier("pause", "keeper")
            p.pier("unpause", "keeper")
            return wait_for(lambda: "unpause" in events.actions(keeper), timeout=1, what="unpause event")
        for attempt in range(10):
            try:
                listening()
                break
            except AssertionError:
                if attempt == 9:
                    raise
        # Its shell fits in the limit: what kills it is the allocation below.
        self.assertEqual(p.record(hog)["state"], "running", p.supervisor_log())
        with open(os.path.join(p.dir, "trigger", "go"), "w"):
            pass

        p.wait_state(hog, "exited", timeout=30)
        record = p.record(hog)
        self.assertEqual(record["exit_code"], 137, p.supervisor_log())
        self.assertTrue(record.get("oom_killed"), f"record: {record}\n{p.supervisor_log()}")

        rows = {r["Name"]: r for r in map(json.loads, p.pier("ps", "-a", "--format", "json").stdout.splitlines())}
        self.assertTrue(rows[hog].get("OOMKilled"), rows[hog])
        self.assertTrue(rows[hog]["Status"].startswith("Exited (137)"), rows[hog])
        self.assertIs(rows[keeper].get("OOMKilled"), False, rows[keeper])
        self.assertEqual(rows[keeper]["State"], "running")
        self.assertEqual(p.record(keeper)["pid"], keeper_pid)

        wait_for(lambda: "die" in events.actions(hog), timeout=10, what="die event")
        actions = events.actions(hog)
        self.assertIn("oom", actions, actions)
        self.assertLess(actions.index("oom"), actions.index("die"), actions)
        self.assertNotIn("oom", events.actions(keeper))
        self.assertIn("OOM killer", p.supervisor_log())


if __name__ == "__main__":
    unittest.main()
