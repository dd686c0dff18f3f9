"""`build:` on pier's own runtime: Dockerfiles from busybox and from scratch, multi-stage
COPY --from, ARG/ENV substitution, USER/WORKDIR, a whiteout, the layer cache (hit and
miss), .dockerignore, a failing RUN (its output, its exit code, nothing tagged), and
`up --build` of two built services. Every test also checks that a build leaves no
cgroup and no scratch directory behind. ADD <url> is tested against an http.server on
127.0.0.1 started by the test (the builder downloads from the host's pier process)."""
import glob
import hashlib
import http.server
import threading
import json
import os
import shutil
import tarfile
import unittest
import urllib.request

from harness import Nft, Project, free_port, pier_links
from test_more_commands import LocalRegistry

DOCKERFILE = """\
    ARG BASE=busybox
    FROM ${BASE} AS base
    ARG NAME=world
    ENV GREETING="hello ${NAME}" HOMEDIR=/srv
    WORKDIR ${HOMEDIR}/app
    COPY greeting.txt ./
    RUN echo "$GREETING from $(pwd)" > made.txt && rm /etc/nsswitch.conf && mkdir -p /data && chown nobody /data
    USER nobody
    RUN id -u > /data/uid
    CMD ["sh", "-c", "cat made.txt"]
"""


