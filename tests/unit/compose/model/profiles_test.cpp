#include <catch2/catch.hpp>

#include "base/strings.h"
#include "compose/profiles.h"
#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

namespace {

// The spec's illustrative example (15-profiles.md).
const char* kExample =
    "services:\n  foo:\n    image: foo\n  bar:\n    image: bar\n    profiles: [test]\n"
    "  baz:\n    image: baz\n    depends_on: [bar]\n    profiles: [test]\n"
    "  zot:\n    image: zot\n    depends_on: [bar]\n    profiles: [debug]\n";

std::string enabled(const Project& p) {
  std::string out;
  for (const auto& [name, s] : p.services) {
    if (!s.disabled) out += (out.empty() ? "" : ",") + name;
  }
  return out;
}

}  // namespace

TEST_CASE("profiles select services as 15-profiles.md describes", "[compose][profiles]") {
  struct Case { std::vector<std::string> profiles, targets; const char* expect; bool ok; };
  const Case cases[] = {
      {{}, {}, "foo", true},
      {{"test"}, {}, "bar,baz,foo", true},
      {{"debug"}, {}, "", false},
      {{"debug", "test"}, {}, "bar,baz,foo,zot", true},
      {{}, {"bar"}, "bar,baz,foo", true},
      {{}, {"baz"}, "bar,baz,foo", true},
      {{}, {"zot"}, "", false},
      {{"test"}, {"zot"}, "bar,baz,foo,zot", true},
      {{"*"}, {}, "bar,baz,foo,zot", true},
  };
  for (const auto& c : cases) {
    auto p = normalize(kExample);
    REQUIRE(p.ok());
    auto st = apply_profiles(*p, c.profiles, c.targets);
    INFO(pier::join(c.profiles, ",") << " / " << pier::join(c.targets, ","));
    CHECK(st.ok() == c.ok);
    if (c.ok) CHECK(enabled(*p) == c.expect);
    else CHECK_THAT(st.error().to_string(), Catch::Contains("service \"zot\" depends on service \"bar\""));
  }
}

TEST_CASE("targeting an unknown service fails with a suggestion", "[compose][profiles]") {
  auto p = normalize(kExample);
  REQUIRE(p.ok());
  auto st = apply_profiles(*p, {}, {"fooo"});
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().to_string() == "no such service: fooo (did you mean `foo`?)");
}

TEST_CASE("resources only disabled services use are dropped", "[compose][profiles]") {
  auto p = normalize(
      "services:\n  web:\n    image: x\n    volumes: [used:/u]\n  dbg:\n    image: x\n    profiles: [debug]\n"
      "    volumes: [dbgdata:/d]\n    networks: [dbgnet]\n    secrets: [s]\n"
      "volumes:\n  used:\n  dbgdata:\n  idle:\nnetworks:\n  dbgnet:\nsecrets:\n  s:\n    file: ./s\n");
  REQUIRE(p.ok());
  REQUIRE(apply_profiles(*p, {}, {}).ok());
  CHECK(p->volumes.size() == 1);
  CHECK(p->volumes.count("used") == 1);
  CHECK(p->networks.size() == 1);
  CHECK(p->networks.count("default") == 1);
  CHECK(p->secrets.empty());
}
