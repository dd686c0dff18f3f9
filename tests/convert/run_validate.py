#!/usr/bin/env python3
"""Converts every compose file of ../shared/corpus/awesome-compose with `pier convert
-o DIR` and validates every object it writes against the Kubernetes OpenAPI schemas of
the npm package kubernetes-models (offline once installed).

Usage: run_validate.py PIER REPO_ROOT   (the corpus is REPO_ROOT/../shared, or
$PIER_SHARED_DIR when set: a git worktree has no shared/ beside it)

- The package is installed with npm into ~/.cache/pier-tests/kubernetes-models-<v>
  (outside the repository), once per version. Skips (exit 77) with a message only when
  npm or node is missing or the registry cannot be reached.
- Each file must convert (exit 0), write a kustomization.yaml listing exactly the files
  written, one workload (Deployment, StatefulSet, DaemonSet or Job) per service that
  `pier config --services` lists, and only objects that validate.
- Where kubectl is installed, `kubectl kustomize DIR` (offline) must build each
  directory into the same number of objects; without kubectl that part is skipped
  with a note.
- The expected manifests of the golden cases (cases/*/expected.yaml, and cases/*/expected/
  when it is a kustomize directory)
  must validate too.
- The schemas do not forbid unknown fields (kubectl and the API server do): every key of
  every object must also be a property of its type in the package's TypeScript
  declarations, so a misspelled or misplaced field fails.
- First the validator must reject an object that is invalid on purpose, and the field
  check a misplaced field, so a checker that accepts everything fails the test.
Prints "N passed, N failed"; exits 1 on any failure.
"""
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

PACKAGE, VERSION = "kubernetes-models", "5.1.0"
HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
NETWORK_ERRORS = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH",
                  "network", "proxy")


def skip(message):
    print(f"SKIP: {message}")
    sys.exit(77)


def install_models():
    cache = os.path.join(os.path.expanduser("~"), ".cache", "pier-tests", f"{PACKAGE}-{VERSION}")
    if os.path.exists(os.path.join(cache, "node_modules", PACKAGE, "package.json")):
        return cache
    if not shutil.which("npm") or not shutil.which("node"):
        skip("npm and node are needed to install the Kubernetes schemas (apt-get install npm)")
    os.makedirs(cache, exist_ok=True)
    proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", cache,
                           f"{PACKAGE}@{VERSION}"], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        if any(e in proc.stderr for e in NETWORK_ERRORS):
            skip(f"the npm registry cannot be reached to install {PACKAGE}@{VERSION}:\n{proc.stderr[-2000:]}")
        print(f"npm install {PACKAGE}@{VERSION} failed:\n{proc.stderr}")
        sys.exit(1)
    return cache


def validate(models, entries, workdir):
    path = os.path.join(workdir, "objects.json")
    with open(path, "w") as f:
        json.dump(entries, f)
    proc = subprocess.run(["node", os.path.join(HERE, "validate_k8s.mjs"), models, path],
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


IMPORT = re.compile(r'^import \{ ([^}]*) \} from "([^"]+)";', re.M)
PROPERTY = re.compile(r'^    "([^"]+)"\??: (.*)$')
REFERENCE = re.compile(r'^(?:Array<)?(IIoK8s\w+)>?;$')


@functools.lru_cache(maxsize=None)
def declared(dts):
    """{property: path of its type's .d.ts, or None for a scalar or map} of the first
    interface in a declaration file, or None when the file declares no interface."""
    with open(dts) as f:
        text = f.read()
    imports = {}
    for names, source in IMPORT.findall(text):
        if source.startswith("."):
            path = os.path.join(os.path.dirname(dts), source[:-3] if source.endswith(".js") else source)
        else:
            path = os.path.join(dts.split("/node_modules/")[0], "node_modules", source)
        for name in names.split(","):
            imports[name.strip()] = path + ".d.ts"
    start = text.find("\nexport interface ")
    if start < 0:
        return None
    props = {}
    for line in text[start:text.find("\n}", start)].splitlines():
        m = PROPERTY.match(line)
        if m:
            ref = REFERENCE.match(m.group(2))
            props[m.group(1)] = imports.get(ref.group(1)) if ref else None
    return props


def unknown_fields(models, obj):
    """Paths of the keys of `obj` that its type does not declare."""
    root = os.path.join(models, "node_modules", "kubernetes-models", obj["apiVersion"], obj["kind"] + ".d.ts")
    found = []

    def walk(value, dts, path):
        props = declared(dts) if dts and os.path.exists(dts) else None
        if props is None or not isinstance(value, dict):
            return
        for key, item in value.items():
            if key not in props:
                found.append(f"{path}.{key}")
            elif isinstance(item, list):
                for i, element in enumerate(item):
                    walk(element, props[key], f"{path}.{key}[{i}]")
            else:
                walk(item, props[key], f"{path}.{key}")

    walk(obj, root, obj["kind"])
    return found


def field_check_rejects_misplaced(models):
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bad"},
           "spec": {"template": {"spec": {"containers": [{"name": "x", "replicas": 1}]}}}}
    return unknown_fields(models, bad) == ["Deployment.spec.template.spec.containers[0].replicas"]


