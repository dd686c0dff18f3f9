#include "compose/interpolation.h"

#include "compose/variables.h"
#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

namespace {
const Environment kEnv = {{"SET", "value"}, {"EMPTY", ""}, {"B", "bee"}, {"N", "3"}};
}

TEST_CASE("interpolation: table", "[loader][interpolation]") {
  struct Case {
    const char* text;
    const char* expected;
  };
  Case cases[] = {
      {"plain", "plain"},
      {"$SET", "value"},
      {"${SET}", "value"},
      {"x${SET}y", "xvaluey"},
      {"$SET-x", "value-x"},
      {"${UNSET}", ""},
      {"${UNSET:-d}", "d"},
      {"${EMPTY:-d}", "d"},
      {"${EMPTY-d}", ""},
      {"${UNSET-d}", "d"},
      {"${SET:-d}", "value"},
      {"${SET:+alt}", "alt"},
      {"${EMPTY:+alt}", ""},
      {"${EMPTY+alt}", "alt"},
      {"${UNSET+alt}", ""},
      {"${SET:?err}", "value"},
      {"${EMPTY?err}", ""},
      {"${UNSET:-${B:-x}}", "bee"},
      {"${UNSET:-${ALSO_UNSET:-x}}", "x"},
      {"${UNSET:-a ${B} c}", "a bee c"},
      {"${UNSET:-$B}", "bee"},
      {"${UNSET:-}", ""},
      {"$$SET", "$SET"},
      {"$${SET}", "${SET}"},
      {"a$$", "a$"},
      {"cost: $5", "cost: $5"},
      {"$", "$"},
      {"${UNSET:-x:y}", "x:y"},
      {"${UNSET:-{json}}", "{json}"},  // default `{json`, then a literal `}`
      {"${UNSET:-/path/with-dash}", "/path/with-dash"},
      {"${N}${N}", "33"},
      {"${UNSET:-${UNSET:+no}}", ""},
      {"${SET:+${B}}", "bee"},
      {"${UNSET:-${SET:?fail}}", "value"},
  };
  for (const auto& c : cases) {
    SECTION(c.text) {
      auto r = substitute(c.text, lookup_in(kEnv));
      REQUIRE(r.ok());
      CHECK(*r == c.expected);
    }
  }
}

TEST_CASE("interpolation: defaults are evaluated lazily", "[loader][interpolation]") {
  // The `?` inside the default must not fire when SET has a value.
  auto r = substitute("${SET:-${UNSET:?never}}", lookup_in(kEnv));
  REQUIRE(r.ok());
  CHECK(*r == "value");
}

TEST_CASE("interpolation: errors", "[loader][interpolation]") {
  struct Case {
    const char* text;
    const char* fragment;
  };
  Case cases[] = {
      {"${UNSET:?must be set}", "required variable `UNSET` is missing a value: must be set"},
      {"${EMPTY:?must be set}", "required variable `EMPTY`"},
      {"${UNSET?}", "required variable `UNSET` is missing a value"},
      {"${", "`${` must be followed by a variable name"},
      {"${VAR", "missing closing brace"},
      {"${ VAR }", "must be followed by a variable name"},
      {"${VAR }", "expected `}`"},
      {"${VAR/a/b}", "expected `}`"},
      {"${}", "must be followed by a variable name"},
      {"${VAR:-${X}", "missing closing brace"},
      {"${UNSET:?${B} needed}", "bee needed"},
  };
  for (const auto& c : cases) {
    SECTION(c.text) {
      auto r = substitute(c.text, lookup_in(kEnv));
      REQUIRE_FALSE(r.ok());
      CHECK_THAT(r.error().message(), Catch::Contains(c.fragment));
    }
  }
}

TEST_CASE("interpolation: tree values, not keys, with located errors", "[loader][interpolation]") {
  Node root = parse(
      "services:\n"
      "  $SET:\n"
      "    image: img:${SET}\n"
      "    environment:\n"
      "      - K=${B}\n"
      "    labels:\n"
      "      ${B}: $B\n");
  Interpolator interp(kEnv);
  REQUIRE(interp.apply(root).ok());
  CHECK(flow(root) == "{services: {$SET: {image: img:value, environment: [K=bee], labels: {${B}: bee}}}}");

  Node bad = parse("services:\n  web:\n    image: ${NEED:?set NEED}\n");
  auto status = interp.apply(bad);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().location() == "test.yaml:3:12");
  CHECK_THAT(status.error().message(), Catch::Contains("NEED") && Catch::Contains("set NEED"));
}

