#!/usr/bin/env python3
"""What `cmake --install` and `cpack -G DEB` make of a build tree (cmake/packaging.cmake),
checked on the files they produce, without installing anything on the host.

Usage: install_test.py BUILD_DIR VERSION [SONAME...]

- install: `cmake --install` into a DESTDIR puts exactly <prefix>/bin/pier and
  pier-supervisor beside it there (/usr/local by default, --prefix honoured), and the
  installed binary runs.
- deb: the package holds /usr/bin/pier and /usr/bin/pier-supervisor, stripped, and its
  Depends names the Debian package of every shared library pier's ELF files ask for (DT_NEEDED), of every SONAME
  given (the libraries pier loads on demand), and tini.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

BUILD = None
VERSION = None
ON_DEMAND = []


def run(*argv, **kwargs):
    return subprocess.run(list(argv), capture_output=True, text=True, check=True, **kwargs)


def files_under(top):
    return sorted(os.path.relpath(os.path.join(d, f), top) for d, _, fs in os.walk(top) for f in fs)


def needed(elf):
    """The sonames an ELF file asks the dynamic loader for."""
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run("readelf", "-d", elf).stdout)


def package_names(package):
    """`package` and the virtual packages it provides (shlibs may name one: libspdlog1.10-fmt9)."""
    provides = run("dpkg-query", "-W", "-f=${Provides}", package).stdout
    return {package} | {p.strip().split()[0] for p in provides.split(",") if p.strip()}


def owning_package(soname):
    """The Debian package that ships `soname` for this architecture, through the loader cache."""
    cache = run("ldconfig", "-p").stdout
    match = re.search(r"^\s*" + re.escape(soname) + r" \(libc6,x86-64[^)]*\) => (\S+)$", cache, re.M)
    if not match:
        raise AssertionError(f"{soname} is not in the loader cache")
    # With merged /usr a package may ship the file under /lib or /usr/lib: ask for both.
    paths = {match.group(1), os.path.realpath(match.group(1))}
    for path in sorted(paths | {p[len("/usr"):] if p.startswith("/usr/") else "/usr" + p for p in paths}):
        owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if owner.returncode == 0:
            return owner.stdout.split(":")[0]
    raise AssertionError(f"no package ships {match.group(1)} ({soname})")


class Install(unittest.TestCase):
    def setUp(self):
        self.dest = tempfile.mkdtemp(prefix="pier-install-")
        self.addCleanup(shutil.rmtree, self.dest, True)

    def test_default_prefix_is_usr_local_bin_and_the_installed_binary_runs(self):
        run("cmake", "--install", BUILD, env=dict(os.environ, DESTDIR=self.dest))
        self.assertEqual(files_under(self.dest), ["usr/local/bin/pier", "usr/local/bin/pier-supervisor"])
        out = run(os.path.join(self.dest, "usr/local/bin/pier"), "version").stdout
        self.assertRegex(out, rf"^pier version {re.escape(VERSION)} \(Docker Compose v2\.\d+\.\d+ compatible\)\n$")

    def test_prefix_overrides_usr_local(self):
        run("cmake", "--install", BUILD, "--prefix", "/opt/pier", env=dict(os.environ, DESTDIR=self.dest))
        self.assertEqual(files_under(self.dest), ["opt/pier/bin/pier", "opt/pier/bin/pier-supervisor"])


class Deb(unittest.TestCase):
    def test_package_holds_the_stripped_binary_and_depends_on_every_library_it_needs(self):
        if not shutil.which("dpkg-shlibdeps"):
            self.skipTest("dpkg-shlibdeps (dpkg-dev) is not installed")
        out = tempfile.mkdtemp(prefix="pier-deb-")
        self.addCleanup(shutil.rmtree, out, True)
        run("cpack", "-G", "DEB", "--config", os.path.join(BUILD, "CPackConfig.cmake"), "-B", out)
        debs = [f for f in os.listdir(out) if f.endswith(".deb")]
        self.assertEqual(len(debs), 1, os.listdir(out))
        deb = os.path.join(out, debs[0])
        self.assertRegex(debs[0], r"^pier_" + re.escape(VERSION) + r"_[a-z0-9]+\.deb$")

        tree = os.path.join(out, "tree")
        run("dpkg-deb", "-x", deb, tree)
        elves = [f for f in files_under(tree) if run("file", "-b", os.path.join(tree, f)).stdout.startswith("ELF")]
        self.assertIn("usr/bin/pier", elves)
        self.assertIn("usr/bin/pier-supervisor", elves)
        for elf in elves:
            self.assertTrue(run("file", "-b", os.path.join(tree, elf)).stdout.rstrip().endswith(", stripped"),
                            f"{elf} is not stripped")
        self.assertRegex(run(os.path.join(tree, "usr/bin/pier"), "version").stdout,
                         rf"^pier version {re.escape(VERSION)} \(Docker Compose v2\.\d+\.\d+ compatible\)\n$")

        depends = {d.strip().split()[0] for d in run("dpkg-deb", "-f", deb, "Depends").stdout.split(",")}
        self.assertIn("tini", depends)  # /usr/bin/tini-static, for `init: true`
        own = {os.path.basename(e) for e in elves}
        wanted = [(elf, soname) for elf in elves for soname in needed(os.path.join(tree, elf)) if soname not in own]
        wanted += [("usr/bin/pier (on demand)", soname) for soname in ON_DEMAND]
        for elf, soname in wanted:
            package = owning_package(soname)
            self.assertTrue(package_names(package) & depends,
                            f"{elf} needs {soname} from {package}, which Depends does not name: {sorted(depends)}")


if __name__ == "__main__":
    BUILD, VERSION, ON_DEMAND = sys.argv[1], sys.argv[2], sys.argv[3:]
    unittest.main(argv=sys.argv[:1], verbosity=2)
