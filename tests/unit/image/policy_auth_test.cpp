#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "image/archive/change.h"
#include "image/pull_policy.h"
#include "image/registry/auth.h"

using namespace pier::image;

TEST_CASE("pull_policy parsing and decisions", "[pull_policy]") {
  CHECK(parse_pull_policy("always")->kind == PullPolicy::Kind::always);
  CHECK(parse_pull_policy("if_not_present")->kind == PullPolicy::Kind::missing);
  CHECK(parse_pull_policy("daily")->interval_s == 86400);
  CHECK(parse_pull_policy("weekly")->interval_s == 604800);
  CHECK(parse_pull_policy("every_1h30m")->interval_s == 5400);
  CHECK(parse_pull_policy("every_2d")->interval_s == 172800);
  CHECK_FALSE(parse_pull_policy("every_").ok());
  CHECK_FALSE(parse_pull_policy("every_5x").ok());
  CHECK(parse_pull_policy("sometimes").error().to_string().find("every_<duration>") != std::string::npos);

  const int64_t now = 1'000'000;
  CHECK(decide_pull(*parse_pull_policy("missing"), std::nullopt, now) == PullDecision::pull);
  CHECK(decide_pull(*parse_pull_policy("missing"), now - 5, now) == PullDecision::use_local);
  CHECK(decide_pull(*parse_pull_policy("never"), std::nullopt, now) == PullDecision::fail_missing);
  CHECK(decide_pull(*parse_pull_policy("always"), now, now) == PullDecision::pull);
  CHECK(decide_pull(*parse_pull_policy("build"), now, now) == PullDecision::build);
  CHECK(decide_pull(*parse_pull_policy("daily"), now - 3600, now) == PullDecision::use_local);
  CHECK(decide_pull(*parse_pull_policy("daily"), now - 90000, now) == PullDecision::pull);
}

TEST_CASE("WWW-Authenticate challenges", "[auth]") {
  auto c = parse_challenge(R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
  REQUIRE(c.ok());
  CHECK(c->scheme == "bearer");
  CHECK(c->params.at("realm") == "https://auth.docker.io/token");
  CHECK(c->params.at("service") == "registry.docker.io");
  CHECK(c->params.at("scope") == "repository:library/busybox:pull");
  auto b = parse_challenge(R"(Basic realm="Registry Realm")");
  REQUIRE(b.ok());
  CHECK(b->scheme == "basic");
  CHECK(b->params.at("realm") == "Registry Realm");
  CHECK(base64_decode(base64_encode("user:pa:ss")) == "user:pa:ss");
  CHECK(base64_encode("ab") == "YWI=");
}

TEST_CASE("import --change instructions", "[change]") {
  nlohmann::json config = nlohmann::json::object();
  REQUIRE(apply_change(config, R"(CMD ["sh", "-c", "echo hi"])").ok());
  REQUIRE(apply_change(config, "ENTRYPOINT /init --flag").ok());
  REQUIRE(apply_change(config, "ENV A=1 B=two").ok());
  REQUIRE(apply_change(config, "ENV A 3").ok());
  REQUIRE(apply_change(config, "workdir /app").ok());
  REQUIRE(apply_change(config, "EXPOSE 80 53/udp").ok());
  REQUIRE(apply_change(config, "LABEL k=v").ok());
  CHECK(config["Cmd"] == nlohmann::json::array({"sh", "-c", "echo hi"}));
  CHECK(config["Entrypoint"] == nlohmann::json::array({"/bin/sh", "-c", "/init --flag"}));
  CHECK(config["Env"] == nlohmann::json::array({"B=two", "A=3"}));
  CHECK(config["WorkingDir"] == "/app");
  CHECK(config["ExposedPorts"].contains("80/tcp"));
  CHECK(config["ExposedPorts"].contains("53/udp"));
  CHECK(config["Labels"]["k"] == "v");
  CHECK_FALSE(apply_change(config, "RUN rm -rf /").ok());
  CHECK_FALSE(apply_change(config, "CMD [not json").ok());
}
