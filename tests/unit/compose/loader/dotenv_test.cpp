#include "compose/dotenv.h"

#include <filesystem>

#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

namespace {

const std::string kFixtures = std::string(PIER_SHARED_DIR) + "/corpus/compose-go/dotenv/";

Environment parse_text(const std::string& text, const Environment& env = {}) {
  auto r = parse_dotenv(text, ".env", lookup_in(env));
  if (!r) FAIL(r.error().to_string());
  return std::move(r).value();
}

// Loads a compose-go fixture, or SKIPs the test when the corpus is absent.
Environment fixture(const std::string& name, const Environment& env = {}) {
  if (!std::filesystem::exists(kFixtures + name)) {
    WARN("compose-go corpus not found at " << kFixtures << ": skipping");
    return {{"__skip__", ""}};
  }
  auto r = read_dotenv_file(kFixtures + name, lookup_in(env));
  if (!r) FAIL(r.error().to_string());
  return std::move(r).value();
}

#define SKIP_IF_ABSENT(env) \
  if ((env).count("__skip__")) return

void check_plain(const Environment& env) {
  CHECK(env.at("OPTION_A") == "1");
  CHECK(env.at("OPTION_B") == "2");
  CHECK(env.at("OPTION_C") == "3");
  CHECK(env.at("OPTION_D") == "4");
  CHECK(env.at("OPTION_E") == "5");
  CHECK(env.at("456") == "ABC");
  CHECK(env.at("OPTION_F") == "");
  CHECK(env.at("OPTION_G") == "");
  CHECK(env.at("OPTION_H") == "my string");
  CHECK(env.size() == 9);
}

}  // namespace

TEST_CASE("dotenv fixture plain.env", "[loader][dotenv]") {
  auto env = fixture("plain.env");
  SKIP_IF_ABSENT(env);
  check_plain(env);
}

TEST_CASE("dotenv fixture utf8-bom.env (BOM ignored)", "[loader][dotenv]") {
  auto env = fixture("utf8-bom.env");
  SKIP_IF_ABSENT(env);
  check_plain(env);
}

TEST_CASE("dotenv fixture quoted.env", "[loader][dotenv]") {
  auto env = fixture("quoted.env");
  SKIP_IF_ABSENT(env);
  CHECK(env.at("OPTION_A") == "1");
  CHECK(env.at("OPTION_B") == "2");
  CHECK(env.at("OPTION_C") == "");
  CHECK(env.at("OPTION_D") == "\\n");
  CHECK(env.at("OPTION_E") == "1");
  CHECK(env.at("OPTION_F") == "2");
  CHECK(env.at("OPTION_G") == "");
  CHECK(env.at("OPTION_H") == "\n");
  CHECK(env.at("OPTION_I") == "echo 'asd'");
  CHECK(env.at("OPTION_J") == "first line\nsecond line\nthird line\nand so on");
  CHECK(env.at("OPTION_K") == "Let's go!");
  CHECK(env.at("OPTION_Z") == "last value");
  CHECK(env.size() == 12);
}

TEST_CASE("dotenv fixture exported.env", "[loader][dotenv]") {
  auto env = fixture("exported.env");
  SKIP_IF_ABSENT(env);
  CHECK(env.at("OPTION_A") == "2");
  CHECK(env.at("OPTION_B") == "\\n");
  CHECK(env.size() == 2);
}

TEST_CASE("dotenv fixture equals.env", "[loader][dotenv]") {
  auto env = fixture("equals.env");
  SKIP_IF_ABSENT(env);
  CHECK(env.at("OPTION_A") == "postgres://localhost:5432/database?sslmode=disable");
  CHECK(env.size() == 1);
}

TEST_CASE("dotenv fixture special.env (dots and dashes in names)", "[loader][dotenv]") {
  auto env = fixture("special.env");
  SKIP_IF_ABSENT(env);
  CHECK(env.at("VAR.WITH.DOTS") == "dots");
  CHECK(env.at("VAR_WITH_UNDERSCORES") == "underscores");
  CHECK(env.at("VAR-WITH-DASHES") == "dashes");
  CHECK(env.size() == 3);
}

TEST_CASE("dotenv fixture unquoted.env", "[loader][dotenv]") {
  auto env = fixture("unquoted.env");
  SKIP_IF_ABSENT(env);
  CHECK(env.at("OPTION_A") == "some quoted phrase");
  CHECK(env.at("OPTION_B") == "first one with an unquoted phrase");
  CHECK(env.at("OPTION_C") == "then another one with an unquoted phrase");
  CHECK(env.at("OPTION_D") == "then another one with an unquoted phrase special \xC3\xA8 char");
  CHECK(env.at("OPTION_E") == "then another one quoted phrase");
  CHECK(env.size() == 5);
}

TEST_CASE("dotenv fixture substitutions.env", "[loader][dotenv]") {
  auto env = fixture("substitutions.env");
  SKIP_IF_ABSENT(env);
  CHECK(env.at("OPTION_A") == "1");
  CHECK(env.at("OPTION_B") == "1");
  CHECK(env.at("OPTION_C") == "1");
  CHECK(env.at("OPTION_D") == "1_1");
  CHECK(env.at("OPTION_E") == "");
}

TEST_CASE("dotenv fixture substitutions-default.env", "[loader][dotenv]") {
  auto env = fixture("substitutions-default.env");
  SKIP_IF_ABSENT(env);
  CHECK(env.at("OPTION_A") == "1");
  CHECK(env.at("OPTION_B") == "1");
  CHECK(env.at("OPTION_C") == "1");
  CHECK(env.at("OPTION_D") == "1_1");
  CHECK(env.at("OPTION_E") == "");
  // The environment is consulted before the file's own values.
  auto from_env = fixture("substitutions-default.env", {{"OPTION_A", "7"}});
  CHECK(from_env.at("OPTION_A") == "7");
  CHECK(from_env.at("OPTION_D") == "7_7");
}

