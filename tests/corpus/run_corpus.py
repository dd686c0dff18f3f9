#!/usr/bin/env python3
"""Runs `pier -f <file> config` on every real compose file of the shared corpus.

Usage: run_corpus.py PIER [REPO_ROOT]   (REPO_ROOT defaults to two levels up)

Files: every compose file under ../shared/corpus/awesome-compose and every *.yaml
under ../shared/corpus/compose-go/loader-testdata (relative to the repo root).
Each runs with its directory as cwd and an environment of PATH and HOME only
(HOME is a fresh empty directory).

Every file must:
  - never crash (exit by a signal) nor hang (20 s);
  - exit 0 with a non-empty YAML mapping on stdout, or exit 1 with an error line
    naming file:line:col, unless the error is one that has no location by nature
    (a missing file, a cycle across files, an empty file: UNLOCATED below).
Files listed in EXPECTED must also end as stated there (the compose-go files that
are invalid on purpose must fail with the right kind of message).
Prints one line per failure and "N passed, N failed"; exits 1 on any failure.
Skips (exit 77, ctest's SKIP_RETURN_CODE, with a message) when the corpus is absent.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

TIMEOUT = 20
LOCATED = re.compile(r"\S+:\d+:\d+")

# Errors that have no file:line:col by nature.
UNLOCATED = [re.compile(p, re.I) for p in (
    r"no such file or directory",
    r"not found",
    r"does not exist",
    r"cycle",
    r"empty compose file",
)]

OK = ("ok", None)


def error(kind):
    return ("error", re.compile(kind, re.I))


# Expected outcomes, by path relative to compose-go/loader-testdata. Files not
# listed only have to meet the general rules (many are fragments meant to be
# extended or included, so they may be incomplete on their own).
EXPECTED = {
    # Invalid on purpose.
    "compose-depends-on-cycle.yaml": error(r"cycle"),
    "compose-depends-on-self.yaml": error(r"cycle|itself|self"),
    "compose-include-cycle.yaml": error(r"cycle"),
    # compose-go loads this one with profiles that break the cycle; as a plain
    # file (no profiles in it) every service is enabled and the cycle is real.
    "compose-depends-on-profile-no-cycle.yaml": error(r"cycle"),
    "empty.yaml": error(r"empty"),
    # Valid projects.
    "compose-include.yaml": OK,
    "compose-test-extends.yaml": OK,
    "compose-test-extends-with-context-url.yaml": OK,
    "compose-test-extends-with-context-url-imported.yaml": OK,
    "compose-test-with-version.yaml": OK,
    "combined/compose.yaml": OK,
    "combined/dir/extended.yaml": OK,
    "combined/dir/included.yaml": OK,
    "extends/depends_on.yaml": OK,
    "extends/interpolated.yaml": OK,
    "extends/nested.yaml": OK,
    "extends/ports.yaml": OK,
    "extends/reset.yaml": OK,
    "extends/sibling.yaml": OK,
    "extends/withdir/compose.yaml": OK,
    "extends/withdir/dir/base.yaml": OK,
    "extends/withdir/dir/compose.yaml": OK,
    "include/compose.yaml": OK,
    "include/included.yaml": OK,
    "include/project-directory.yaml": OK,
    "remote/compose.yaml": OK,
    "remote/nested/compose-nested.yaml": OK,
    "subdir/compose-test-extends-imported.yaml": OK,
}

COMPOSE_NAME = re.compile(r"^(docker-)?compose[^/]*\.ya?ml$")


def corpus_files(corpus):
    """[(path, expectation key or None)] in a stable order."""
    files = []
    awesome = os.path.join(corpus, "awesome-compose")
    for dirpath, dirnames, names in os.walk(awesome):
        dirnames.sort()
        for name in sorted(names):
            if COMPOSE_NAME.match(name):
                files.append((os.path.join(dirpath, name), None))
    testdata = os.path.join(corpus, "compose-go", "loader-testdata")
    for dirpath, dirnames, names in os.walk(testdata):
        dirnames.sort()
        for name in sorted(names):
            if name.endswith(".yaml"):
                path = os.path.join(dirpath, name)
                files.append((path, os.path.relpath(path, testdata)))
    return files


def error_lines(stderr):
    # Warnings carry locations too; only error lines count.
    return [line for line in stderr.splitlines()
            if line.strip() and not line.lstrip().lower().startswith("warning")]


def check(pier, path, key, home):
    """Returns None when the file passes, else the reason."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home}
    cmd = [pier, "-f", path, "config"]
    try:
        proc = subprocess.run(cmd, cwd=os.path.dirname(path), env=env, capture_output=True,
                              text=True, errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"hang: no exit after {TIMEOUT} s"
    rc = proc.returncode
    errors = error_lines(proc.stderr)
    first = errors[0] if errors else "(empty stderr)"

    if rc < 0:
        return f"crash: killed by signal {-rc}; stderr: {first}"
    if rc == 0:
        if not proc.stdout.strip():
            return "exit 0 with empty output"
        try:
            doc = yaml.safe_load(proc.stdout)
        except yaml.YAMLError as e:
            return f"exit 0 but the output is not YAML: {e}"
        if not isinstance(doc, dict):
            return "exit 0 but the output is not a YAML mapping"
    elif rc == 1:
        located = any(LOCATED.search(line) for line in errors)
        by_nature = any(rx.search(line) for line in errors for rx in UNLOCATED)
        if not located and not by_nature:
            return f"error without file:line:col: {first}"
    else:
        return f"exit code {rc} (want 0 or 1); stderr: {first}"

    want, kind = EXPECTED.get(key, (None, None)) if key else (None, None)
    if want == "ok" and rc != 0:
        return f"expected success, got: {first}"
    if want == "error":
        if rc == 0:
            return f"expected an error matching /{kind.pattern}/, got exit 0"
        if not any(kind.search(line) for line in errors):
            return f"expected an error matching /{kind.pattern}/, got: {first}"
    return None


def main():
    if len(sys.argv) < 2:
        print("usage: run_corpus.py PIER [REPO_ROOT]", file=sys.stderr)
        return 2
    pier = os.path.abspath(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", ".."))
    corpus = os.path.normpath(os.path.join(root, "..", "shared", "corpus"))
    if not os.path.isdir(corpus):
        print(f"skipping: the shared corpus {corpus} is absent")
        return 77  # ctest SKIP_RETURN_CODE

    files = corpus_files(corpus)
    listed = {key for _, key in files if key}
    passed, failures = 0, []
    for key in sorted(set(EXPECTED) - listed):
        failures.append(f"compose-go/loader-testdata/{key}: listed in EXPECTED but absent")

    with tempfile.TemporaryDirectory(prefix="pier-corpus-") as home:
        for path, key in files:
            reason = check(pier, path, key, home)
            rel = os.path.relpath(path, corpus)
            if reason:
                failures.append(f"{rel}: {reason}")
            else:
                passed += 1

    for line in failures:
        print(f"FAIL {line}")
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
