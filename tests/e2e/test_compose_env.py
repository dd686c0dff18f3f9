"""Variables as Docker Compose's own end-to-end scenarios expect them (issue 17): which
.env files a project reads, an include's env file, `environment: [VAR]` with VAR unset,
`run -e VAR`, and `config`'s --no-env-resolution, --lock-image-digests and --models."""
import json
import os
import subprocess
import unittest

from harness import PIER, Project


def envb_project(test, compose, files=None):
    return Project(test, compose, name="envb" + os.urandom(3).hex(), files=files)


def config_json(p, *args, flags=(), env=None, cwd=None):
    """`pier ARGS config FLAGS --format json` run where a user would type it: no -f or -p
    unless ARGS has them."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    environ.update(env or {})
    out = subprocess.run([PIER, "--root", p.root, *args, "config", *flags, "--format", "json"], capture_output=True,
                         text=True, timeout=60, cwd=cwd or p.dir, env=environ)
    if out.returncode != 0:
        raise AssertionError(f"pier config exited {out.returncode}\n{out.stderr}")
    return json.loads(out.stdout)


ROOT_COMPOSE = """
    services:
      root:
        image: busybox
"""

SUB_COMPOSE = """
    services:
      app:
        image: busybox
        environment:
          SOURCE: ${SOURCE:-unset}
          ONLY_ROOT: ${ONLY_ROOT:-unset}
          ONLY_SUB: ${ONLY_SUB:-unset}
