#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "app/logs/project_logs.h"

using namespace pier::supervisor::logs;
using namespace pier::app::logs;
using pier::state::ContainerRecord;

namespace {

ContainerRecord record(std::string name, std::string service, int number, bool oneoff = false) {
  ContainerRecord r;
  r.name = std::move(name);
  r.project = "demo";
  r.service = std::move(service);
  r.number = number;
  r.oneoff = oneoff;
  return r;
}

std::vector<std::string> names(const std::vector<ContainerRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.name);
  return out;
}

const std::vector<ContainerRecord> kRecords = {
    record("demo-db-1", "db", 1), record("demo-web-1", "web", 1), record("demo-web-2", "web", 2),
    record("demo-web-run-3f2a", "web", 1, true), record("custom-worker", "worker", 1)};

}  // namespace

TEST_CASE("log prefixes drop the project from default container names only", "[logs]") {
  CHECK(log_display_name(record("demo-web-1", "web", 1), "demo") == "web-1");
  CHECK(log_display_name(record("demo-web-12", "web", 12), "demo") == "web-12");
  CHECK(log_display_name(record("custom-worker", "worker", 1), "demo") == "custom-worker");
  // A container_name that merely looks like another service's default keeps its name.
  CHECK(log_display_name(record("demo-web-1", "worker", 1), "demo") == "demo-web-1");
}

TEST_CASE("logs show the services asked for, without one-off containers", "[logs]") {
  auto select = [](ProjectLogsOptions o) {
    auto r = select_log_containers(kRecords, o);
    REQUIRE(r);
    return names(*r);
  };
  CHECK(select({}) == std::vector<std::string>{"demo-db-1", "demo-web-1", "demo-web-2", "custom-worker"});
  CHECK(select({.services = {"web"}}) == std::vector<std::string>{"demo-web-1", "demo-web-2"});
  CHECK(select({.services = {"worker", "db"}}) == std::vector<std::string>{"demo-db-1", "custom-worker"});
  CHECK(select({.services = {"web"}, .index = 2}) == std::vector<std::string>{"demo-web-2"});
  CHECK(select({.services = {"cache"}}).empty());  // a service with no containers yet

  ProjectLogsOptions missing{.services = {"web"}, .index = 3};
  auto r = select_log_containers(kRecords, missing);
  REQUIRE_FALSE(r);
  CHECK(r.error().to_string() == "service web has no container with index 3");
}
