#include "compose/discovery.h"
#include "compose/loader.h"
#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

namespace {

LoadOptions options_in(const std::string& dir, Environment env = {}) {
  LoadOptions opts;
  opts.working_directory = dir;
  opts.environment = std::move(env);
  return opts;
}

}  // namespace

TEST_CASE("discovery: priority, parents and override file", "[loader][discovery]") {
  TempDir dir;
  Warnings warnings;
  auto none = discover_compose_files(dir.path(), warnings);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message() == "no configuration file provided: not found");

  dir.write("docker-compose.yml", "services: {}\n");
  auto found = discover_compose_files(dir.path(), warnings);
  REQUIRE(found.ok());
  CHECK(*found == std::vector<std::string>{dir.file("docker-compose.yml")});
  CHECK(warnings.empty());

  dir.write("compose.yaml", "services: {}\n");
  dir.write("docker-compose.override.yml", "services: {}\n");
  dir.write("sub/deeper/.keep", "");
  found = discover_compose_files(dir.file("sub/deeper"), warnings);
  REQUIRE(found.ok());
  CHECK(*found == std::vector<std::string>{dir.file("compose.yaml"),
                                           dir.file("docker-compose.override.yml")});
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0].message, Catch::Contains("multiple config files") &&
                                      Catch::Contains("using " + dir.file("compose.yaml")));
}

TEST_CASE("project name normalisation and validation", "[loader][discovery]") {
  CHECK(normalize_project_name("My App.v2") == "myappv2");
  CHECK(normalize_project_name("__x-Y_") == "x-y_");
  CHECK(normalize_project_name("...") == "");
  CHECK(check_project_name("ok-name_1").ok());
  for (const char* bad : {"", "Upper", "_lead", "-lead", "has space", "dot.ted"}) {
    auto r = check_project_name(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message(),
               Catch::Contains("project name must contain only lowercase letters, digits, dashes "
                               "and underscores, and start with a letter or digit"));
  }
}

TEST_CASE("load_tree: discovery, override merge, project dir and name", "[loader][project]") {
  TempDir dir;
  dir.write("My_Proj/compose.yaml", "services:\n  web: {image: a, ports: ['80:80']}\n");
  dir.write("My_Proj/compose.override.yaml", "services:\n  web: {ports: ['81:81']}\n");
  dir.write("My_Proj/sub/.keep", "");
  auto tree = load_tree(options_in(dir.file("My_Proj/sub")));
  REQUIRE(tree.ok());
  CHECK(tree->name == "my_proj");
  CHECK(tree->working_dir == dir.file("My_Proj"));
  CHECK(tree->config_files == std::vector<std::string>{dir.file("My_Proj/compose.yaml"),
                                                       dir.file("My_Proj/compose.override.yaml")});
  CHECK(flow(*tree->root.find("services")) == "{web: {image: a, ports: [80:80, 81:81]}}");
  CHECK(flow(*tree->root.find("name")) == "my_proj");
}

TEST_CASE("load_tree: project name precedence", "[loader][project]") {
  TempDir dir;
  dir.write("compose.yaml", "name: ${NAME_VAR:-from-file}\nservices: {}\n");
  auto opts = options_in(dir.path());
  SECTION("top-level name, interpolated") {
    CHECK(load_tree(opts)->name == "from-file");
    opts.environment["NAME_VAR"] = "from-var";
    CHECK(load_tree(opts)->name == "from-var");
  }
  SECTION("COMPOSE_PROJECT_NAME beats name:") {
    opts.environment["COMPOSE_PROJECT_NAME"] = "from-env";
    CHECK(load_tree(opts)->name == "from-env");
  }
  SECTION("COMPOSE_PROJECT_NAME from .env") {
    dir.write(".env", "COMPOSE_PROJECT_NAME=dotenv-name\nCOMPOSE_PROFILES=a,b\n");
    auto tree = load_tree(opts);
    REQUIRE(tree.ok());
    CHECK(tree->name == "dotenv-name");
    CHECK(tree->environment.at("COMPOSE_PROFILES") == "a,b");
  }
  SECTION("-p beats everything") {
    opts.environment["COMPOSE_PROJECT_NAME"] = "from-env";
    opts.project_name = "explicit";
    CHECK(load_tree(opts)->name == "explicit");
  }
  SECTION("invalid explicit names are errors") {
    opts.project_name = "Bad Name";
    auto r = load_tree(opts);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message(), Catch::Contains("project name must contain only"));
  }
  SECTION("invalid name: is an error at its location") {
    opts.environment["NAME_VAR"] = "Bad!";
    auto r = load_tree(opts);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().location() == dir.file("compose.yaml") + ":1:7");
  }
}