"""


class ComposeEnv(unittest.TestCase):
    def test_a_dotenv_setting_compose_file_gives_all_its_variables_before_the_project_dirs(self):
        # The working directory's .env is read first (all of it), then the .env of the
        # directory COMPOSE_FILE leads to adds what is still unset. Before, only
        # COMPOSE_FILE was taken from the first.
        p = envb_project(self, ROOT_COMPOSE, files={
            ".env": "COMPOSE_FILE=sub/compose.yaml\nSOURCE=root\nONLY_ROOT=root\n",
            "sub/compose.yaml": SUB_COMPOSE,
            "sub/.env": "SOURCE=sub\nONLY_SUB=sub\n"})
        doc = config_json(p)
        self.assertEqual(list(doc["services"]), ["app"])
        self.assertEqual(doc["services"]["app"]["environment"],
                         {"SOURCE": "root", "ONLY_ROOT": "root", "ONLY_SUB": "sub"})

    def test_compose_file_from_the_environment_still_reads_the_working_directorys_dotenv(self):
        # Before, COMPOSE_FILE in the environment skipped the working directory's .env.
        p = envb_project(self, ROOT_COMPOSE, files={
            ".env": "SOURCE=root\nONLY_ROOT=root\n",
            "sub/compose.yaml": SUB_COMPOSE,
            "sub/.env": "SOURCE=sub\nONLY_SUB=sub\n"})
        doc = config_json(p, env={"COMPOSE_FILE": "sub/compose.yaml"})
        self.assertEqual(doc["services"]["app"]["environment"],
                         {"SOURCE": "root", "ONLY_ROOT": "root", "ONLY_SUB": "sub"})
        # -f names the directory: its .env alone, as Compose.
        doc = config_json(p, "-f", "sub/compose.yaml")
        self.assertEqual(doc["services"]["app"]["environment"],
                         {"SOURCE": "sub", "ONLY_ROOT": "unset", "ONLY_SUB": "sub"})

    def test_an_includes_env_file_gives_its_secrets_and_bare_environment_keys(self):
        # docker/compose#12632: the include's env_file interpolates the child and also
        # gives `environment: [MY_ENV]` and the secret's `environment: MY_SECRET`.
        p = envb_project(self, """
            include:
              - path: child/compose.yaml
                env_file:
                  - secret.env
        """, files={
            "secret.env": "MY_SECRET='super-secret'\nMY_ENV='foo'\n",
            "child/compose.yaml": """
                secrets:
                  my-secret:
                    environment: MY_SECRET
                services:
                  my-service:
                    image: busybox
                    secrets:
                      - my-secret
                    environment:
                      - MY_ENV
                    command: ["sh", "-c", "echo env-var: $$MY_ENV && cat /run/secrets/my-secret"]
            """})
        out = p.pier("run", "--rm", "-T", "my-service")
        self.assertEqual(out.stdout, "env-var: foo\nsuper-secret")
        p.pier("down")

    def test_a_bare_key_unset_everywhere_removes_the_images_value(self):
        # Compose's TestUnsetEnv (fixtures/environment/empty-variable).
        p = envb_project(self, """
            services:
              empty-variable:
                build:
                  context: .
                image: envb-empty-variable
                environment:
                  - EMPTY
        """, files={"Dockerfile": """\
            FROM busybox
            ENV EMPTY=not_empty
            CMD ["sh", "-c", "echo \\"=$EMPTY=\\""]
        """})
        env = {k: v for k, v in os.environ.items() if k != "EMPTY"}
        doc = config_json(p, "-f", "compose.yaml")
        self.assertEqual(doc["services"]["empty-variable"]["environment"], {"EMPTY": None})
        p.pier("build")
        out = subprocess.run(p.argv("run", "--rm", "-T", "empty-variable"), capture_output=True, text=True,
                             timeout=60, cwd=p.dir, env=env)
        self.assertEqual(out.stdout, "==\n", out.stderr)
        out = p.pier("run", "-e", "EMPTY=hello", "--rm", "-T", "empty-variable")
        self.assertEqual(out.stdout, "=hello=\n")
        # Set where pier runs, the key takes that value.
        out = p.pier("run", "--rm", "-T", "empty-variable", env={"EMPTY": "from-shell"})
        self.assertEqual(out.stdout, "=from-shell=\n")
        p.pier("down", "--rmi", "all")

    def test_run_e_without_a_value_reads_dotenv_env_file_and_compose_env_files(self):
        # Compose's TestEnvPriority: `run -e WHEREAMI` takes the project's environment.
        p = envb_project(self, """
            services:
              env-compose-priority:
                image: busybox
                command: ["sh", "-c", "echo $$WHEREAMI"]
        """, files={".env": "WHEREAMI=Env File\n", ".env.override": "WHEREAMI=override\n",
                    ".env.empty": ""})
        run = ("run", "--rm", "-T", "-e", "WHEREAMI", "env-compose-priority")
        self.assertEqual(p.pier(*run).stdout, "Env File\n")
        self.assertEqual(p.pier("--env-file", ".env.override", *run).stdout, "override\n")
        self.assertEqual(p.pier(*run, env={"COMPOSE_ENV_FILES": ".env.override"}).stdout, "override\n")
        self.assertEqual(p.pier("--env-file", ".env.override", *run, env={"WHEREAMI": "shell"}).stdout,
                         "shell\n")
        self.assertEqual(p.pier("--env-file", ".env.empty", *run).stdout, "\n")
        p.pier("down")

    def test_config_no_env_resolution_models_and_lock_image_digests(self):
        p = envb_project(self, """
            services:
              web:
                image: busybox
                env_file:
                  - a.env
                  - path: b.env
                    required: false
                environment:
                  - ENVB_UNSET_KEY
                  - INLINE=1
            models:
              small:
                model: ai/smollm2
              other:
                model: ai/gemma3
        """, files={"a.env": "FROM_FILE=a\n"})
        resolved = config_json(p, "-f", "compose.yaml")["services"]["web"]
        self.assertEqual(resolved["environment"], {"FROM_FILE": "a", "INLINE": "1", "ENVB_UNSET_KEY": None})
        self.assertNotIn("env_file", resolved)
        raw = config_json(p, "-f", "compose.yaml", flags=("--no-env-resolution",))
        web = raw["services"]["web"]
        self.assertEqual(web["environment"], {"INLINE": "1", "ENVB_UNSET_KEY": None})
        self.assertEqual(web["env_file"], [{"path": os.path.join(p.dir, "a.env")},
                                           {"path": os.path.join(p.dir, "b.env"), "required": False}])
        models = p.pier("config", "--models")
        self.assertEqual(models.stdout, "ai/smollm2\nai/gemma3\n")
        pinned = json.loads(p.pier("config", "--resolve-image-digests", "--format", "json").stdout)
        image = pinned["services"]["web"]["image"]
        self.assertRegex(image, r"busybox.*@sha256:[0-9a-f]{64}$")
        lock = json.loads(p.pier("config", "--lock-image-digests", "--format", "json").stdout)
        self.assertEqual(lock, {"services": {"web": {"image": image}}})


if __name__ == "__main__":
    unittest.main()
