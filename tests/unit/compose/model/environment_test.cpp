#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

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
  CHECK(a.count("C") == 0);  // unset: left out
  CHECK(a.at("D").empty());
  const auto& b = p->services.at("b").environment;
  CHECK(b.at("E") == "2");
  CHECK(b.count("F") == 0);
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

  auto missing = normalize("services:\n  web:\n    image: x\n    env_file: nope.env\n", {}, dir.string());
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().to_string(), Catch::Contains("compose.yaml:4:15") && Catch::Contains("nope.env` not found"));
  fs::remove_all(dir);
}

TEST_CASE("labels list and map", "[compose][environment]") {
  auto p = normalize("services:\n  web:\n    image: x\n    labels: [\"a=1\", \"b\"]\n");
  REQUIRE(p.ok());
  CHECK(p->services.at("web").labels.at("a") == "1");
  CHECK(p->services.at("web").labels.at("b").empty());
}
