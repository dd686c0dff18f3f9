#!/usr/bin/env python3
"""check_includes.py on small trees written here: each rule passes a tree that keeps it
and fails, with file:line and the rule, on one that breaks it."""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_includes.py")

DOC = """\
    # How it works

    | module | owns | links |
    |---|---|---|
    | `base/` | basics | fmt, spdlog (private) |
    | `low/` | the bottom | base |
    | `mid/` | the middle | low, base (private), yaml-cpp |
    | `top/` | the program | mid, low, base |

    | library | headers | only in |
    |---|---|---|
    | yaml-cpp | `<yaml-cpp/…>` | `mid/` |
    | spdlog | `<spdlog/…>` | `base/log.cpp` |
"""

CMAKE = {
    "base": "add_library(pier_base STATIC a.cpp)\ntarget_link_libraries(pier_base PUBLIC fmt::fmt PRIVATE spdlog::spdlog)\n",
    "low": "add_library(pier_low STATIC a.cpp)\ntarget_link_libraries(pier_low PUBLIC pier_base)\n",
    "mid": "add_library(pier_mid STATIC a.cpp)\n"
           "target_link_libraries(pier_mid\n  PUBLIC pier_low  # what its headers use\n  PRIVATE pier_base yaml-cpp)\n",
    "top": "add_executable(pier a.cpp)\ntarget_link_libraries(pier PRIVATE pier_mid pier_low pier_base)\n",
}

FILES = {
    "base/log.cpp": '#include "base/log.h"\n#include <spdlog/spdlog.h>\n',
    "base/log.h": "#pragma once\n#include <string>\n",
    "low/low.h": '#pragma once\n#include "base/log.h"\n',
    "mid/mid.h": '#pragma once\n#include "low/low.h"\n',
    "mid/mid.cpp": '#include "mid/mid.h"\n#include "base/log.h"\n#include <yaml-cpp/yaml.h>\n',
    "top/main.cpp": '#include "mid/mid.h"\n#include "low/low.h"\n#include "base/log.h"\n',
}


class CheckIncludesTest(unittest.TestCase):
    def tree(self, doc=DOC, cmake=None, files=None):
        root = tempfile.TemporaryDirectory()
        self.addCleanup(root.cleanup)
        os.makedirs(os.path.join(root.name, "docs"))
        with open(os.path.join(root.name, "docs", "architecture.md"), "w") as f:
            f.write(textwrap.dedent(doc))
        for name, text in {**CMAKE, **(cmake or {})}.items():
            os.makedirs(os.path.join(root.name, "src", name), exist_ok=True)
            with open(os.path.join(root.name, "src", name, "CMakeLists.txt"), "w") as f:
                f.write(text)
        for rel, text in {**FILES, **(files or {})}.items():
            with open(os.path.join(root.name, "src", rel), "w") as f:
                f.write(text)
        return root.name

    def run_check(self, root):
        return subprocess.run([sys.executable, CHECK, root], capture_output=True, text=True)

    def assert_fails_with(self, root, *lines):
        out = self.run_check(root)
        self.assertEqual(out.returncode, 1, out.stdout)
        for line in lines:
            self.assertIn(line, out.stdout)

    def test_a_tree_that_keeps_the_tables_passes(self):
        out = self.run_check(self.tree())
        self.assertEqual(out.returncode, 0, out.stdout)

    def test_a_module_the_row_does_not_list(self):
        root = self.tree(files={"low/bad.cpp": '#include "low/low.h"\n\n#include "mid/mid.h"\n'})
        self.assert_fails_with(root, 'src/low/bad.cpp:3: #include "mid/mid.h": `low/` may use only base '
                                     "(docs/architecture.md:6), not `mid/`")

    def test_a_private_module_in_a_header(self):
        root = self.tree(files={"mid/mid.h": '#pragma once\n#include "base/log.h"\n'})
        self.assert_fails_with(root, 'src/mid/mid.h:2: #include "base/log.h": a header of `mid/` includes '
                                     "`base/`, which `mid/` links privately")

    def test_a_third_party_header_out_of_its_place(self):
        root = self.tree(files={"top/yaml.cpp": "#include <yaml-cpp/yaml.h>\n",
                                "base/other.cpp": "#include <spdlog/spdlog.h>\n"})
        self.assert_fails_with(root, "src/top/yaml.cpp:1: #include <yaml-cpp/yaml.h>: yaml-cpp stays in mid/",
                               "src/base/other.cpp:1: #include <spdlog/spdlog.h>: spdlog stays in base/log.cpp")

    def test_an_include_not_rooted_at_a_module(self):
        root = self.tree(files={"low/rel.cpp": '#include "low.h"\n'})
        self.assert_fails_with(root, 'src/low/rel.cpp:1: #include "low.h": an include of pier\'s own code starts '
                                     "with its module's folder")

    def test_cmake_links_must_match_the_row(self):
        root = self.tree(cmake={
            "low": "add_library(pier_low STATIC a.cpp)\ntarget_link_libraries(pier_low PUBLIC pier_base pier_mid)\n",
            "mid": "add_library(pier_mid STATIC a.cpp)\ntarget_link_libraries(pier_mid PUBLIC pier_base)\n"})
        self.assert_fails_with(root,
                               "src/low/CMakeLists.txt: links pier_mid: the row of `low/` (docs/architecture.md:6) "
                               "does not list mid",
                               "src/mid/CMakeLists.txt: links pier_base PUBLIC: the row of `mid/` "
                               "(docs/architecture.md:7) says private",
                               "src/mid/CMakeLists.txt: does not link pier_low, which the row of `mid/`")

    def test_a_folder_without_a_row(self):
        root = self.tree(cmake={"new": "add_library(pier_new STATIC a.cpp)\n"})
        self.assert_fails_with(root, "src/new/CMakeLists.txt: `new/` is no row of the module table")


if __name__ == "__main__":
    unittest.main()