class BuildTest(unittest.TestCase):
    def project(self, compose, files):
        # Cleanups run last-registered first: the store checks before the project's
        # `down` (they are about builds, which are over by then), the host-wide links
        # and tables after it.
        links_before = pier_links()
        self.addCleanup(self.no_build_links, links_before)
        p = Project(self, compose, files=files)
        self.addCleanup(self.no_build_leftovers, p)
        return p

    def no_build_links(self, links_before):
        cgroups = [c for c in glob.glob("/sys/fs/cgroup/**/pier/build-*", recursive=True)]
        self.assertEqual(cgroups, [], "build cgroups left behind")
        self.assertEqual(sorted(pier_links() - links_before), [], "links left behind")
        self.assertEqual([t for t in Nft().tables() if t.startswith("pier_build_")], [],
                         "build nft tables left behind")

    def no_build_leftovers(self, p):
        self.assertEqual(glob.glob(os.path.join(p.root, "network", "build-*")), [], "build network records left")
        tmp = os.path.join(p.root, "build", "tmp")
        self.assertEqual(os.listdir(tmp) if os.path.isdir(tmp) else [], [], "build scratch dirs left behind")

    def image_layers(self, p, ref):
        out = p.pier("image", "inspect", ref).stdout
        diff_ids = json.loads(out)[0]["RootFS"]["diff_ids"]
        return [os.path.join(p.root, "images", "blobs", "sha256", d.split(":")[1]) for d in diff_ids]

    def test_busybox_build_with_args_env_workdir_user_and_a_whiteout(self):
        p = self.project("""
            services:
              app:
                command: ["sleep", "1000"]
                build:
                  context: .
                  args:
                    NAME: pier
        """, {"Dockerfile": DOCKERFILE, "greeting.txt": "hi\n"})
        out = p.pier("build")
        self.assertIn("[app 6/9] RUN", out.stderr)
        config = json.loads(p.pier("image", "inspect", p.name + "-app").stdout)[0]["Config"]
        self.assertEqual(config["Cmd"], ["sh", "-c", "cat made.txt"])
        self.assertEqual(config["User"], "nobody")
        self.assertIn("GREETING=hello pier", config["Env"])
        p.pier("up", "-d")
        run = p.pier("exec", "-T", "app", "sh", "-c", "cat made.txt").stdout
        self.assertEqual(run, "hello pier from /srv/app\n")
        run = p.pier("exec", "-T", "app", "sh", "-c",
                     "id -u; pwd; cat greeting.txt /data/uid; test -e /etc/nsswitch.conf || echo gone").stdout
        self.assertEqual(run.split(), ["65534", "/srv/app", "hi", "65534", "gone"])
        # The RUN rm became a `.wh.` entry in the stored layer tar.
        names = []
        for blob in self.image_layers(p, p.name + "-app"):
            with tarfile.open(blob) as t:
                names += t.getnames()
        self.assertIn("etc/.wh.nsswitch.conf", names)

    def test_scratch_and_multi_stage_copy_from(self):
        p = self.project("""
            services:
              app:
                image: local/tiny:1
                command: ["sleep", "1000"]
                build:
                  context: .
                  target: final
                  labels:
                    org.example.kind: tiny
        """, {"Dockerfile": """\
            FROM busybox AS build
            RUN mkdir -p /out/sub && echo built > /out/sub/hello && echo top > /out/top
            FROM busybox AS unused
            RUN exit 9
            FROM scratch AS final
            COPY --from=build /bin/busybox /bin/
            COPY --from=build /out/ /
            COPY --from=build --chown=1000:1000 --chmod=600 /out/top /owned
            ENTRYPOINT ["/bin/busybox"]
            CMD ["cat", "/sub/hello", "/top"]
        """})
        p.pier("build")
        p.pier("up", "-d")
        self.assertEqual(p.pier("exec", "-T", "app", "/bin/busybox", "cat", "/sub/hello", "/top").stdout, "built\ntop\n")
        self.assertEqual(p.pier("exec", "-T", "app", "/bin/busybox", "stat", "-c", "%u:%g %a", "/owned").stdout,
                         "1000:1000 600\n")
        self.assertEqual(p.pier("exec", "-T", "app", "/bin/busybox", "ls", "/").stdout.split(),
                         ["bin", "dev", "etc", "owned", "proc", "sub", "sys", "top"])
        self.assertIn('"org.example.kind": "tiny"', p.pier("image", "inspect", "local/tiny:1").stdout)

    def test_a_base_config_without_env_or_shell_builds_with_the_defaults(self):
        # From scratch the config has no Env and no Shell: ARG expansion, the RUN
        # environment and the RUN shell read them as absent (/bin/sh -c with the ARGs),
        # never what lies past the config's map, which crashed `pier build` at random.
        p = self.project("""
            services:
              app:
                build: .
        """, {"Dockerfile": """\
            FROM scratch
            COPY --from=busybox / /
            ARG NAME=note
            COPY ${NAME}.txt /
            RUN cat /note.txt && echo "arg $NAME" && echo "shell $0"
        """, "note.txt": "a note\n"})
        out = p.pier("build").stderr
        self.assertEqual(self.step_output(out), ["a note", "arg note", "shell /bin/sh"])

    def test_copy_from_reads_through_a_linked_parent(self):
        # Merged-/usr images link /lib to usr/lib: a COPY --from source or glob under the
        # link is the directory it reaches, with its content, as in Docker.
        p = self.project("""
            services:
              app:
                image: local/linked:1
                command: ["sleep", "1000"]
                build: .
        """, {"Dockerfile": """\
            FROM busybox AS build
            RUN mkdir -p /usr/lib/x && echo one > /usr/lib/x/one.so && echo two > /usr/lib/x/two.so && ln -s usr/lib /lnk
            FROM busybox
            COPY --from=build /lnk/x/ /copied/
            COPY --from=build /lnk/x/t*.so /globbed/
        """})
        p.pier("build")
        p.pier("up", "-d")
        self.assertEqual(p.pier("exec", "-T", "app", "cat", "/copied/one.so", "/copied/two.so", "/globbed/two.so").stdout,
                         "one\ntwo\ntwo\n")
        self.assertEqual(p.pier("exec", "-T", "app", "ls", "/globbed").stdout.split(), ["two.so"])

    def test_cache_hit_miss_and_dockerignore(self):
        p = self.project("""
            services:
              app:
                build: .
                command: ["sleep", "1000"]
        """, {"Dockerfile": """\
            FROM busybox
            RUN echo one > /one
            COPY conf.txt /conf.txt
            RUN cat /conf.txt > /derived
            COPY . /ctx/
        """, "conf.txt": "v1\n", ".dockerignore": "secret*\n!secret-ok\n", "secret.key": "no\n",
             "secret-ok": "yes\n"})
        first = p.pier("build").stderr
        self.assertIn("(0 of 4 layer steps cached)", first)
        again = p.pier("build").stderr
        self.assertIn("(4 of 4 layer steps cached)", again)
        self.assertNotIn(" => => #", again)
        p.write("conf.txt", "v2\n")
        changed = p.pier("build").stderr
        self.assertIn("CACHED [app 2/5] RUN echo one", changed)
        self.assertIn("(1 of 4 layer steps cached)", changed)
        p.pier("up", "-d")
        files = p.pier("exec", "-T", "app", "sh", "-c", "cat /derived; ls /ctx").stdout.split()
        self.assertEqual(files[0], "v2")
        self.assertIn("secret-ok", files)
        self.assertNotIn("secret.key", files)
        self.assertIn("(0 of 4 layer steps cached)", p.pier("build", "--no-cache").stderr)

    def test_failing_run_shows_output_and_code_and_tags_nothing(self):
        p = self.project("""
            services:
              app:
                build: .
        """, {"Dockerfile": """\
            FROM busybox
            RUN echo step-one
            RUN echo marker-output-1234 && echo marker-stderr >&2 && exit 3
        """})
        out = p.pier("build", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("Dockerfile:3: RUN", out.stderr)
        self.assertIn("exited with code 3", out.stderr)
        self.assertIn("marker-output-1234", out.stderr)
        self.assertIn("marker-stderr", out.stderr)
        self.assertNotEqual(p.pier("image", "inspect", p.name + "-app", check=False).returncode, 0)

    def test_log_level_debug_prints_the_mount_table_of_each_run_step(self):
        # The table is printed by the process that builds the plan, before clone (the
        # child logs nothing): for RUN steps, the CLI's own process.
        files = {"Dockerfile": """\
            FROM busybox
            RUN echo built
        """}
        p = self.project("""
            services:
              app:
                build: .
        """, files)
        quiet = p.pier("build", "--no-cache")
        self.assertNotIn("mount table", quiet.stderr)
        out = p.pier("--log-level", "debug", "build", "--no-cache")
        self.assertRegex(out.stderr, r"debug: container \S+: mount table:\n")
        self.assertRegex(out.stderr, r"\n +\d+ mount proc -> /proc type=proc")
        self.assertRegex(out.stderr, r"\n +\d+ mount tmpfs -> /dev type=tmpfs")

    def test_up_build_of_two_built_services(self):
        p = self.project("""
            services:
              web:
                build: ./web
                command: ["sleep", "1000"]
              worker:
                build:
                  context: ./worker
                  dockerfile: Worker.Dockerfile
                depends_on: [web]
                command: ["sleep", "1000"]
        """, {"web/Dockerfile": "FROM busybox\nRUN echo web > /role\n",
              "worker/Worker.Dockerfile": "FROM busybox\nARG ROLE=worker\nRUN echo $ROLE > /role\n"})
        up = p.pier("up", "-d", "--build")
        self.assertIn("[web 2/2] RUN echo web > /role", up.stderr)
        self.assertIn("[worker 3/3] RUN echo $ROLE > /role", up.stderr)
        p.wait_state(p.name + "-web-1", "running")
        p.wait_state(p.name + "-worker-1", "running")
        self.assertEqual(p.pier("exec", "-T", "worker", "cat", "/role").stdout, "worker\n")
        self.assertEqual(p.pier("exec", "-T", "web", "cat", "/role").stdout, "web\n")
        # Without --build an image that is present is used as is (Docker Compose's rule).
        again = p.pier("up", "-d")
        self.assertNotIn("RUN echo", again.stderr)

    def test_run_of_a_build_only_service_builds_its_missing_image(self):
        # As Compose: `run` builds an image it does not have rather than asking a registry.
        p = self.project("""
            services:
              tool:
                build: ./tool
        """, {"tool/Dockerfile": "FROM busybox\nRUN echo built > /made\n"})
        out = p.pier("run", "--rm", "-T", "tool", "cat", "/made")
        self.assertEqual(out.stdout, "built\n", out.stderr)
        self.assertIn("RUN echo built > /made", out.stderr)
        again = p.pier("run", "--rm", "-T", "tool", "cat", "/made")
        self.assertNotIn("RUN echo", again.stderr)
        p.pier("down")

    def test_heredocs_globs_add_archive_and_chown_names(self):
        import io
        import tarfile as tf
        p = self.project("""
            services:
              app:
                build: .
        """, {"Dockerfile": """\
            FROM busybox
            RUN <<EOF
            echo heredoc-line > /h1
            echo second >> /h1
            EOF
            RUN cat > /h2 <<X
            inline $HOME
            X
            COPY sub/*.c /src/
            ADD arch.tgz /opt/
            COPY --chown=nobody:nogroup sub/z.h /owned.h
            COPY <<EOF /etc/motd
            motd text
            EOF
            RUN <<EOF
            #!/bin/sh
            echo script-ran > /h3
            EOF
            SHELL ["/bin/sh", "-ec"]
            RUN ls /src /opt/d && cat /opt/d/f /h1 /h2 /h3 /etc/motd && stat -c '%U:%G' /owned.h
        """, "sub/x.c": "x\n", "sub/y.c": "y\n", "sub/z.h": "z\n"})
        data = io.BytesIO()
        with tf.open(fileobj=data, mode="w:gz") as t:
            info = tf.TarInfo("d/f")
            info.size = 7
            t.addfile(info, io.BytesIO(b"in-tar\n"))
        with open(os.path.join(p.dir, "arch.tgz"), "wb") as f:
            f.write(data.getvalue())
        out = p.pier("build").stderr
        lines = [l[len(" => => # "):] for l in out.splitlines() if l.startswith(" => => # ")]
        self.assertEqual(lines, ["/opt/d:", "f", "", "/src:", "x.c", "y.c", "in-tar", "heredoc-line", "second",
                                 "inline /root", "script-ran", "motd text", "nobody:nogroup"])

    def test_unsupported_build_keys_are_located_errors(self):
        p = self.project("""
            services:
              app:
                build:
                  context: .
                  secrets: [token]
              other:
                build:
                  context: .
                  platforms: [linux/s390x]
            secrets:
              token:
                file: ./token.txt
        """, {"Dockerfile": "FROM busybox\n", "token.txt": "t\n"})
        out = p.pier("build", "app", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertRegex(out.stderr, r"compose\.yaml:\d+:\d+: service app: build\.secrets is not supported yet")
        out = p.pier("build", "other", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("service other: build.platforms `linux/s390x`: pier builds for the host platform", out.stderr)
        self.assertNotEqual(p.pier("up", "-d", "--no-build", "other", check=False).returncode, 0)

    def test_build_networks_bridge_none_and_host(self):
        p = self.project("""
            services:
              app:
                build: .
        """, {"Dockerfile": """\
            FROM busybox
            RUN ip -4 -o addr show eth0 | wc -l && ip route | grep -c "^default via" && \\
                ping -c1 -W2 $(ip route | awk '/^default/ {print $3}') >/dev/null && echo gateway-answers
            RUN --network=none ip -o link | wc -l
            RUN --network=host test -e /sys/class/net/lo && ip -o link | grep -qv "lo:" && echo host-links
        """})
        out = p.pier("build", "--allow", "network.host").stderr
        lines = [l[len(" => => # "):] for l in out.splitlines() if l.startswith(" => => # ")]
        self.assertEqual(lines, ["1", "1", "gateway-answers", "1", "host-links"])

    def test_run_network_host_needs_the_entitlement_and_build_network_none_wins(self):
        p = self.project("""
            services:
              plain:
                build: .
              entitled:
                build: {context: ., entitlements: [network.host]}
              isolated:
                build: {context: ., entitlements: [network.host], network: none}
        """, {"Dockerfile": """\
            FROM busybox
            RUN --network=host ip -o link | grep -qv "lo:" && echo host-links || echo "$(ip -o link | wc -l) links"
        """})
        # A Dockerfile cannot take the host's network on its own.
        r = p.pier("build", "plain", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Dockerfile:2: RUN --network=host: needs the network.host entitlement", r.stderr)
        self.assertNotIn("host-links", r.stderr)
        # Allowed by the compose file, or on the command line (the same step again: --no-cache).
        self.assertIn("host-links", self.step_output(p.pier("build", "entitled").stderr))
        self.assertIn("host-links", self.step_output(p.pier("build", "--no-cache", "--allow", "network.host", "plain").stderr))
        # `build.network: none` holds even for an entitled step: loopback only.
        out = p.pier("build", "isolated").stderr
        self.assertEqual(self.step_output(out), ["1 links"])
        self.assertIn("runs without a network, as `build.network: none` says", out)
        r = p.pier("build", "--allow", "security.insecure", "plain", check=False)
        self.assertIn("--allow `security.insecure`: not a supported entitlement", r.stderr)

    def serve(self, files):
        """An HTTP server on 127.0.0.1 serving `files` (name -> bytes) from a temp dir;
        returns (port, dir, hits) where hits counts the GETs per path."""
        import tempfile
        root = tempfile.mkdtemp(prefix="pier-add-url-")
        self.addCleanup(shutil.rmtree, root, True)
        for name, data in files.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(data)
            os.utime(os.path.join(root, name), (1700000000, 1700000000))
        hits = {}

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=root, **kw)

            def do_GET(self):
                hits[self.path] = hits.get(self.path, 0) + 1
                super().do_GET()

            def log_message(self, *a):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server.server_address[1], root, hits

    @staticmethod
    def step_output(stderr):
        return [l[len(" => => # "):] for l in stderr.splitlines() if l.startswith(" => => # ")]

    def test_add_url_name_mode_chown_mtime_and_cache_by_content(self):
        port, root, hits = self.serve({"data.txt": b"remote v1\n"})
        url = f"http://127.0.0.1:{port}/data.txt"
        p = self.project("""
            services:
              app:
                build: .
        """, {"Dockerfile": f"""\
            FROM busybox
            ADD {url} /dl/
            ADD --chmod=0755 --chown=nobody:nogroup {url}?x=1 /dl/renamed
            ADD {url} local.txt /mix/
            RUN stat -c '%n %a %U:%G %Y' /dl/data.txt /dl/renamed && cat /dl/data.txt /dl/renamed && ls /mix
        """, "local.txt": "here\n"})
        out = p.pier("build").stderr
        self.assertEqual(self.step_output(out), ["/dl/data.txt 600 root:root 1700000000",
                                                 "/dl/renamed 755 nobody:nogroup 1700000000",
                                                 "remote v1", "remote v1", "data.txt", "local.txt"])
        # Unchanged content: downloaded again (as Docker does), compared, cached.
        again = p.pier("build").stderr
        self.assertIn("(4 of 4 layer steps cached)", again)
        self.assertEqual(hits["/data.txt"], 4)
        with open(os.path.join(root, "data.txt"), "wb") as f:
            f.write(b"remote v2\n")
        os.utime(os.path.join(root, "data.txt"), (1700000000, 1700000000))
        changed = p.pier("build").stderr
        self.assertIn("(0 of 4 layer steps cached)", changed)
        self.assertEqual(self.step_output(changed)[2:4], ["remote v2", "remote v2"])

    def test_add_url_checksum_match_mismatch_404_refused_and_no_network(self):
        body = b"checked content\n"
        port, root, hits = self.serve({"sum.txt": body})
        good = "sha256:" + hashlib.sha256(body).hexdigest()
        bad = "sha256:" + "0" * 64
        base = f"http://127.0.0.1:{port}"
        closed = free_port()
        p = self.project("""
            services:
              sum:
                build: {context: ., dockerfile: Dockerfile.sum}
              bad:
                build: {context: ., dockerfile: Dockerfile.bad}
              missing:
                build: {context: ., dockerfile: Dockerfile.missing}
              refused:
                build: {context: ., dockerfile: Dockerfile.refused}
              offline:
                build: {context: ., dockerfile: Dockerfile.sum, network: none}
              git:
                build: {context: ., dockerfile: Dockerfile.git}
        """, {"Dockerfile.sum": f"FROM busybox\nADD --checksum={good} {base}/sum.txt /s/\nRUN cat /s/sum.txt\n",
              "Dockerfile.bad": f"FROM busybox\nADD --checksum={bad} {base}/sum.txt /s/\n",
              "Dockerfile.missing": f"FROM busybox\n\nADD {base}/nope.txt /n/\n",
              "Dockerfile.refused": f"FROM busybox\nADD http://127.0.0.1:{closed}/x /x\n",
              "Dockerfile.git": f"FROM busybox\nADD {base}/repo.git /src\n"})
        out = p.pier("build", "sum").stderr
        self.assertEqual(self.step_output(out), ["checked content"])
        self.assertEqual(hits["/sum.txt"], 1)
        # With --checksum a cache hit needs no download.
        self.assertIn("(2 of 2 layer steps cached)", p.pier("build", "sum").stderr)
        self.assertEqual(hits["/sum.txt"], 1)
        out = p.pier("build", "bad", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn(f"Dockerfile.bad:2: ADD {base}/sum.txt: checksum mismatch: expected {bad}, got {good}",
                      out.stderr)
        out = p.pier("build", "missing", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn(f"Dockerfile.missing:3: ADD {base}/nope.txt: download failed: the server answered HTTP 404",
                      out.stderr)
        out = p.pier("build", "refused", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertRegex(out.stderr, rf"Dockerfile.refused:2: ADD http://127.0.0.1:{closed}/x: download failed: "
                                     r"Failed to connect to 127.0.0.1 port \d+.*(Connection refused|Couldn't connect)")
        self.assertEqual(hits["/sum.txt"], 2)  # the mismatching build downloaded it
        out = p.pier("build", "offline", "--no-cache", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn(f"Dockerfile.sum:2: ADD {base}/sum.txt: the build has no network (`build.network: none`)",
                      out.stderr)
        self.assertEqual(hits["/sum.txt"], 2)
        out = p.pier("build", "git", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn(f"Dockerfile.git:2: ADD {base}/repo.git: git sources are not supported yet", out.stderr)
        self.assertNotIn("/repo.git", hits)
        for name in ("bad", "missing", "refused", "offline", "git"):
            self.assertNotEqual(p.pier("image", "inspect", f"{p.name}-{name}", check=False).returncode, 0)

    def test_convert_push_pushes_the_built_image_and_the_manifests_name_it(self):
        registry = LocalRegistry(self)
        p = self.project("""
            services:
              app:
                build: .
              web:
                image: busybox
        """, {"Dockerfile": "FROM scratch\nCOPY hello.txt /hello.txt\n", "hello.txt": "hi\n"})
        p.pier("build")
        out = p.pier("convert", "--push", registry.host)
        pushed = f"{registry.host}/{p.name}-app"
        self.assertIn(f"image: {pushed}\n", out.stdout)
        self.assertIn("image: busybox\n", out.stdout, "images from a registry stay as they are")
        self.assertNotIn("built on this machine only", out.stderr)
        self.assertIn(f"The push refers to repository [{pushed}]", out.stderr)
        digest = out.stderr.split("latest: digest: ")[1].split()[0]
        # The registry serves the store's manifest under the tag.
        local = json.loads(p.pier("image", "inspect", p.name + "-app").stdout)[0]
        req = urllib.request.Request(f"http://{registry.host}/v2/{p.name}-app/manifests/latest", method="HEAD",
                                     headers={"Accept": "application/vnd.oci.image.manifest.v1+json, "
                                                        "application/vnd.docker.distribution.manifest.v2+json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(r.headers["Docker-Content-Digest"], digest)
        self.assertEqual(local["Metadata"]["Manifest"], digest)

        # Without --push the warning stays and the local name is used.
        plain = p.pier("convert")
        self.assertIn(f"image: {p.name}-app\n", plain.stdout)
        self.assertIn("built on this machine only", plain.stderr)

    def test_convert_push_of_an_image_not_built_names_it(self):
        registry = LocalRegistry(self)
        p = self.project("""
            services:
              app:
                build: .
        """, {"Dockerfile": "FROM scratch\nCOPY hello.txt /hello.txt\n", "hello.txt": "hi\n"})
        out = p.pier("convert", "--push", registry.host, check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn(f"convert --push {registry.host}", out.stderr)
        self.assertIn(f"push {p.name}-app as {registry.host}/{p.name}-app:latest: no such image", out.stderr)
        self.assertEqual(out.stdout, "")


if __name__ == "__main__":
    unittest.main()
