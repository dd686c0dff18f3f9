#include <catch2/catch.hpp>

#include "graph/dependency_graph.h"

using namespace pier::graph;

namespace {
DependencyGraph make(std::initializer_list<std::pair<const char*, std::vector<const char*>>> spec) {
  DependencyGraph g;
  for (const auto& [name, deps] : spec) {
    g.add_service(name);
    for (const char* d : deps) g.add_edge(name, Edge{d, "depends_on", std::string("c.yaml:1:") + d});
  }
  return g;
}
}  // namespace

TEST_CASE("start waves put dependencies first and group independent services", "[graph]") {
  auto g = make({{"web", {"db", "cache"}}, {"db", {}}, {"cache", {}}, {"worker", {"web"}}});
  auto waves = g.start_waves();
  REQUIRE(waves.ok());
  CHECK(*waves == Waves{{"cache", "db"}, {"web"}, {"worker"}});
  auto stop = g.stop_waves();
  REQUIRE(stop.ok());
  CHECK(*stop == Waves{{"worker"}, {"web"}, {"cache", "db"}});
}

TEST_CASE("a cycle is reported as a chain at the closing edge", "[graph]") {
  auto g = make({{"a", {"b"}}, {"b", {"c"}}, {"c", {"a"}}, {"d", {}}});
  auto st = g.check();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message() == "dependency cycle detected: a -> b -> c -> a");
  CHECK(st.error().location() == "c.yaml:1:a");
  CHECK_FALSE(g.start_waves().ok());
}

TEST_CASE("a self dependency is a cycle", "[graph]") {
  auto g = make({{"a", {"a"}}});
  auto st = g.check();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message() == "dependency cycle detected: a -> a");
}

TEST_CASE("a required edge to a missing service is an error; an optional one is ignored",
          "[graph]") {
  DependencyGraph g;
  g.add_service("web");
  g.add_edge("web", Edge{"metrics", "depends_on", "", false});
  CHECK(g.check().ok());
  g.add_edge("web", Edge{"db", "depends_on", "compose.yaml:4:7", true});
  auto st = g.check();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().to_string().find("compose.yaml:4:7: service \"web\" depends on undefined "
                                    "service \"db\"") == 0);
}

TEST_CASE("closures over dependencies and dependents", "[graph]") {
  auto g = make({{"web", {"db"}}, {"db", {"vol"}}, {"vol", {}}, {"worker", {"web"}}, {"x", {}}});
  CHECK(g.with_dependencies({"web"}) == std::set<std::string>{"web", "db", "vol"});
  CHECK(g.dependents_of("db") == std::set<std::string>{"web", "worker"});
  CHECK(g.dependents_of("x").empty());
}
