"""The image store's GC and `rm` against the container records of real projects."""
import base64
import fcntl
import http.server
import io
import json
import os
import re
import signal
import struct
import subprocess
import tarfile
import termios
import threading
import unittest

from harness import Project, pid_alive, wait_for
from test_more_commands import LocalRegistry

LAYER_LINE = re.compile(r"^ web [0-9a-f]{12} (.*)$")


def write_rootfs(path):
    with tarfile.open(path, "w") as t:
        data = b"hello\n"
        info = tarfile.TarInfo("hello")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))


def docker_config(p, host):
    """A DOCKER_CONFIG with pier:secret for `host`, as the environment for the CLI."""
    config_dir = os.path.join(p.root, "docker-config")
    os.makedirs(config_dir, exist_ok=True)
    with open(os.path.join(config_dir, "config.json"), "w") as f:
        json.dump({"auths": {host: {"auth": base64.b64encode(b"pier:secret").decode()}}}, f)
    return {"DOCKER_CONFIG": config_dir}


def fake_push_registry(test, manifest_digest=None):
    """A registry on 127.0.0.1 asking for basic auth, whose uploads go to a second
    server on 127.0.0.2; `manifest_digest`: the Docker-Content-Digest it answers a
    manifest PUT with. Returns its host and what both servers saw."""
    seen = {"registry_auth": [], "upload_auth": [], "uploaded": 0}

    class Registry(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self, code, headers=()):
            self.send_response(code)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def handle_any(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            auth = self.headers.get("Authorization")
            seen["registry_auth"].append(auth)
            if not auth:
                return self.answer(401, [("WWW-Authenticate", 'Basic realm="test"')])
            if self.command == "HEAD":
                return self.answer(404)
            if self.command == "POST":
                return self.answer(202, [("Location", f"http://127.0.0.2:{upload.server_port}/upload/1")])
            if self.command == "PUT" and manifest_digest:
                return self.answer(201, [("Docker-Content-Digest", manifest_digest)])
            return self.answer(201 if self.command == "PUT" else 200)

        do_GET = do_HEAD = do_POST = do_PUT = handle_any

        def log_message(self, *args):
            pass

    class Upload(Registry):
        def handle_any(self):
            seen["upload_auth"].append(self.headers.get("Authorization"))
            seen["uploaded"] += len(self.rfile.read(int(self.headers["Content-Length"])))
            self.answer(201)

        do_PUT = handle_any

    registry = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    upload = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Upload)
    for server in (registry, upload):
        threading.Thread(target=server.serve_forever, daemon=True).start()
        test.addCleanup(server.server_close)
        test.addCleanup(server.shutdown)
    return f"127.0.0.1:{registry.server_port}", seen