TEST_CASE("load_tree: env files and the environment", "[loader][project]") {
  TempDir dir;
  dir.write("compose.yaml", "services:\n  web:\n    image: ${IMG}:${TAG:-latest}\n");
  dir.write(".env", "IMG=from-dotenv\nTAG=1\n");
  dir.write("other.env", "IMG=from-other\n");
  auto opts = options_in(dir.path());
  auto image = [&](const LoadOptions& o) {
    auto tree = load_tree(o);
    if (!tree) FAIL(tree.error().to_string());
    return tree->root.find("services")->find("web")->find("image")->value();
  };
  CHECK(image(opts) == "from-dotenv:1");
  opts.environment["IMG"] = "from-process";
  CHECK(image(opts) == "from-process:1");
  opts.environment.erase("IMG");
  opts.env_files = {"other.env"};
  CHECK(image(opts) == "from-other:latest");
  opts.env_files = {};
  opts.environment["COMPOSE_ENV_FILES"] = "other.env,.env";
  CHECK(image(opts) == "from-dotenv:1");
  opts.environment.erase("COMPOSE_ENV_FILES");
  opts.env_files = {"missing.env"};
  auto r = load_tree(opts);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().to_string(), Catch::Contains(dir.file("missing.env")));
}

TEST_CASE("load_tree: COMPOSE_FILE and separators", "[loader][project]") {
  TempDir dir;
  dir.write("a.yaml", "services:\n  s: {image: a}\n");
  dir.write("b.yaml", "services:\n  s: {user: b}\n");
  auto opts = options_in(dir.path(), {{"COMPOSE_FILE", "a.yaml:b.yaml"}});
  auto tree = load_tree(opts);
  REQUIRE(tree.ok());
  CHECK(flow(*tree->root.find("services")) == "{s: {image: a, user: b}}");
  opts.environment = {{"COMPOSE_FILE", "a.yaml;b.yaml"}, {"COMPOSE_PATH_SEPARATOR", ";"}};
  CHECK(load_tree(opts)->config_files.size() == 2);
  // COMPOSE_FILE may come from the working directory's .env.
  dir.write(".env", "COMPOSE_FILE=b.yaml\n");
  opts.environment = {};
  tree = load_tree(opts);
  REQUIRE(tree.ok());
  CHECK(tree->config_files == std::vector<std::string>{dir.file("b.yaml")});
}

TEST_CASE("load_tree: the first .env wins over the project directory's, as Compose", "[loader][project]") {
  TempDir dir;
  dir.write("sub/compose.yaml", "services:\n  s: {image: a}\n");
  dir.write("sub/.env", "SOURCE=sub\nONLY_SUB=sub\n");
  dir.write(".env", "SOURCE=root\nONLY_ROOT=root\n");
  // COMPOSE_FILE from the process: the working directory's .env is read all the same.
  auto tree = load_tree(options_in(dir.path(), {{"COMPOSE_FILE", "sub/compose.yaml"}}));
  REQUIRE(tree.ok());
  CHECK(tree->working_dir == dir.file("sub"));
  CHECK(tree->environment.at("SOURCE") == "root");
  CHECK(tree->environment.at("ONLY_ROOT") == "root");
  CHECK(tree->environment.at("ONLY_SUB") == "sub");
  // -f names the directory first: its .env alone.
  auto opts = options_in(dir.path());
  opts.files = {"sub/compose.yaml"};
  tree = load_tree(opts);
  REQUIRE(tree.ok());
  CHECK(tree->environment.at("SOURCE") == "sub");
  CHECK(tree->environment.count("ONLY_ROOT") == 0);
}

TEST_CASE("load_tree: -f files, stdin and --project-directory", "[loader][project]") {
  TempDir dir;
  dir.write("base/compose.yaml", "services:\n  s:\n    image: a\n    build: .\n");
  dir.write("over/extra.yaml", "services:\n  s:\n    environment: {A: '1'}\n");
  auto opts = options_in(dir.path());
  opts.files = {"base/compose.yaml", "over/extra.yaml", "-"};
  opts.stdin_text = "services:\n  s:\n    user: stdin\n";
  auto tree = load_tree(opts);
  REQUIRE(tree.ok());
  CHECK(tree->working_dir == dir.file("base"));
  CHECK(tree->name == "base");
  CHECK(flow(*tree->root.find("services")) ==
        "{s: {image: a, build: ., environment: {A: 1}, user: stdin}}");
  opts.project_directory = "over";
  CHECK(load_tree(opts)->working_dir == dir.file("over"));
}