TEST_CASE("dotenv fixture inherited-single-var.env", "[loader][dotenv]") {
  auto env = fixture("inherited-single-var.env", {{"VAR_TO_BE_LOADED_FROM_OS_ENV", "from os"}});
  SKIP_IF_ABSENT(env);
  CHECK(env.at("VAR_TO_BE_LOADED_FROM_OS_ENV") == "from os");
  CHECK(env.size() == 1);
}

TEST_CASE("dotenv fixture inherited-multi-var.env", "[loader][dotenv]") {
  auto env = fixture("inherited-multi-var.env", {{"VAR_TO_BE_LOADED_FROM_OS_ENV", "from os"}});
  SKIP_IF_ABSENT(env);
  CHECK(env.at("foo") == "bar");
  CHECK(env.at("VAR_TO_BE_LOADED_FROM_OS_ENV") == "from os");
  CHECK(env.at("bar") == "baz");
  CHECK(env.size() == 3);
}

TEST_CASE("dotenv fixture inherited-not-found.env", "[loader][dotenv]") {
  auto env = fixture("inherited-not-found.env");
  SKIP_IF_ABSENT(env);
  CHECK(env.empty());
}

TEST_CASE("dotenv fixture custom.format (yaml-style KEY:VALUE)", "[loader][dotenv]") {
  // compose-go's default parser also accepts `KEY: VALUE`; the fixture has no
  // trailing newline.
  auto env = fixture("custom.format");
  SKIP_IF_ABSENT(env);
  CHECK(env.at("FOO") == "BAR");
  CHECK(env.at("ZOT") == "QIX");
  CHECK(env.size() == 2);
}

TEST_CASE("dotenv fixture invalid1.env fails at line 7", "[loader][dotenv]") {
  if (!std::filesystem::exists(kFixtures + "invalid1.env")) {
    WARN("compose-go corpus absent: skipping");
    return;
  }
  auto r = read_dotenv_file(kFixtures + "invalid1.env", lookup_in({}));
  REQUIRE_FALSE(r);
  CHECK(r.error().location() == kFixtures + "invalid1.env:7");
  CHECK(r.error().message().find("INVALID LINE") != std::string::npos);
}

TEST_CASE("dotenv: table of lines", "[loader][dotenv]") {
  struct Case {
    const char* text;
    const char* key;
    const char* value;
  };
  Case cases[] = {
      {"A=b", "A", "b"},
      {"export A=b", "A", "b"},
      {"A = b  ", "A", "b"},
      {"A=b#c", "A", "b#c"},
      {"A=b #c", "A", "b"},
      {"A='x # y'", "A", "x # y"},
      {"A=\"x\\ty\"", "A", "x\ty"},
      {"A=\"say \\\"hi\\\"\"", "A", "say \"hi\""},
      {"A=\"back\\\\slash\"", "A", "back\\slash"},
      {"A='${HOME}'", "A", "${HOME}"},
      {"A=\"${HOME}/x\"", "A", "/home/me/x"},
      {"A=\"\\${HOME}\"", "A", "${HOME}"},
      {"A=${HOME}", "A", "/home/me"},
      {"A=$HOME", "A", "/home/me"},
      {"A=${NOPE:-dflt}", "A", "dflt"},
      {"A=\"multi\nline\"", "A", "multi\nline"},
      {"A=", "A", ""},
      {"  # comment\nA=1", "A", "1"},
      {"HOME", "HOME", "/home/me"},
      {"A=\"q\" # comment", "A", "q"},
      {"A=1\r\nB=2\r\n", "B", "2"},
      {"A: b", "A", "b"},
  };
  for (const auto& c : cases) {
    SECTION(c.text) {
      auto env = parse_text(c.text, {{"HOME", "/home/me"}});
      REQUIRE(env.count(c.key));
      CHECK(env.at(c.key) == c.value);
    }
  }
}

TEST_CASE("dotenv: expansion uses earlier keys", "[loader][dotenv]") {
  auto env = parse_text("A=1\nB=${A}2\nC=\"${B}3\"\n");
  CHECK(env.at("B") == "12");
  CHECK(env.at("C") == "123");
}

TEST_CASE("dotenv: invalid lines are errors with file:line", "[loader][dotenv]") {
  struct Case {
    const char* text;
    const char* location;
    const char* fragment;
  };
  Case cases[] = {
      {"A=1\nB C\n", ".env:2", "unexpected character `C`"},
      {"A=1\n\nB=\"unterminated\nmore\n", ".env:3", "unterminated"},
      {"A='x' y\n", ".env:1", "unexpected text"},
      {"=x\n", ".env:1", "missing variable name"},
      {"A=${B\n", ".env:1", "closing brace"},
  };
  for (const auto& c : cases) {
    SECTION(c.text) {
      auto r = parse_dotenv(c.text, ".env", lookup_in({}));
      REQUIRE_FALSE(r);
      CHECK(r.error().location() == c.location);
      CHECK(r.error().message().find(c.fragment) != std::string::npos);
    }
  }
}

TEST_CASE("dotenv: missing file is an error naming it", "[loader][dotenv]") {
  auto r = read_dotenv_file("/nonexistent/x.env", lookup_in({}));
  REQUIRE_FALSE(r);
  CHECK(r.error().to_string().find("/nonexistent/x.env") != std::string::npos);
}
