#!/usr/bin/env python3
"""Runs one golden `pier convert` case.

A case directory (tests/convert/cases/<case>/) holds the project's files and:
  args             optional: arguments after `convert`, one per line
  env              optional: KEY=VALUE lines, the whole environment pier sees (besides PATH)
  expected.yaml    the exact stdout of a successful run, or
  expected/        the exact files (and folders) `convert -o DIR` writes, stdout empty;
                   files of Secrets must be mode 0600, the others 0644, or
  expected.err     lines that must each appear in stderr of a failing run
  expected.stderr  optional: the exact stderr of a successful run (the warnings);
                   without it stderr must be empty
`{dir}` stands for the case directory in expected files.
Set PIER_UPDATE_GOLDEN=1 to rewrite expected.yaml, expected/ and expected.stderr.
"""
import difflib
import os
import shutil
import subprocess
import sys
import tempfile


def read_lines(path):
    with open(path) as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def diff(name, want, got):
    return "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), name, "actual"))


def compare_text(path, got, update, failures):
    if update:
        with open(path, "w") as f:
            f.write(got)
    want = open(path).read() if os.path.exists(path) else ""
    if got != want:
        failures.append(f"{os.path.basename(path)} differs:\n" + diff(os.path.basename(path), want, got))


def tree(root):
    """Paths of the files under root, relative to it."""
    return sorted(os.path.relpath(os.path.join(d, n), root) for d, _, names in os.walk(root) for n in names)


def compare_dir(expected, actual, case, update, failures):
    if update:
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(actual, expected)
    want, got = tree(expected), tree(actual)
    if want != got:
        failures.append(f"files differ: expected {want}, wrote {got}")
    for name in got:
        path = os.path.join(actual, name)
        text = open(path).read()
        mode = os.stat(path).st_mode & 0o777
        want_mode = 0o600 if "\nkind: Secret\n" in text else 0o644
        if mode != want_mode:
            failures.append(f"{name}: mode {oct(mode)}, want {oct(want_mode)}")
        if name in want:
            compare_text(os.path.join(expected, name), text.replace(case, "{dir}"), False, failures)


def main():
    pier, case = sys.argv[1], os.path.realpath(sys.argv[2])
    update = os.environ.get("PIER_UPDATE_GOLDEN") == "1"
    args = read_lines(os.path.join(case, "args")) if os.path.exists(os.path.join(case, "args")) else []
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if os.path.exists(os.path.join(case, "env")):
        for line in read_lines(os.path.join(case, "env")):
            k, v = line.split("=", 1)
            env[k] = v
    expected_dir = os.path.join(case, "expected")
    with tempfile.TemporaryDirectory(prefix="pier-convert-case-") as tmp:
        out_dir = os.path.join(tmp, "out")
        cmd = [pier, "convert"] + args + (["-o", out_dir] if os.path.isdir(expected_dir) else [])
        proc = subprocess.run(cmd, cwd=case, env=env, capture_output=True, text=True, timeout=60)
        stderr = proc.stderr.replace(case, "{dir}")
        failures = []
        expected_err = os.path.join(case, "expected.err")
        if os.path.exists(expected_err):
            if proc.returncode == 0:
                failures.append("expected a failure, got exit code 0")
            for line in read_lines(expected_err):
                if line not in stderr:
                    failures.append(f"stderr lacks: {line}")
        else:
            if proc.returncode != 0:
                failures.append(f"exit code {proc.returncode}")
            if os.path.isdir(expected_dir):
                if proc.stdout:
                    failures.append("stdout is not empty with -o")
                if os.path.isdir(out_dir):
                    compare_dir(expected_dir, out_dir, case, update and proc.returncode == 0, failures)
                else:
                    failures.append("nothing was written")
            else:
                compare_text(os.path.join(case, "expected.yaml"), proc.stdout.replace(case, "{dir}"),
                             update and proc.returncode == 0, failures)
            stderr_file = os.path.join(case, "expected.stderr")
            if os.path.exists(stderr_file) or (update and stderr):
                compare_text(stderr_file, stderr, update and proc.returncode == 0, failures)
            elif stderr:
                failures.append("unexpected stderr:\n" + stderr)
    if failures:
        print("command:", " ".join(cmd))
        print("stderr:", proc.stderr)
        print("\n".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