def validator_rejects_invalid(models, workdir):
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bad"},
           "spec": {"replicas": "one", "template": {"spec": {"containers": [{"name": "x"}]}}}}
    rc, out = validate(models, [{"source": "self-check", "object": bad}], workdir)
    return rc == 1 and "replicas" in out


def compose_files(corpus):
    for project in sorted(os.listdir(corpus)):
        d = os.path.join(corpus, project)
        if not os.path.isdir(d):
            continue
        for name in ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"):
            if os.path.exists(os.path.join(d, name)):
                yield project, d, name
                break


def check_project(pier, models, project, d, name, workdir, env):
    out_dir = os.path.join(workdir, project)
    proc = subprocess.run([pier, "-f", name, "convert", "-o", out_dir], cwd=d, env=env,
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        return [f"convert failed ({proc.returncode}): {proc.stderr.strip()}"]
    services = subprocess.run([pier, "-f", name, "config", "--services"], cwd=d, env=env,
                              capture_output=True, text=True, timeout=60).stdout.split()
    with open(os.path.join(out_dir, "kustomization.yaml")) as f:
        kustomization = yaml.safe_load(f)
    files = sorted(os.listdir(out_dir))
    problems = []
    if sorted(kustomization["resources"] + ["kustomization.yaml"]) != files:
        problems.append(f"kustomization.yaml lists {kustomization['resources']}, the directory holds {files}")
    entries, workloads = [], set()
    for file in kustomization["resources"]:
        with open(os.path.join(out_dir, file)) as f:
            obj = yaml.safe_load(f)
        entries.append({"source": f"{project}/{file}", "object": obj})
        if obj["kind"] in WORKLOADS:
            workloads.add(obj["metadata"]["name"])
    missing = [s for s in services if s not in workloads]
    if missing:
        problems.append(f"no workload for services {missing} (workloads: {sorted(workloads)})")
    rc, out = validate(models, entries, workdir)
    if rc != 0:
        problems.append("invalid objects:\n" + out)
    problems += unknown_field_problems(models, entries)
    if shutil.which("kubectl"):
        built = subprocess.run(["kubectl", "kustomize", out_dir], capture_output=True, text=True, timeout=120)
        if built.returncode != 0:
            problems.append("kubectl kustomize failed:\n" + built.stderr)
        elif len([d for d in yaml.safe_load_all(built.stdout) if d]) != len(entries):
            problems.append("kubectl kustomize built a different number of objects")
    return problems


def unknown_field_problems(models, entries):
    return [f"{e['source']}: unknown field {path}" for e in entries for path in unknown_fields(models, e["object"])]


def golden_objects():
    """(case, [entries]) for every golden case that expects manifests."""
    cases = os.path.join(HERE, "cases")
    for case in sorted(os.listdir(cases)):
        docs = []
        expected = os.path.join(cases, case, "expected.yaml")
        if os.path.exists(expected):
            with open(expected) as f:
                docs = [(f"{case}/expected.yaml", d) for d in yaml.safe_load_all(f) if d]
        directory = os.path.join(cases, case, "expected")
        # A chart's templates are YAML only once Helm renders them.
        if os.path.exists(os.path.join(directory, "kustomization.yaml")):
            for name in sorted(os.listdir(directory)):
                if name != "kustomization.yaml":
                    with open(os.path.join(directory, name)) as f:
                        docs.append((f"{case}/expected/{name}", yaml.safe_load(f)))
        if docs:
            yield case, [{"source": source, "object": obj} for source, obj in docs]


def main():
    pier, root = sys.argv[1], sys.argv[2]
    shared = os.environ.get("PIER_SHARED_DIR") or os.path.join(root, "..", "shared")
    corpus = os.path.realpath(os.path.join(shared, "corpus", "awesome-compose"))
    if not os.path.isdir(corpus):
        skip(f"the corpus {corpus} is absent")
    models = install_models()
    if not shutil.which("kubectl"):
        print("note: kubectl is not installed: the kustomization directories are not built")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    passed, failed = 0, 0
    with tempfile.TemporaryDirectory(prefix="pier-convert-") as workdir:
        env["HOME"] = workdir
        if not validator_rejects_invalid(models, workdir):
            print("the validator accepted an invalid Deployment: the schemas are not applied")
            return 1
        if not field_check_rejects_misplaced(models):
            print("the field check accepted a misplaced field: the declarations are not read")
            return 1
        for case, entries in golden_objects():
            rc, out = validate(models, entries, workdir)
            unknown = unknown_field_problems(models, entries)
            if rc != 0 or unknown:
                failed += 1
                print(f"FAIL golden case {case}:\n{out}" + "\n".join(unknown))
            else:
                passed += 1
        for project, d, name in compose_files(corpus):
            problems = check_project(pier, models, project, d, name, workdir, env)
            if problems:
                failed += 1
                print(f"FAIL {project}/{name}:\n  " + "\n  ".join(problems))
            else:
                passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
