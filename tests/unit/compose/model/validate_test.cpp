#include <catch2/catch.hpp>

#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

TEST_CASE("errors name file:line:col and what to do", "[compose][validate]") {
  struct Case { const char* yaml; const char* location; const char* message; };
  const Case cases[] = {
      {"services:\n  web:\n    image: x\n    enviroment: {A: 1}\n", "compose.yaml:4:5",
       "unknown key `enviroment` (did you mean `environment`?)"},
      {"servics:\n  web:\n    image: x\n", "compose.yaml:1:1", "unknown key `servics` (did you mean `services`?)"},
      {"services:\n  web:\n    image: x\n    restart: sometimes\n", "compose.yaml:4:14", "unknown restart policy `sometimes`"},
      {"services:\n  web:\n    image: x\n    userns_mode: auto\n", "compose.yaml:4:18",
       "userns_mode `auto` is not supported"},
      {"services:\n  web:\n    image: x\n    userns_mode: keep-id:uid=1000\n", "compose.yaml:4:18",
       "userns_mode `keep-id:uid=1000` is not supported"},
      {"services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: service_ready\n  db:\n    image: x\n",
       "compose.yaml:6:20", "unknown condition `service_ready`"},
      {"services:\n  web:\n    image: x\n    depends_on: [db]\n", "compose.yaml:4:18",
       "service \"web\" depends on undefined service \"db\""},
      {"services:\n  web:\n    image: x\n    networks: [front]\n", "compose.yaml:4:16",
       "service \"web\" refers to undefined network front"},
      {"services:\n  web:\n    image: x\n    secrets: [pw]\n", "compose.yaml:4:15", "refers to undefined secret pw"},
      {"services:\n  web:\n    image: x\n    configs: [c]\n", "compose.yaml:4:15", "refers to undefined config c"},
      {"services:\n  web:\n    image: x\n    links: [db]\n", "compose.yaml:4:5", "refers to undefined service db"},
      {"services:\n  web:\n    image: x\n    network_mode: service:vpn\n", "compose.yaml:4:5", "refers to undefined service vpn"},
      {"services:\n  web:\n    image: x\n    volumes_from: [data]\n", "compose.yaml:4:5", "refers to undefined service data"},
      {"services:\n  data:\n    image: x\n  web:\n    image: x\n    volumes_from: [\"data:rx\"]\n", "compose.yaml:6:5",
       "volumes_from `data:rx`: access mode `rx` is not `ro` or `rw` (use `ro` (read-only) or `rw`"},
      {"services:\n  web:\n    image: x\n    volumes_from: [\"container:c:ro:z\"]\n", "compose.yaml:4:5",
       "volumes_from `container:c:ro:z`: access mode `ro:z` is not `ro` or `rw`"},
      {"services:\n  web:\n    image: x\n    volumes_from: [\"container:\"]\n", "compose.yaml:4:5",
       "volumes_from `container:` names no container"},
      {"services:\n  web:\n    image: x\n    network_mode: host\n    networks: [default]\n", "compose.yaml:4:19",
       "`network_mode` and `networks` cannot be used together"},
      {"services:\n  web:\n    image: x\n    container_name: web1\n    scale: 2\n", "compose.yaml:4:5",
       "`container_name` \"web1\" is set, so the service cannot run 2 replicas"},
      {"services:\n  web:\n    image: x\n    container_name: web1\n    deploy: {replicas: 3}\n", "compose.yaml:4:5", "cannot run 3 replicas"},
      {"services:\n  web:\n    environment: {}\n", "compose.yaml:2:3", "has neither an image nor a build context specified"},
      {"services:\n  web:\n    image: x\n    mem_limit: 1q\n", "compose.yaml:4:16", "invalid size `1q`"},
      {"services:\n  web:\n    image: x\n    mem_limit: 1m\n    mem_reservation: 2m\n", "compose.yaml:5:22",
       "`mem_reservation` is greater than `mem_limit`"},
      {"services:\n  web:\n    image: x\n    privileged: maybe\n", "compose.yaml:4:17", "`privileged` must be a boolean, got `maybe`"},
      {"services:\n  web:\n    image: x\n    cap_add: NET_ADMIN\n", "compose.yaml:4:14", "`cap_add` must be a sequence, got string"},
      {"services:\n  web:\n    image: x\n    pull_policy: alway\n", "compose.yaml:4:18", "did you mean `always`?"},
      {"services:\n  web:\n    image: x\n    ipc: sharable\n", "compose.yaml:4:10", "invalid `ipc` `sharable`"},
      {"services:\n  web:\n    image: x\nvolumes:\n  data:\n    drivr: local\n", "compose.yaml:6:5",
       "volumes.data: unknown key `drivr` (did you mean `driver`?)"},
      {"services:\n  web:\n    image: x\nsecrets:\n  s:\n    name: x\n", "compose.yaml:5:3",
       "needs exactly one of `file`, `environment` or `external`"},
      {"services:\n  web:\n    image: x\n    build: {context: ., dockerfile: a, dockerfile_inline: b}\n", "compose.yaml:4:12",
       "sets both `dockerfile` and `dockerfile_inline`"},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    std::string err = error_of(c.yaml);
    CHECK_THAT(err, Catch::StartsWith(c.location) && Catch::Contains(c.message));
  }
}

TEST_CASE("undefined references: no suggestion of the service itself, no Compose noise", "[compose][validate]") {
  // `wbe` is closest to `web`, the service that depends on it: never a useful answer.
  std::string err = error_of("services:\n  web:\n    image: x\n    depends_on: [wbe]\n");
  CHECK_THAT(err, Catch::Contains("service \"web\" depends on undefined service \"wbe\""));
  CHECK_THAT(err, !Catch::Contains("did you mean `web`") && !Catch::Contains("invalid compose project"));
  CHECK_THAT(err, Catch::Contains("define the service or remove it from depends_on"));
  // Another service still is.
  err = error_of("services:\n  web:\n    image: x\n    depends_on: [dbb]\n  db:\n    image: x\n");
  CHECK_THAT(err, Catch::Contains("did you mean `db`?"));
  CHECK_THAT(error_of("services:\n  web:\n    environment: {}\n"), !Catch::Contains("invalid compose project"));
}

TEST_CASE("x- extension keys are kept, not rejected", "[compose][validate]") {
  auto p = normalize("x-common: &c {a: 1}\nservices:\n  web:\n    image: x\n    x-note: hi\n");
  REQUIRE(p.ok());
  CHECK(p->extensions.at("x-common")["a"] == 1);
  CHECK(p->services.at("web").extensions.at("x-note") == "hi");
}

TEST_CASE("the obsolete version key warns", "[compose][validate]") {
  Warnings warnings;
  auto p = normalize_project(make_tree("version: '3.8'\nservices:\n  web:\n    image: x\n"), warnings);
  REQUIRE(p.ok());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].location == "compose.yaml:1:1");
  CHECK_THAT(warnings[0].message, Catch::Contains("the attribute `version` is obsolete"));
}
