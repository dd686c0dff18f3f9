#include "compose/extends.h"

#include "compose/loader.h"
#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

namespace {

std::string service_flow(const ProjectTree& tree, const std::string& name) {
  return flow(*tree.root.find("services")->find(name));
}

}  // namespace

TEST_CASE("extends: same file, short and long forms, recursive", "[loader][extends]") {
  TempDir dir;
  dir.write("compose.yaml",
            "services:\n"
            "  base:\n"
            "    image: busybox\n"
            "    user: root\n"
            "    environment: {TZ: utc, PORT: '80'}\n"
            "  common:\n"
            "    image: busybox\n"
            "    extends:\n"
            "      service: base\n"
            "  cli:\n"
            "    extends: common\n"
            "    environment: [PORT=8080]\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  CHECK(service_flow(*tree, "cli") ==
        "{image: busybox, user: root, environment: {TZ: utc, PORT: 8080}}");
  CHECK(service_flow(*tree, "common") ==
        "{image: busybox, user: root, environment: {TZ: utc, PORT: 80}}");
}

TEST_CASE("extends: another file rebases its relative paths", "[loader][extends]") {
  TempDir dir;
  dir.write("compose.yaml",
            "services:\n"
            "  web:\n"
            "    extends:\n"
            "      file: sub/base.yaml\n"
            "      service: app\n"
            "    image: web\n");
  dir.write("sub/base.yaml",
            "services:\n"
            "  app:\n"
            "    build: ./ctx\n"
            "    env_file: [./a.env, {path: b.env, required: false}]\n"
            "    label_file: ./labels\n"
            "    volumes:\n"
            "      - ./data:/data:ro\n"
            "      - named:/named\n"
            "      - /abs:/abs\n"
            "      - type: bind\n"
            "        source: conf\n"
            "        target: /conf\n"
            "  remote:\n"
            "    build: https://github.com/x/y.git\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  std::string sub = dir.path() + "/sub";
  CHECK(service_flow(*tree, "web") ==
        "{build: " + sub + "/ctx, env_file: [" + sub + "/a.env, {path: " + sub +
            "/b.env, required: false}], label_file: " + sub + "/labels, volumes: [" + sub +
            "/data:/data:ro, named:/named, /abs:/abs, {type: bind, source: " + sub +
            "/conf, target: /conf}], image: web}");
}

TEST_CASE("extends: URL build contexts are not rebased", "[loader][extends]") {
  TempDir dir;
  dir.write("compose.yaml",
            "services:\n  a:\n    extends: {file: other.yaml, service: r}\n");
  dir.write("other.yaml", "services:\n  r:\n    build:\n      context: https://github.com/x/y.git\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  CHECK(service_flow(*tree, "a") == "{build: {context: https://github.com/x/y.git}}");
}

TEST_CASE("extends: nested files resolve relative to each file", "[loader][extends]") {
  TempDir dir;
  dir.write("compose.yaml", "services:\n  t:\n    extends: {file: dir/compose.yaml, service: t}\n");
  dir.write("dir/compose.yaml", "services:\n  t:\n    extends: {file: base.yaml, service: t}\n");
  dir.write("dir/base.yaml", "services:\n  t:\n    image: hello\n    build: .\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  CHECK(service_flow(*tree, "t") == "{image: hello, build: " + dir.path() + "/dir}");
}

TEST_CASE("extends: !reset in the extending service", "[loader][extends]") {
  TempDir dir;
  dir.write("compose.yaml",
            "services:\n"
            "  init: {image: alpine, command: sleep infinity, ports: ['80:80']}\n"
            "  base:\n"
            "    extends: {service: init}\n"
            "    command: !reset\n"
            "    ports: !override ['81:81']\n");
  auto tree = load_dir(dir);
  REQUIRE(tree.ok());
  CHECK(service_flow(*tree, "base") == "{image: alpine, ports: [81:81]}");
}

TEST_CASE("extends: errors", "[loader][extends]") {
  struct Case {
    const char* name;
    const char* compose;
    const char* location;  // relative to the temp dir
    const char* fragment;
  };
  Case cases[] = {
      {"unknown service", "services:\n  a:\n    extends: {service: bse}\n  base: {image: x}\n",
       "compose.yaml:3:14", "extends unknown service `bse`"},
      {"missing file", "services:\n  a:\n    extends: {file: nope.yaml, service: x}\n",
       "compose.yaml:3:21", "nope.yaml"},
      {"self cycle", "services:\n  a:\n    extends: a\n", "compose.yaml:3:14", "cycle"},
      {"cycle of three",
       "services:\n  a:\n    extends: b\n  b:\n    extends: c\n  c:\n    extends: a\n",
       "compose.yaml:3:14", "compose.yaml:b -> "},
      {"no service", "services:\n  a:\n    extends: {file: x.yaml}\n", "compose.yaml:3:14",
       "needs a `service`"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      TempDir dir;
      dir.write("compose.yaml", c.compose);
      auto tree = load_dir(dir);
      REQUIRE_FALSE(tree.ok());
      CHECK(tree.error().location() == dir.path() + "/" + c.location);
      CHECK_THAT(tree.error().to_string(), Catch::Contains(c.fragment));
    }
  }
}

TEST_CASE("extends: cycle across files shows the chain", "[loader][extends]") {
  TempDir dir;
  dir.write("compose.yaml", "services:\n  a:\n    extends: {file: b.yaml, service: b}\n");
  dir.write("b.yaml", "services:\n  b:\n    extends: {file: compose.yaml, service: a}\n");
  auto tree = load_dir(dir);
  REQUIRE_FALSE(tree.ok());
  CHECK_THAT(tree.error().to_string(),
             Catch::Contains("compose.yaml:a -> " + dir.path() + "/b.yaml:b -> " + dir.path() +
                             "/compose.yaml:a"));
}

TEST_CASE("extends: the base file is interpolated with the project environment", "[loader][extends]") {
  TempDir dir;
  dir.write("compose.yaml", "services:\n  a:\n    extends: {file: b.yaml, service: b}\n");
  dir.write("b.yaml", "services:\n  b:\n    image: ${IMG:-dflt}\n");
  auto tree = load_dir(dir, {"compose.yaml"}, {{"IMG", "mine"}});
  REQUIRE(tree.ok());
  CHECK(service_flow(*tree, "a") == "{image: mine}");
}

TEST_CASE("rebase_service_paths: table", "[loader][extends]") {
  struct Case {
    const char* service;
    const char* expected;
  };
  Case cases[] = {
      {"{build: .}", "{build: /p}"},
      {"{build: ../up}", "{build: /up}"},
      {"{build: {dockerfile: D}}", "{build: {dockerfile: D, context: /p}}"},
      {"{build: {context: git@github.com:a/b.git}}", "{build: {context: git@github.com:a/b.git}}"},
      {"{build: {context: ., additional_contexts: {a: ./x, b: 'docker-image://alpine'}}}",
       "{build: {context: /p, additional_contexts: {a: /p/x, b: docker-image://alpine}}}"},
      {"{env_file: x.env}", "{env_file: /p/x.env}"},
      {"{env_file: /abs.env}", "{env_file: /abs.env}"},
      {"{volumes: ['.:/src', '..:/up', 'vol:/v', '~/h:/h', '/tmp']}",
       "{volumes: [/p:/src, /:/up, vol:/v, ~/h:/h, /tmp]}"},
      {"{volumes: [{type: volume, source: v, target: /v}]}",
       "{volumes: [{type: volume, source: v, target: /v}]}"},
      {"{extends: {file: other.yaml, service: s}}", "{extends: {file: /p/other.yaml, service: s}}"},
  };
  for (const auto& c : cases) {
    SECTION(c.service) {
      Node svc = parse(c.service);
      rebase_service_paths(svc, "/p");
      CHECK(flow(svc) == c.expected);
    }
  }
}
