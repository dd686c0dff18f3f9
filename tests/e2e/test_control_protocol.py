"""The control socket as any local root process can reach it: a request the CLI would
never send is answered with an error naming the op and the field, and the supervisor
(with the containers it watches) goes on."""
import json
import os
import socket
import unittest

from harness import Project, pid_alive


def ask(project, line):
    """Sends one raw request line; returns the reply lines after the greeting."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(10)
    try:
        client.connect(os.path.join(project.run_dir, "control.sock"))
        client.sendall(line.encode() + b"\n")
        data = b""
        while True:
            chunk = client.recv(65536)
            if not chunk:
                break
            data += chunk
            if b'"done"' in data and data.endswith(b"\n"):
                break
    finally:
        client.close()
    lines = [json.loads(text) for text in data.decode().splitlines() if text]
    return [line for line in lines if "supervisor" not in line]


class ControlProtocol(unittest.TestCase):
    def test_a_malformed_request_is_an_error_and_the_supervisor_stays(self):
        p = Project(self, """
            services:
              s:
                image: busybox
                command: ["sleep", "1000"]
        """)
        p.pier("up", "-d")
        supervisor = p.supervisor_pid()
        self.assertTrue(supervisor)
        cases = [
            ('{"op": "stop", "timeout": "ten"}', "malformed control request `stop`: `timeout`"),
            ('{"op": "rm", "services": "s"}', "malformed control request `rm`: `services`"),
            ('{"op": "kill", "containers": [1]}', "malformed control request `kill`: `containers`"),
            ('{"op": "up", "options": {"scale": {"s": "many"}}}', "malformed control request `up`: `source` is missing"),
            ('{"op": "down", "volumes": "yes"}', "malformed control request `down`: `volumes`"),
            ('{"op": 7}', "expected a JSON object with a string `op`"),
            ('{"op": "launch"}', "unknown request `launch`"),
            ('{"services": []}', "expected a JSON object with a string `op`"),
            ('[1, 2]', "expected a JSON object with a string `op`"),
            ('{"op": ', "not JSON"),
        ]
        for line, expected in cases:
            with self.subTest(request=line):
                reply = ask(p, line)
                self.assertEqual(len(reply), 1, reply)
                self.assertTrue(reply[0].get("done"), reply)
                self.assertIn(expected, reply[0].get("error", ""))
        # Nothing was acted on: the same supervisor still runs the container.
        self.assertTrue(pid_alive(supervisor), p.supervisor_log())
        self.assertEqual(p.supervisor_pid(), supervisor)
        self.assertEqual(p.record(f"{p.name}-s-1")["state"], "running")
        self.assertIn("Up", p.pier("ps").stdout)
        # And a well-formed request still works on the same socket.
        self.assertEqual(ask(p, '{"op": "ping"}'), [{"done": True}])


if __name__ == "__main__":
    unittest.main()
