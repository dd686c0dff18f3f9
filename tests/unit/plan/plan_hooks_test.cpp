#include <catch2/catch.hpp>

#include <algorithm>

#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;
using Argv = std::vector<std::string>;

namespace {

bool has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

}  // namespace

TEST_CASE("plan: post_start and pre_stop hooks default to the service's user, dir and env", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    user: "1000:1000"
    working_dir: /srv
    group_add: ["audio"]
    environment: {A: service, B: service}
    post_start:
      - command: ["sh", "-c", "touch /tmp/first"]
      - command: ./second.sh --now
        user: root
        working_dir: /
        privileged: true
        environment: {B: hook, C: hook}
    pre_stop:
      - command: ["drain"]
)");
  REQUIRE(p.post_start.size() == 2);
  const auto& first = p.post_start[0];
  CHECK(first.process.argv == Argv{"sh", "-c", "touch /tmp/first"});
  CHECK(first.process.user == "1000:1000");
  CHECK(first.process.workdir == "/srv");
  CHECK(first.process.group_add == Argv{"audio"});
  CHECK(first.process.env == p.spec.process.env);
  CHECK_FALSE(first.privileged);

  const auto& second = p.post_start[1];
  CHECK(second.process.argv == Argv{"./second.sh", "--now"});
  CHECK(second.process.user == "root");
  CHECK(second.process.workdir == "/");
  CHECK(second.privileged);
  // The container's environment, with the hook's values over it and its new ones added.
  CHECK(has(second.process.env, "A=service"));
  CHECK(has(second.process.env, "B=hook"));
  CHECK_FALSE(has(second.process.env, "B=service"));
  CHECK(has(second.process.env, "C=hook"));
  CHECK(has(second.process.env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"));

  REQUIRE(p.pre_stop.size() == 1);
  CHECK(p.pre_stop[0].process.argv == Argv{"drain"});
  CHECK(p.pre_stop[0].process.user == "1000:1000");
}

TEST_CASE("plan: a hook runs as the image's user when the service sets none", "[plan]") {
  auto config = busybox_config();
  config.user = "nobody";
  config.working_dir = "/home";
  auto p = plan_of("services:\n  app:\n    image: busybox\n    pre_stop:\n      - command: [drain]\n", config);
  REQUIRE(p.pre_stop.size() == 1);
  CHECK(p.pre_stop[0].process.user == "nobody");
  CHECK(p.pre_stop[0].process.workdir == "/home");
  CHECK(p.post_start.empty());
}

TEST_CASE("plan: a hook's relative working_dir is an error at its key", "[plan]") {
  auto e = error_of("services:\n  app:\n    image: busybox\n    post_start:\n      - command: [x]\n        working_dir: tmp\n");
  CHECK_THAT(e, Catch::Contains("service \"app\""));
  CHECK_THAT(e, Catch::Contains("`post_start` hook 1: working_dir `tmp` is not an absolute path"));
  CHECK_THAT(e, Catch::Contains(":4:5"));
}
