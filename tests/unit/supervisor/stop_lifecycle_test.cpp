// The order of a stop on the fake loop: dependents first, a wave only after the one
// before it has exited, each container with its own grace period unless one is given.
#include <catch2/catch.hpp>

#include "unit/supervisor/lifecycle_host.h"

using namespace pier;
using namespace pier::supervisor;
using namespace pier::supervisor::test;

namespace {

const char* kProject =
    "services:\n"
    "  db:\n    image: busybox\n"
    "  api:\n    image: busybox\n    depends_on: [db]\n"
    "  web:\n    image: busybox\n    depends_on: [db]\n    stop_grace_period: 1s\n";

void start_all(TestHost& host) {
  for (const char* s : {"db", "api", "web"}) {
    Outcome out;
    host.create(s).start(out.callback());
  }
  host.fake_loop.run_pending();
}

control::Reply no_reply() { return control::Reply(std::weak_ptr<control::Connection>()); }

}  // namespace

TEST_CASE("stop goes in reverse dependency order, wave after wave", "[lifecycle][stop]") {
  TestHost host(kProject);
  start_all(host);
  for (const char* c : {"proj-db-1", "proj-api-1"}) host.fake().obeys.insert(c);  // web ignores SIGTERM
  auto t0 = host.fake_loop.now();
  bool done = false;
  stop_in_waves(&host.project().project, host.select({}), std::nullopt, [&](Status) { done = true; }, no_reply(), "Stopp");
  host.fake_loop.run_pending();
  // api has exited; web holds its wave until its grace is over, and db waits.
  CHECK(host.get("proj-api-1").lifecycle() == Lifecycle::exited);
  CHECK(host.get("proj-web-1").lifecycle() == Lifecycle::stopping);
  CHECK(host.fake().signals_to("proj-db-1").empty());
  host.fake_loop.advance(999ms);
  CHECK(host.fake().signals_to("proj-db-1").empty());
  host.fake_loop.advance(1ms);
  auto web = host.fake().signals_to("proj-web-1");
  REQUIRE(web.size() == 2);
  CHECK(web[1].signum == SIGKILL);
  auto db = host.fake().signals_to("proj-db-1");
  REQUIRE(db.size() == 1);
  CHECK(db[0].signum == SIGTERM);
  CHECK(db[0].at - t0 == 1s);
  CHECK(done);
  for (auto* c : host.select({})) CHECK(c->lifecycle() == Lifecycle::exited);
  // What the stop waited for is known, for the warning `down` prints.
  CHECK(host.get("proj-web-1").killed_after_grace() == std::optional<std::chrono::milliseconds>(1s));
  CHECK_FALSE(host.get("proj-api-1").killed_after_grace());
  CHECK_FALSE(host.get("proj-db-1").killed_after_grace());
}

TEST_CASE("a grace given to the stop applies to every container", "[lifecycle][stop]") {
  TestHost host(kProject);
  start_all(host);
  bool done = false;
  stop_in_waves(&host.project().project, host.select({}), 0ms, [&](Status) { done = true; }, no_reply(), "Stopp");
  host.fake_loop.advance(0ms);
  CHECK(done);
  for (const auto& s : host.fake().signals) CHECK(s.signum == SIGKILL);
  CHECK(host.fake().signals.size() == 3);
  // No grace asked for: nothing was waited out.
  for (auto* c : host.select({})) CHECK_FALSE(c->killed_after_grace());
}

TEST_CASE("containers that are not running are skipped; a restart in backoff is stopped", "[lifecycle][stop]") {
  TestHost host(
      "services:\n  db:\n    image: busybox\n    restart: always\n"
      "  api:\n    image: busybox\n    depends_on: [db]\n");
  host.create("api");  // created, never started
  Outcome out;
  auto& db = host.create("db");
  db.start(out.callback());
  host.fake_loop.run_pending();
  host.fake().exit("proj-db-1", 1);
  REQUIRE(db.restart_pending());
  bool done = false;
  stop_in_waves(&host.project().project, host.select({}), std::nullopt, [&](Status) { done = true; }, no_reply(), "Stopp");
  CHECK(done);
  CHECK(host.fake().signals.empty());
  CHECK(db.lifecycle() == Lifecycle::exited);
  host.fake_loop.advance(60s);
  CHECK(host.fake().spawns_of("proj-db-1") == 1);
}

TEST_CASE("removal stops in order, then removes each container and its record", "[lifecycle][stop]") {
  TestHost host(kProject);
  start_all(host);
  for (const char* c : {"proj-db-1", "proj-api-1", "proj-web-1"}) host.fake().obeys.insert(c);
  bool removed = false;
  host.remove_containers(host.select({}), [&](Status st) { removed = st.ok(); }, no_reply());
  host.fake_loop.run_pending();
  CHECK(removed);
  CHECK(host.select({}).empty());
  for (const char* c : {"proj-db-1", "proj-api-1", "proj-web-1"}) {
    CHECK(std::find(host.fake().calls.begin(), host.fake().calls.end(), std::string("remove ") + c) !=
          host.fake().calls.end());
    CHECK_FALSE(host.records().read(c).ok());
  }
  CHECK(std::find(host.history.begin(), host.history.end(), "proj-db-1 removing") != host.history.end());
}
