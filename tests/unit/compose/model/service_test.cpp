#include <catch2/catch.hpp>

#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

TEST_CASE("commands: strings are shell-split, lists kept", "[compose][service]") {
  auto p = normalize(
      "services:\n  web:\n    image: x\n    command: sh -c 'echo hi'\n    entrypoint: [\"/bin/tini\", \"--\"]\n"
      "  empty:\n    image: x\n    command: []\n");
  REQUIRE(p.ok());
  CHECK(*p->services.at("web").command == std::vector<std::string>{"sh", "-c", "echo hi"});
  CHECK(*p->services.at("web").entrypoint == std::vector<std::string>{"/bin/tini", "--"});
  REQUIRE(p->services.at("empty").command.has_value());
  CHECK(p->services.at("empty").command->empty());
}

TEST_CASE("scalars: sizes, durations, booleans", "[compose][service]") {
  auto p = normalize(
      "services:\n  web:\n    image: x\n    mem_limit: 512m\n    shm_size: 1gb\n    memswap_limit: -1\n"
      "    stop_grace_period: 1m30s\n    privileged: true\n    cpus: 0.5\n    pids_limit: 100\n"
      "    ulimits:\n      nproc: 65535\n      nofile: {soft: 1024, hard: 2048}\n"
      "    extra_hosts: [\"somehost:162.242.195.82\", \"other=::1\"]\n    cpu_rt_period: 11000us\n");
  REQUIRE(p.ok());
  const auto& s = p->services.at("web");
  CHECK(*s.mem_limit == 536870912);
  CHECK(*s.shm_size == 1073741824);
  CHECK(*s.memswap_limit == -1);
  CHECK(*s.stop_grace_period == 90'000'000'000LL);
  CHECK(*s.privileged);
  CHECK(*s.cpus == 0.5);
  CHECK(*s.ulimits.at("nproc").single == 65535);
  CHECK(s.ulimits.at("nofile").hard == 2048);
  CHECK(s.extra_hosts[0].host == "somehost");
  CHECK(s.extra_hosts[0].ip == "162.242.195.82");
  CHECK(s.extra_hosts[1].ip == "::1");
  CHECK(*s.cpu_rt_period == 11000);
}

TEST_CASE("depends_on list and map", "[compose][service]") {
  auto p = normalize(
      "services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: service_healthy\n"
      "        restart: true\n      cache:\n        required: false\n  db:\n    image: x\n  cache:\n    image: x\n"
      "  worker:\n    image: x\n    depends_on: [db]\n");
  REQUIRE(p.ok());
  const auto& d = p->services.at("web").depends_on;
  CHECK(d.at("db").condition == "service_healthy");
  CHECK(d.at("db").restart);
  CHECK(d.at("db").required);
  CHECK_FALSE(d.at("cache").required);
  CHECK(p->services.at("worker").depends_on.at("db").condition == "service_started");
}

TEST_CASE("healthcheck forms", "[compose][service]") {
  auto p = normalize(
      "services:\n  a:\n    image: x\n    healthcheck:\n      test: curl -f http://localhost\n      interval: 30s\n"
      "      retries: 3\n      start_period: 1m\n  b:\n    image: x\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n"
      "  c:\n    image: x\n    healthcheck:\n      disable: true\n");
  REQUIRE(p.ok());
  const auto& a = *p->services.at("a").healthcheck;
  CHECK(*a.test == std::vector<std::string>{"CMD-SHELL", "curl -f http://localhost"});
  CHECK(*a.interval == 30'000'000'000LL);
  CHECK(*a.retries == 3u);
  CHECK(*p->services.at("b").healthcheck->test == std::vector<std::string>{"CMD", "true"});
  CHECK(p->services.at("c").healthcheck->disable);
  CHECK_THAT(error_of("services:\n  a:\n    image: x\n    healthcheck:\n      interval: 10 seconds\n"),
             Catch::Contains("compose.yaml:5:17") && Catch::Contains("invalid duration `10 seconds`"));
  CHECK_THAT(error_of("services:\n  a:\n    image: x\n    healthcheck:\n      test: [\"RUN\", \"x\"]\n"),
             Catch::Contains("must start with CMD, CMD-SHELL or NONE"));
}

TEST_CASE("networks: list, map, implicit default", "[compose][service]") {
  auto p = normalize(
      "services:\n  a:\n    image: x\n    networks:\n      front:\n        aliases: [web]\n        ipv4_address: 172.16.0.5\n"
      "      back:\n  b:\n    image: x\n  c:\n    image: x\n    network_mode: host\n"
      "networks:\n  front:\n  back:\n    external: true\n");
  REQUIRE(p.ok());
  const auto& a = p->services.at("a").networks;
  CHECK(a.at("front").aliases == std::vector<std::string>{"web"});
  CHECK(a.at("front").has_config);
  CHECK_FALSE(a.at("back").has_config);
  CHECK(p->services.at("b").networks.count("default") == 1);
  CHECK(p->services.at("c").networks.empty());
  CHECK(p->networks.at("default").name == "proj_default");
  CHECK(p->networks.at("front").name == "proj_front");
  CHECK(p->networks.at("back").name == "back");
  CHECK(p->networks.at("back").external);
}

TEST_CASE("build short and long", "[compose][service]") {
  auto p = normalize(
      "services:\n  a:\n    build: ./app\n  b:\n    build:\n      context: .\n      dockerfile: Dockerfile.dev\n"
      "      args: [\"A=1\", \"B\"]\n      target: dev\n      cache_from: [x]\n      shm_size: 2g\n",
      {{"B", "bee"}});
  REQUIRE(p.ok());
  const auto& a = *p->services.at("a").build;
  CHECK(a.context == "/work/proj/app");
  CHECK(a.dockerfile == "Dockerfile");
  CHECK(p->services.at("a").image.empty());
  CHECK(p->services.at("a").image_or_default("proj") == "proj-a");
  const auto& b = *p->services.at("b").build;
  CHECK(b.context == "/work/proj");
  CHECK(b.dockerfile == "Dockerfile.dev");
  CHECK(*b.args.at("A") == "1");
  CHECK(*b.args.at("B") == "bee");
  CHECK(b.target == "dev");
  CHECK(*b.shm_size == 2147483648LL);
}

TEST_CASE("deploy resources and replicas", "[compose][service]") {
  auto p = normalize(
      "services:\n  a:\n    image: x\n    deploy:\n      replicas: 3\n      resources:\n        limits:\n"
      "          cpus: '0.50'\n          memory: 50M\n        reservations:\n          memory: 20M\n"
      "      restart_policy:\n        condition: on-failure\n        delay: 5s\n        max_attempts: 3\n");
  REQUIRE(p.ok());
  const auto& s = p->services.at("a");
  CHECK(s.replicas() == 3);
  CHECK(*s.deploy->limits->cpus == 0.5);
  CHECK(*s.deploy->limits->memory == 50 * 1024 * 1024);
  CHECK(*s.deploy->restart_policy->delay == 5'000'000'000LL);
}

TEST_CASE("secrets and configs", "[compose][service]") {
  auto p = normalize(
      "services:\n  a:\n    image: x\n    secrets:\n      - db_pass\n      - source: api\n        target: api_key\n"
      "        mode: 0440\n    configs: [conf]\n"
      "secrets:\n  db_pass:\n    file: ./pass.txt\n  api:\n    environment: API_KEY\n"
      "configs:\n  conf:\n    content: hello\n");
  REQUIRE(p.ok());
  const auto& s = p->services.at("a");
  CHECK(s.secrets[0].target == "db_pass");
  CHECK(s.secrets[1].target == "api_key");
  CHECK(*s.secrets[1].mode == 0440u);
  CHECK(p->secrets.at("db_pass").file == "/work/proj/pass.txt");
  CHECK(p->secrets.at("db_pass").name == "proj_db_pass");
  CHECK(*p->configs.at("conf").content == "hello");
}

TEST_CASE("links, volumes_from and service: modes become depends_on", "[compose][service]") {
  auto p = normalize(
      "services:\n  a:\n    image: x\n    links: [db:database]\n    volumes_from: [data:ro, container:c]\n"
      "    network_mode: service:vpn\n    depends_on:\n      db:\n        condition: service_healthy\n"
      "  db:\n    image: x\n  data:\n    image: x\n  vpn:\n    image: x\n");
  REQUIRE(p.ok());
  const auto& d = p->services.at("a").depends_on;
  REQUIRE(d.size() == 3);
  CHECK(d.at("db").condition == "service_healthy");  // explicit entry wins
  CHECK(d.at("data").condition == "service_started");
  CHECK(d.at("vpn").required);
  CHECK(d.at("vpn").mark.line == 6);
}

TEST_CASE("kept-as-written sections still reject unknown keys", "[compose][service]") {
  CHECK_THAT(normalize("services:\n  a:\n    image: x\n    develop:\n      watch:\n        - path: .\n          acton: sync\n")
                 .error().to_string(),
             Catch::Contains("compose.yaml:7:11") && Catch::Contains("did you mean `action`?"));
  CHECK_THAT(normalize("services:\n  a:\n    image: x\n    blkio_config:\n      wieght: 10\n").error().to_string(),
             Catch::Contains("unknown key `wieght`"));
}

TEST_CASE("pre_start steps: image, per_replica and an optional command", "[compose][service]") {
  auto p = normalize("services:\n  a:\n    image: x\n    pre_start:\n      - image: y\n        per_replica: false\n"
                     "      - command: [sh, -c, 'true']\n");
  REQUIRE(p);
  const auto& steps = p->find_service("a")->pre_start;
  REQUIRE(steps.size() == 2);
  CHECK(steps[0].image == "y");
  CHECK(steps[0].per_replica == false);
  CHECK(steps[0].command.empty());
  CHECK(steps[1].command == std::vector<std::string>{"sh", "-c", "true"});
  // Wrong types and what is not supported are refused where they are written.
  CHECK(error_of("services:\n  a:\n    image: x\n    pre_start:\n      - per_replica: maybe\n")
            .starts_with("compose.yaml:5:22:"));
  CHECK_THAT(error_of("services:\n  a:\n    image: x\n    pre_start:\n      - per_replica: true\n"),
             Catch::Matchers::StartsWith("compose.yaml:5:22:") &&
                 Catch::Matchers::Contains("`per_replica: true` is not supported yet"));
  CHECK(error_of("services:\n  a:\n    image: x\n    pre_start:\n      - image: [y]\n").starts_with("compose.yaml:5:16:"));
  // The keys stay pre_start's: a post_start hook has no image and needs a command.
  CHECK_THAT(error_of("services:\n  a:\n    image: x\n    post_start:\n      - command: 'true'\n        image: y\n"),
             Catch::Matchers::Contains("image"));
  CHECK_THAT(error_of("services:\n  a:\n    image: x\n    post_start:\n      - user: root\n"),
             Catch::Matchers::Contains("has no `command`"));
}