class Images(unittest.TestCase):
    def test_rm_and_prune_keep_the_images_containers_use(self):
        p = Project(self, """
            services:
              app:
                image: busybox
                command: ["sleep", "1000"]
        """)
        layers = os.path.join(p.root, "images", "layers")
        rootfs = os.path.join(p.root, "rootfs.tar")
        write_rootfs(rootfs)
        p.pier("image", "import", rootfs, "unused:1")
        used_layers = len(os.listdir(layers)) - 1
        self.assertGreaterEqual(used_layers, 1)
        p.pier("up", "-d")
        container = p.name + "-app-1"
        p.wait_state(container, "running")

        rm = p.pier("image", "rm", "busybox", check=False)
        self.assertNotEqual(rm.returncode, 0)
        self.assertIn(f"is used by running container {container} (project {p.name})", rm.stderr)

        # The records, not a live supervisor, say what is in use.
        sup = p.supervisor_pid()
        os.kill(sup, signal.SIGKILL)
        wait_for(lambda: not pid_alive(sup), what="supervisor gone")
        out = p.pier("image", "prune", "-a").stdout
        self.assertIn("Untagged: unused:1", out)
        self.assertNotIn("busybox", out)
        ls = p.pier("image", "ls").stdout
        self.assertIn("busybox", ls)
        self.assertNotIn("unused", ls)
        self.assertEqual(len(os.listdir(layers)), used_layers)

        # A stopped container: refused without -f; -f untags, and GC keeps its layers.
        p.pier("stop", "-t", "1")
        rm = p.pier("image", "rm", "busybox", check=False)
        self.assertNotEqual(rm.returncode, 0)
        self.assertIn(f"is used by container {container}", rm.stderr)
        self.assertIn("--force", rm.stderr)
        self.assertIn("Untagged: busybox:latest", p.pier("image", "rm", "-f", "busybox").stdout)
        p.pier("image", "prune")
        self.assertEqual(len(os.listdir(layers)), used_layers)

        p.pier("down")
        p.pier("image", "prune")
        self.assertEqual(os.listdir(layers), [])


    def test_image_push_to_a_loopback_registry_and_pull_back_by_digest(self):
        registry = LocalRegistry(self)
        p = Project(self, """
            services:
              app:
                image: busybox
        """)
        target = f"{registry.host}/lib/busybox:1"
        out = p.pier("image", "push", "busybox", target).stdout.splitlines()
        self.assertEqual(out[0], f"The push refers to repository [{registry.host}/lib/busybox]")
        self.assertEqual([line.split(": ")[1] for line in out[1:-1]], ["Pushed", "Pushed"])
        digest = out[-1].split("1: digest: ")[1]
        self.assertEqual(json.loads(p.pier("image", "inspect", "busybox").stdout)[0]["Metadata"]["Manifest"], digest)
        again = p.pier("image", "push", "busybox", target).stdout
        self.assertEqual(again.count("Layer already exists"), 2)
        # Pulled back by digest (plain HTTP: loopback registries are insecure by default).
        p.pier("image", "pull", "-q", f"{registry.host}/lib/busybox@{digest}")
        pulled = json.loads(p.pier("image", "inspect", f"{registry.host}/lib/busybox@{digest}").stdout)[0]
        self.assertEqual(pulled["Metadata"]["Manifest"], digest)
        missing = p.pier("image", "push", "nosuch:1", target, check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("nosuch", missing.stderr)

    def test_image_push_sends_no_credentials_to_an_upload_location_on_another_host(self):
        """The registry answers the upload POST with a Location on another origin
        (127.0.0.2): the registry's Authorization header must not be sent there."""
        host, seen = fake_push_registry(self)
        p = Project(self, """
            services:
              app:
                image: busybox
        """)
        env = docker_config(p, host)
        p.pier("image", "push", "busybox", f"{host}/lib/busybox:1", env=env)
        self.assertIn("Basic " + base64.b64encode(b"pier:secret").decode(), seen["registry_auth"])
        self.assertEqual(len(seen["upload_auth"]), 2, "the layer and the config went to the upload host")
        self.assertEqual(seen["upload_auth"], [None, None])
        self.assertGreater(seen["uploaded"], 0)

    def test_image_push_refuses_a_registry_that_stored_another_manifest(self):
        host, seen = fake_push_registry(self, manifest_digest="sha256:" + "0" * 64)
        p = Project(self, """
            services:
              app:
                image: busybox
        """)
        out = p.pier("image", "push", "busybox", f"{host}/lib/busybox:1", env=docker_config(p, host), check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn(f"put manifest {host}/lib/busybox:1: the registry stored digest sha256:000", out.stderr)

    def registry_project(self):
        registry = LocalRegistry(self)
        ref = registry.push_busybox("team/web:1")
        p = Project(self, f"""
            services:
              web:
                image: {ref}
                command: ["sleep", "100"]
        """)
        with open(os.path.join(p.root, "registries.json"), "w") as f:
            json.dump({"insecure-registries": [registry.host]}, f)
        # The seeded busybox has the same layer: without it the pull downloads.
        p.pier("image", "rm", "busybox")
        self.assertEqual(os.listdir(os.path.join(p.root, "images", "layers")), [])
        return p

    def test_pull_progress_in_plain_lines_and_quiet(self):
        p = self.registry_project()
        out = p.pier("pull")
        lines = out.stderr.splitlines()
        self.assertEqual(out.stdout, "")
        self.assertEqual(lines[0], " web Pulling")
        self.assertEqual(lines[-1], " web Pulled")
        layer = [m.group(1) for m in map(LAYER_LINE.match, lines) if m]
        self.assertEqual(layer[0], "Waiting")
        self.assertRegex(layer[1], r"^Downloading [0-9.]+[kM]B$")
        self.assertEqual(layer[2:], ["Download complete", "Extracting", "Pull complete"])
        self.assertEqual(len(lines), 2 + len(layer), "one line per change, no byte counts")

        again = p.pier("pull").stderr.splitlines()
        self.assertIn(" web " + LAYER_LINE.match(lines[1]).group(0).split()[1] + " Already exists", again)
        quiet = p.pier("pull", "-q")
        self.assertEqual((quiet.stdout, quiet.stderr), ("", ""))

        # `up` pulls what is missing with the same registries.json (plain HTTP allowed).
        p.pier("image", "rm", "-f", p.pier("config", "--images").stdout.strip())
        p.pier("up", "-d")
        p.wait_state(p.name + "-web-1", "running")

    def test_pull_progress_on_a_terminal(self):
        p = self.registry_project()
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        proc = subprocess.Popen(p.argv("pull"), stdin=slave, stdout=slave, stderr=slave, cwd=p.dir)
        os.close(slave)
        raw = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last holder of the slave closed it
                break
            if not chunk:
                break
            raw += chunk
        os.close(master)
        self.assertEqual(proc.wait(timeout=60), 0, raw.decode(errors="replace"))
        text = raw.decode()
        self.assertIn("\x1b[", text, "redrawn in place")
        self.assertIn("[+] Pulling 0/1", text)
        self.assertRegex(text, r"[0-9a-f]{12} Downloading \[=*>? *\] +[0-9.]+[kM]?B/[0-9.]+[kM]B")
        self.assertRegex(text, r"✔ [0-9a-f]{12} Pull complete +[0-9.]+s")
        final = text[text.rindex("[+] Pulling"):]
        self.assertIn("[+] Pulling 1/1", final)
        self.assertRegex(final, r"✔ web Pulled +[0-9.]+s")
        self.assertNotIn("Pull complete", final, "a finished image folds its layers")
        for row in re.split(r"\r\n|\n", re.sub(r"\x1b\[[0-9]*[A-Z]|\r", "", text)):
            self.assertLessEqual(len(row), 99, "no row wraps: " + row)


if __name__ == "__main__":
    unittest.main()
