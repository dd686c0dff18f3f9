"""Compose's pre_start steps through the real binary: each runs to completion in a
container of its own (the service's image or its own, the service's volumes and
networks) before the service's container starts, in order; a failing one fails `up`;
one that succeeded is not run again until its definition or the container changes."""
import os
import re
import unittest

from harness import project_with_outbox, read_out, wait_for


def wait_seen(out, text):
    """The service's main command copies what it found once it runs."""
    path = os.path.join(out, "seen")
    wait_for(lambda: os.path.exists(path) and read_out(out, "seen") == text, what="the service to see " + repr(text))


STEPS = """
    services:
      app:
        image: busybox
        environment: {{SVC: app}}
        # The main command shows what the steps left in the named volume.
        command: ["sh", "-c", "cat /data/steps > /out/seen; exec sleep 1000"]
        stop_grace_period: 1s
        volumes: ["data:/data", "./out:/out"]
        pre_start:
          - command: ["sh", "-c", "echo one $$SVC $$STEP >> /data/steps; echo run >> /out/runs"]
            environment: {{STEP: first}}
          - command: ["sh", "-c", "test -s /data/steps && echo {second} >> /data/steps"]
    volumes:
      data: {{}}
"""


class PreStart(unittest.TestCase):
    def test_steps_run_in_order_before_the_service_and_once_per_definition(self):
        p, out = project_with_outbox(self, STEPS.format(second="two"))
        p.pier("up", "-d")
        app = p.name + "-app-1"
        wait_seen(out, "one app first\ntwo\n")
        # The step containers are gone: the service's is the only one left.
        self.assertEqual(list(p.records()), [app])
        # Nothing changed: the steps that succeeded are not run again, neither for a
        # running container nor for a stopped one that `up` starts again.
        p.pier("up", "-d")
        p.pier("stop")
        os.remove(os.path.join(out, "seen"))
        p.pier("up", "-d")
        wait_seen(out, "one app first\ntwo\n")
        self.assertEqual(read_out(out, "runs"), "run\n")
        # A changed step recreates the container, and the steps run again before it.
        p.write("compose.yaml", STEPS.format(second="three"))
        os.remove(os.path.join(out, "seen"))
        p.pier("up", "-d")
        self.assertEqual(read_out(out, "runs"), "run\nrun\n")
        wait_seen(out, "one app first\ntwo\none app first\nthree\n")

    def test_start_runs_the_steps_of_a_container_created_without_them_and_restart_does_not(self):
        p, out = project_with_outbox(self, STEPS.format(second="two"))
        p.pier("up", "--no-start")
        self.assertFalse(os.path.exists(os.path.join(out, "runs")))
        p.pier("start")
        wait_seen(out, "one app first\ntwo\n")
        p.pier("restart")
        p.wait_state(p.name + "-app-1", "running")
        self.assertEqual(read_out(out, "runs"), "run\n")

    def test_a_failing_step_fails_up_and_the_service_never_starts(self):
        p, out = project_with_outbox(self, """
            services:
              app:
                image: busybox
                command: ["sh", "-c", "touch /out/started; exec sleep 1000"]
                volumes: ["./out:/out"]
                pre_start:
                  - command: ["sh", "-c", "echo ran >> /out/first"]
                  - command: ["sh", "-c", "exit 3"]
                  - command: ["sh", "-c", "touch /out/third"]
              web:
                image: busybox
                command: ["sh", "-c", "touch /out/web; exec sleep 1000"]
                volumes: ["./out:/out"]
                depends_on: [app]
        """)
        up = p.pier("up", "-d", check=False)
        self.assertNotEqual(up.returncode, 0)
        self.assertIn("service app: pre_start step 2 (`sh -c exit 3`) exited with status 3", up.stderr)
        self.assertEqual(read_out(out, "first"), "ran\n")
        for never in ("third", "started", "web"):
            self.assertFalse(os.path.exists(os.path.join(out, never)), never)
        self.assertEqual(p.record(p.name + "-app-1")["state"], "created")
        # Its last run failed: the next `up` runs the steps again.
        up = p.pier("up", "-d", check=False)
        self.assertIn("exited with status 3", up.stderr)
        self.assertEqual(read_out(out, "first"), "ran\nran\n")

    def test_a_step_runs_in_an_image_of_its_own(self):
        p, out = project_with_outbox(self, """
            services:
              maker:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
        """)
        p.pier("up", "-d")
        p.pier("exec", "maker", "sh", "-c", "echo from the other image > /marker")
        p.pier("commit", "maker", p.name + "/other:v1")
        p.pier("down")
        p.write("compose.yaml", f"""
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                volumes: ["./out:/out"]
                pre_start:
                  - image: {p.name}/other:v1
                    command: ["sh", "-c", "cat /marker > /out/step"]
        """)
        p.pier("up", "-d")
        self.assertEqual(read_out(out, "step"), "from the other image\n")
        # The service's own image has no such file.
        self.assertNotEqual(p.pier("exec", "app", "test", "-e", "/marker", check=False).returncode, 0)

    def test_config_prints_the_step_keys_and_refuses_wrong_ones_where_written(self):
        p, _ = project_with_outbox(self, """
            services:
              app:
                image: busybox
                pre_start:
                  - image: busybox:latest
                    per_replica: false
        """)
        config = p.pier("config", "--format", "json").stdout
        self.assertIn('"image": "busybox:latest"', config)
        self.assertIn('"per_replica": false', config)
        for value, message in (('"yes"', "per_replica"), ("true", "`per_replica: true` is not supported yet")):
            p.write("compose.yaml", f"""
                services:
                  app:
                    image: busybox
                    pre_start:
                      - per_replica: {value}
            """)
            bad = p.pier("config", check=False)
            self.assertNotEqual(bad.returncode, 0)
            self.assertIn(message, bad.stderr)
            self.assertRegex(bad.stderr, r"compose\.yaml:6:\d+")
        p.write("compose.yaml", """
            services:
              app:
                image: busybox
                pre_start:
                  - image: [busybox]
        """)
        bad = p.pier("config", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertRegex(bad.stderr, r"compose\.yaml:6:\d+")


if __name__ == "__main__":
    unittest.main()
