#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "compose/profiles.h"
#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

TEST_CASE("environment list and map, bare keys resolved from the environment", "[compose][environment]") {
  auto p = normalize(
      "services:\n  a:\n    image: x\n    environment:\n      - A=1\n      - B\n      - C\n      - D=\n"
      "  b:\n    image: x\n    environment:\n      E: 2\n      F: null\n      G: true\n",
      {{"B", "from-env"}});
  REQUIRE(p.ok());
  const auto& a = p->services.at("a").environment;
  CHECK(a.at("A") == "1");
  CHECK(a.at("B") == "from-env");
  CHECK(a.count("C") == 0);  // unset: left out of the values, kept as unset
  CHECK(p->services.at("a").unset_environment == std::set<std::string>{"C"});
  CHECK(a.at("D").empty());
  const auto& b = p->services.at("b").environment;
  CHECK(b.at("E") == "2");
  CHECK(b.count("F") == 0);
  CHECK(p->services.at("b").unset_environment == std::set<std::string>{"F"});
  CHECK(b.at("G") == "true");
}

TEST_CASE("env_file values come first, environment wins", "[compose][environment]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("pier-env-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "a.env") << "# comment\nA=file\nB=\"quoted\"\nexport C=c\nONLY=x\n";
  auto p = normalize(
      "services:\n  web:\n    image: x\n    env_file:\n      - a.env\n      - path: missing.env\n        required: false\n"
      "    environment:\n      A: inline\n",
      {}, dir.string());
  REQUIRE(p.ok());
  const auto& env = p->services.at("web").environment;
  CHECK(env.at("A") == "inline");
  CHECK(env.at("B") == "quoted");
  CHECK(env.at("C") == "c");
  CHECK(env.at("ONLY") == "x");
  REQUIRE(p->services.at("web").env_files.size() == 2);
  CHECK(p->services.at("web").env_files[1].required == false);

  // A missing required file is an error once profiles say the service is enabled.
  auto missing = normalize("services:\n  web:\n    image: x\n    env_file: nope.env\n", {}, dir.string());
  REQUIRE(missing.ok());
  auto enabled = apply_profiles(*missing, {}, {}, false);
  REQUIRE_FALSE(enabled.ok());
  CHECK_THAT(enabled.error().to_string(), Catch::Contains("compose.yaml:4:15") &&
                                              Catch::Contains("service \"web\"") &&
                                              Catch::Contains("nope.env` not found"));
  fs::remove_all(dir);
}

TEST_CASE("a missing env_file of a service its profiles disable is no error", "[compose][environment]") {
  auto p = normalize(
      "services:\n  web:\n    image: x\n  tool:\n    image: x\n    profiles: [tools]\n    env_file: nope.env\n");
  REQUIRE(p.ok());
  CHECK(apply_profiles(*p, {}, {}, false).ok());
  auto again = normalize(
      "services:\n  web:\n    image: x\n  tool:\n    image: x\n    profiles: [tools]\n    env_file: nope.env\n");
  REQUIRE(again.ok());
  auto with_profile = apply_profiles(*again, {"tools"}, {}, false);
  REQUIRE_FALSE(with_profile.ok());
  CHECK_THAT(with_profile.error().to_string(), Catch::Contains("nope.env` not found"));
}

TEST_CASE("env_file format raw takes each line as written", "[compose][environment]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("pier-env-raw-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "raw.env") << "A=\"quoted\" ${NOT_EXPANDED}\n# B=comment-like\nnot a pair\nC=x=y\r\n";
  auto p = normalize("services:\n  web:\n    image: x\n    env_file:\n      - path: raw.env\n        format: raw\n",
                     {{"NOT_EXPANDED", "no"}}, dir.string());
  REQUIRE(p.ok());
  const auto& env = p->services.at("web").environment;
  CHECK(env.at("A") == "\"quoted\" ${NOT_EXPANDED}");
  CHECK(env.count("# B") == 0);
  CHECK(env.at("C") == "x=y");
  CHECK(env.count("not a pair") == 0);
  fs::remove_all(dir);
}

TEST_CASE("labels list and map", "[compose][environment]") {
  auto p = normalize("services:\n  web:\n    image: x\n    labels: [\"a=1\", \"b\"]\n");
  REQUIRE(p.ok());
  CHECK(p->services.at("web").labels.at("a") == "1");
  CHECK(p->services.at("web").labels.at("b").empty());
}