TEST_CASE("interpolation: one warning per unset variable", "[loader][interpolation]") {
  Node root = parse("a: $X\nb: ${X}\nc: ${Y}\nd: ${Z:-ok}\ne: ${EMPTY}\n");
  Interpolator interp(kEnv);
  REQUIRE(interp.apply(root).ok());
  auto warnings = interp.take_warnings();
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0].message == "the `X` variable is not set. Defaulting to a blank string.");
  CHECK(warnings[0].location == "test.yaml:1:4");
  CHECK(warnings[1].message == "the `Y` variable is not set. Defaulting to a blank string.");
  // Later files share the instance: X is not reported again.
  Node more = parse("a: $X\n");
  REQUIRE(interp.apply(more).ok());
  CHECK(interp.take_warnings().empty());
}

TEST_CASE("variables: listed with default, required and alternate, sorted", "[loader][variables]") {
  Node root = parse(
      "services:\n"
      "  web:\n"
      "    image: ${IMAGE:-nginx}:${TAG?tag please}\n"
      "    command: $CMD ${EXTRA:+--extra} $$NOT_A_VAR\n"
      "    user: ${USER_ID:-${DEFAULT_UID:-1000}}\n");
  auto vars = list_variables(root);
  REQUIRE(vars.ok());
  std::vector<std::string> names;
  for (const auto& v : *vars) names.push_back(v.name);
  CHECK(names == std::vector<std::string>{"CMD", "DEFAULT_UID", "EXTRA", "IMAGE", "TAG", "USER_ID"});
  auto find = [&](const std::string& n) {
    for (const auto& v : *vars)
      if (v.name == n) return v;
    FAIL("no variable " << n);
    return Variable{};
  };
  CHECK(find("IMAGE").default_value == "nginx");
  CHECK(find("IMAGE").has_default);
  CHECK_FALSE(find("IMAGE").required);
  CHECK(find("TAG").required);
  CHECK(find("EXTRA").alternate_value == "--extra");
  CHECK(find("USER_ID").default_value == "${DEFAULT_UID:-1000}");
  CHECK(find("DEFAULT_UID").default_value == "1000");
  CHECK_FALSE(find("CMD").has_default);
}

TEST_CASE("variables: list_project_variables reads every file uninterpolated", "[loader][variables]") {
  TempDir dir;
  dir.write("compose.yaml",
            "include: [lib/compose.yaml]\n"
            "services:\n  a:\n    image: ${IMG:-x}\n    extends: {file: base.yaml, service: b}\n");
  dir.write("base.yaml", "services:\n  b:\n    user: ${USER_ID:?needed}\n");
  dir.write("lib/compose.yaml", "services:\n  c:\n    image: ${LIB_IMG}\n");
  LoadOptions opts;
  opts.working_directory = dir.path();
  opts.project_name = "p";
  auto vars = list_project_variables(opts);
  REQUIRE(vars.ok());
  REQUIRE(vars->size() == 3);
  CHECK((*vars)[0].name == "IMG");
  CHECK((*vars)[0].default_value == "x");
  CHECK((*vars)[1].name == "LIB_IMG");
  CHECK((*vars)[2].name == "USER_ID");
  CHECK((*vars)[2].required);
}

TEST_CASE("interpolation: nesting depth is bounded", "[loader][interpolation]") {
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "${UNSET:-";
  deep += "x" + std::string(1000, '}');
  auto r = substitute(deep, lookup_in(kEnv));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message(), Catch::Contains("nested more than"));
  CHECK_FALSE(find_variables(deep).ok());
  std::string ok = "${UNSET:-${UNSET:-${UNSET:-x}}}";
  CHECK(*substitute(ok, lookup_in(kEnv)) == "x");
}
