#include "compose/include.h"

#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

namespace {
const Node& services(const ProjectTree& tree) { return *tree.root.find("services"); }
}  // namespace

TEST_CASE("include: short syntax adds resources with absolute paths", "[loader][include]") {
  TempDir dir;
  dir.write("compose.yaml",
            "include:\n  - lib/compose.yaml\n"
            "services:\n  web:\n    image: web\n    depends_on: [db]\n");
  dir.write("lib/compose.yaml",
            "services:\n"
            "  db:\n"
            "    image: ${DB_IMAGE}\n"
            "    build: .\n"
            "    volumes: ['./data:/data']\n"
            "    env_file: db.env\n"
            "networks:\n  back: {}\n"
            "volumes:\n  dbdata: {}\n"
            "secrets:\n  pw: {file: ./pw.txt}\n"
            "configs:\n  conf: {file: conf.ini}\n");
  dir.write("lib/.env", "DB_IMAGE=postgres\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  std::string lib = dir.path() + "/lib";
  CHECK(tree->root.find("include") == nullptr);
  CHECK(flow(*services(*tree).find("db")) ==
        "{image: postgres, build: " + lib + ", volumes: [" + lib + "/data:/data], env_file: " +
            lib + "/db.env}");
  CHECK(flow(*tree->root.find("networks")) == "{back: {}}");
  CHECK(flow(*tree->root.find("volumes")) == "{dbdata: {}}");
  CHECK(flow(*tree->root.find("secrets")) == "{pw: {file: " + lib + "/pw.txt}}");
  CHECK(flow(*tree->root.find("configs")) == "{conf: {file: " + lib + "/conf.ini}}");
}

TEST_CASE("include: the including environment wins over the included .env", "[loader][include]") {
  TempDir dir;
  dir.write("compose.yaml", "include: [lib/compose.yaml]\n");
  dir.write("lib/compose.yaml", "services:\n  db:\n    image: ${DB_IMAGE}\n");
  dir.write("lib/.env", "DB_IMAGE=postgres\n");
  auto tree = load_dir(dir, {"compose.yaml"}, {{"DB_IMAGE", "mariadb"}});
  REQUIRE(tree.ok());
  CHECK(flow(*services(*tree).find("db")) == "{image: mariadb}");
}

TEST_CASE("include: its env file gives bare environment keys and its secrets' values", "[loader][include]") {
  TempDir dir;
  dir.write("compose.yaml", "include:\n  - path: child/compose.yaml\n    env_file: secret.env\n");
  dir.write("child/compose.yaml",
            "secrets:\n  s: {environment: MY_SECRET}\n  other: {environment: NOT_SET}\n"
            "services:\n  a:\n    image: x\n    environment: [MY_ENV, NOT_SET, B=1]\n"
            "  b:\n    image: x\n    environment: {MY_ENV: null}\n");
  dir.write("secret.env", "MY_SECRET=super-secret\nMY_ENV=foo\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  CHECK(flow(*services(*tree).find("a")) == "{image: x, environment: [MY_ENV=foo, NOT_SET, B=1]}");
  CHECK(flow(*services(*tree).find("b")) == "{image: x, environment: {MY_ENV: foo}}");
  CHECK(tree->included_sources == std::map<std::string, std::string>{{"secrets.s", "super-secret"}});
}

TEST_CASE("include: long syntax with path list, project_directory and env_file", "[loader][include]") {
  TempDir dir;
  dir.write("compose.yaml",
            "include:\n"
            "  - path: [lib/a.yaml, lib/b.yaml]\n"
            "    project_directory: other\n"
            "    env_file: [vars.env]\n");
  dir.write("lib/a.yaml", "services:\n  s:\n    image: ${IMG}\n    build: ./ctx\n");
  dir.write("lib/b.yaml", "services:\n  s:\n    environment: [A=1]\n");
  dir.write("vars.env", "IMG=from-env-file\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  CHECK(flow(*services(*tree).find("s")) ==
        "{image: from-env-file, build: " + dir.path() + "/other/ctx, environment: [A=1]}");
}

TEST_CASE("include: nested includes and extends inside included files", "[loader][include]") {
  TempDir dir;
  dir.write("compose.yaml", "include:\n  - path: [dir/included.yaml]\n");
  dir.write("dir/included.yaml",
            "include: [deeper/compose.yaml]\n"
            "services:\n  service:\n    extends: {file: extended.yaml, service: service}\n");
  dir.write("dir/extended.yaml", "services:\n  service:\n    build: .\n");
  dir.write("dir/deeper/compose.yaml", "services:\n  deep:\n    build: .\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  CHECK(flow(*services(*tree).find("service")) == "{build: " + dir.path() + "/dir}");
  CHECK(flow(*services(*tree).find("deep")) == "{build: " + dir.path() + "/dir/deeper}");
}

TEST_CASE("include: errors", "[loader][include]") {
  struct Case {
    const char* name;
    const char* compose;
    const char* other;  // written to lib/compose.yaml
    const char* fragment;
    const char* location;
  };
  Case cases[] = {
      {"conflicting service", "include: [lib/compose.yaml]\nservices:\n  db: {image: mine}\n",
       "services:\n  db: {image: theirs}\n", "services `db` is defined at", "compose.yaml:1:11"},
      {"conflicting volume", "include: [lib/compose.yaml]\nvolumes:\n  v: {driver: a}\n",
       "volumes:\n  v: {driver: b}\n", "volumes `v`", "compose.yaml:1:11"},
      {"missing file", "include: [nope.yaml]\n", "", "nope.yaml", "compose.yaml:1:11"},
      {"cycle", "include: [lib/compose.yaml]\n", "include: [../compose.yaml]\n", "include cycle",
       "lib/compose.yaml:1:11"},
      {"remote git", "include: ['git@github.com:a/b.git']\n", "", "not supported",
       "compose.yaml:1:11"},
      {"remote oci", "include:\n  - path: oci://docker.io/x/y\n", "", "not supported",
       "compose.yaml:2:5"},
      {"entry without path", "include:\n  - env_file: x\n", "", "needs a `path`",
       "compose.yaml:2:5"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      TempDir dir;
      dir.write("compose.yaml", c.compose);
      if (*c.other) dir.write("lib/compose.yaml", c.other);
      auto tree = load_dir(dir);
      REQUIRE_FALSE(tree.ok());
      CHECK_THAT(tree.error().to_string(), Catch::Contains(c.fragment));
      CHECK(tree.error().location() == dir.path() + "/" + c.location);
    }
  }
}

TEST_CASE("include: identical definitions do not conflict", "[loader][include]") {
  TempDir dir;
  dir.write("compose.yaml", "include: [a/compose.yaml, b/compose.yaml]\n");
  dir.write("a/compose.yaml", "include: [../shared/compose.yaml]\n");
  dir.write("b/compose.yaml", "include: [../shared/compose.yaml]\n");
  dir.write("shared/compose.yaml", "services:\n  s: {image: x}\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  CHECK(flow(*services(*tree).find("s")) == "{image: x}");
}
