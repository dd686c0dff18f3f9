#!/usr/bin/env python3
"""Validates compose files against schemas/compose.schema.json.

Usage: validate.py [REPO_ROOT]   (default: two levels above this script)

Checks, each file reported as passed or failed:
  - every compose*.y*ml under examples/ and compose.example.yml at the repo root;
  - every compose*.y*ml of tests/fixtures/config/<case>/ whose case has an
    expected.yaml (a valid project; error cases are skipped);
  - tests/schema/cases/valid/*.yaml must validate, tests/schema/cases/invalid/*.yaml
    must not (they keep the schema from becoming too permissive);
  - the 39 awesome-compose files of ../shared/corpus (skipped with a message when
    the corpus is absent).
Exits 1 when any check fails, listing each file and JSON path that failed.
"""
import glob
import json
import os
import re
import sys

import jsonschema
import yaml


class ComposeLoader(yaml.SafeLoader):
    """YAML as Compose reads it: `!reset` / `!override` tags, dates kept as strings."""


# Compose files hold no timestamps; a value like 2024-01-01 is a string.
ComposeLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_tagged(loader, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    value = loader.construct_scalar(node)
    return None if value == "" else value


ComposeLoader.add_constructor("!reset", _construct_tagged)
ComposeLoader.add_constructor("!override", _construct_tagged)


def json_path(path):
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def keys_to_str(value):
    # YAML 1.1 reads `on:` or `80:` as non-string keys; JSON only has strings.
    if isinstance(value, dict):
        return {str(k): keys_to_str(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keys_to_str(v) for v in value]
    return value


def describe(error):
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):

        known = error.schema.get("properties", {})
        patterns = error.schema.get("patternProperties", {})
        unknown = [k for k in error.instance
                   if k not in known and not any(re.search(p, k) for p in patterns)]
        if unknown:
            return "unknown key(s): " + ", ".join(f"`{k}`" for k in unknown)
    return error.message


def problems(validator, path):
    """Returns a list of "file: $.json.path: message" strings, empty when valid."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=ComposeLoader)
    except (OSError, yaml.YAMLError) as e:
        return [f"{path}: cannot read: {e}"]
    if doc is None:
        doc = {}
    out = []
    for error in sorted(validator.iter_errors(keys_to_str(doc)), key=lambda e: list(map(str, e.path))):
        # For anyOf/oneOf failures, report the alternative that got furthest.
        best = jsonschema.exceptions.best_match([error])
        out.append(f"{path}: {json_path(best.absolute_path)}: {describe(best)}")
    return out


def repo_files(root):
    files = sorted(glob.glob(os.path.join(root, "examples", "**", "compose*.y*ml"), recursive=True))
    example = os.path.join(root, "compose.example.yml")
    if os.path.exists(example):
        files.append(example)
    for case in sorted(glob.glob(os.path.join(root, "tests", "fixtures", "config", "*"))):
        if os.path.exists(os.path.join(case, "expected.yaml")):
            files += sorted(glob.glob(os.path.join(case, "compose*.y*ml")))
    return files


def corpus_files(root):
    corpus = os.path.normpath(os.path.join(root, "..", "shared", "corpus", "awesome-compose"))
    if not os.path.isdir(corpus):
        return None, corpus
    found = []
    for dirpath, _, names in os.walk(corpus):
        for name in names:
            if name.endswith((".yml", ".yaml")) and name.startswith(("compose", "docker-compose")):
                found.append(os.path.join(dirpath, name))
    return sorted(found), corpus


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", ".."))
    with open(os.path.join(root, "schemas", "compose.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)

    passed, failed, messages = 0, 0, []

    def expect_valid(path):
        nonlocal passed, failed
        found = problems(validator, path)
        if found:
            failed += 1
            messages.extend(found)
        else:
            passed += 1

    for path in repo_files(root):
        expect_valid(path)
    for path in sorted(glob.glob(os.path.join(here, "cases", "valid", "*.y*ml"))):
        expect_valid(path)
    for path in sorted(glob.glob(os.path.join(here, "cases", "invalid", "*.y*ml"))):
        if problems(validator, path):
            passed += 1
        else:
            failed += 1
            messages.append(f"{path}: expected to be invalid, but it validates")

    corpus, corpus_dir = corpus_files(root)
    if corpus is None:
        print(f"skipping the awesome-compose corpus: {corpus_dir} is absent")
    else:
        if len(corpus) != 39:
            failed += 1
            messages.append(f"{corpus_dir}: expected 39 compose files, found {len(corpus)}")
        for path in corpus:
            expect_valid(path)

    for line in messages:
        print(f"FAIL {line}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