TEST_CASE("load_tree: missing -f file names the path", "[loader][project]") {
  TempDir dir;
  auto opts = options_in(dir.path());
  opts.files = {"nope.yaml"};
  auto r = load_tree(opts);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message(), Catch::Contains(dir.file("nope.yaml")) && Catch::Contains("not found"));
  opts.files = {};
  r = load_tree(opts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message() == "no configuration file provided: not found");
}

TEST_CASE("load_tree: interpolate=false keeps variables; warnings collected", "[loader][project]") {
  TempDir dir;
  dir.write("compose.yaml", "services:\n  s:\n    image: ${UNSET_ONE}\n    user: $UNSET_ONE\n");
  auto opts = options_in(dir.path());
  opts.project_name = "p";
  auto tree = load_tree(opts);
  REQUIRE(tree.ok());
  REQUIRE(tree->warnings.size() == 1);
  CHECK(tree->warnings[0].location == dir.file("compose.yaml") + ":3:12");
  opts.interpolate = false;
  tree = load_tree(opts);
  REQUIRE(tree.ok());
  CHECK(tree->root.find("services")->find("s")->find("image")->value() == "${UNSET_ONE}");
  CHECK(tree->warnings.empty());
}

TEST_CASE("load_tree: bad documents fail with a location", "[loader][project]") {
  struct Case {
    const char* yaml;
    const char* location;
  };
  Case cases[] = {
      {"- a\n- b\n", ":1:1"},
      {"services:\n  s:\n    image: ${\n", ":3:12"},
      {"services:\n  s: {image: a}\n  s: {image: b}\n", ":3:3"},
  };
  for (const auto& c : cases) {
    SECTION(c.yaml) {
      TempDir dir;
      dir.write("compose.yaml", c.yaml);
      auto r = load_dir(dir);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().location() == dir.file("compose.yaml") + c.location);
    }
  }
}

TEST_CASE("load_tree: !reset across -f files", "[loader][project]") {
  TempDir dir;
  dir.write("compose.yaml",
            "services:\n  app:\n    image: myapp\n    ports: ['8080:80']\n"
            "    environment: {FOO: BAR}\n");
  dir.write("override.yaml",
            "services:\n  app:\n    image: myapp\n    ports: !reset []\n"
            "    environment:\n      FOO: !reset null\n");
  dir.write("third.yaml", "services:\n  app:\n    ports: ['9090:90']\n");
  auto tree = load_dir(dir, {"compose.yaml", "override.yaml", "third.yaml"});
  REQUIRE(tree.ok());
  CHECK(flow(*tree->root.find("services")) ==
        "{app: {image: myapp, environment: {}, ports: [9090:90]}}");
}

TEST_CASE("load_tree: warnings are reported once across included projects", "[loader][project]") {
  TempDir dir;
  dir.write("compose.yaml", "include: [lib/compose.yaml]\nservices:\n  a: {image: $NOPE}\n");
  dir.write("lib/compose.yaml", "services:\n  b: {image: $NOPE}\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  CHECK(tree->warnings.size() == 1);
}

TEST_CASE("load_tree: several YAML documents in one file merge in order", "[loader][project]") {
  TempDir dir;
  dir.write("compose.yaml",
            "services:\n  a: {image: one, ports: ['1:1']}\n---\nservices:\n  a: {ports: ['2:2']}\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  CHECK(flow(*tree->root.find("services")) == "{a: {image: one, ports: [1:1, 2:2]}}");
}

TEST_CASE("load_tree: --project-directory is where files are discovered", "[loader][project]") {
  TempDir dir;
  dir.write("proj/compose.yaml", "services:\n  a:\n    image: ${IMG}\n");
  dir.write("proj/.env", "IMG=from-proj-env\n");
  dir.write("elsewhere/.keep", "");
  auto opts = options_in(dir.file("elsewhere"));
  opts.project_directory = "../proj";
  auto tree = load_tree(opts);
  if (!tree) FAIL(tree.error().to_string());
  CHECK(tree->config_files == std::vector<std::string>{dir.file("proj/compose.yaml")});
  CHECK(tree->name == "proj");
  CHECK(tree->root.find("services")->find("a")->find("image")->value() == "from-proj-env");
  opts.environment["COMPOSE_DISABLE_ENV_FILE"] = "true";
  tree = load_tree(opts);
  REQUIRE(tree.ok());
  CHECK(tree->root.find("services")->find("a")->find("image")->value() == "");
}
