// `up` on the fake loop: services start in waves, each once its depends_on conditions
// hold (service_started, service_healthy, service_completed_successfully), and the
// first failed condition ends the run with its cause.
#include <catch2/catch.hpp>

#include "unit/supervisor/lifecycle_host.h"

using namespace pier;
using namespace pier::supervisor;
using namespace pier::supervisor::test;

namespace {

// An `up` of every service, its outcome kept.
struct Up {
  explicit Up(TestHost& host, UpOptions options = {})
      : host(host), run(host, std::move(options), control::Reply(std::weak_ptr<control::Connection>())) {
    host.runs.push_back(&run);
    run.set_on_done([this](Status st) {
      done = true;
      if (!st) error = st.error().to_string();
    });
    run.begin();
    host.fake_loop.run_pending();
  }
  ~Up() { host.runs.erase(std::find(host.runs.begin(), host.runs.end(), &run)); }
  TestHost& host;
  UpRun run;
  bool done = false;
  std::optional<std::string> error;
};

std::vector<std::string> spawn_order(TestHost& host) {
  std::vector<std::string> out;
  for (const auto& [name, at] : host.fake().spawns) out.push_back(name);
  return out;
}

const char* kHealthyDb =
    "    healthcheck:\n      test: [\"CMD\", \"ready\"]\n      interval: 1s\n      retries: 1\n";

}  // namespace

TEST_CASE("up starts each wave after the one it depends on", "[lifecycle][up]") {
  TestHost host(
      "services:\n"
      "  web:\n    image: busybox\n    depends_on: [api]\n"
      "  api:\n    image: busybox\n    depends_on: [db]\n"
      "  db:\n    image: busybox\n"
      "  cache:\n    image: busybox\n");
  Up up(host);
  CHECK(up.done);
  CHECK_FALSE(up.error);
  auto order = spawn_order(host);
  REQUIRE(order.size() == 4);
  auto pos = [&](const std::string& name) { return std::find(order.begin(), order.end(), name) - order.begin(); };
  CHECK(pos("proj-db-1") < pos("proj-api-1"));
  CHECK(pos("proj-api-1") < pos("proj-web-1"));
  for (auto* c : host.select({})) CHECK(c->lifecycle() == Lifecycle::running);
  CHECK(host.runs_in_progress == 0);
}

TEST_CASE("service_healthy waits for the dependency's health check", "[lifecycle][up][health]") {
  TestHost host(std::string("services:\n  db:\n    image: busybox\n") + kHealthyDb +
                "  web:\n    image: busybox\n    depends_on:\n      db:\n        condition: service_healthy\n");
  Up up(host);
  CHECK(spawn_order(host) == std::vector<std::string>{"proj-db-1"});
  CHECK_FALSE(up.done);
  host.fake_loop.advance(1s);
  SECTION("healthy: the dependent starts") {
    host.fake().answer_probe("proj-db-1", 0);
    CHECK(spawn_order(host) == std::vector<std::string>{"proj-db-1", "proj-web-1"});
    CHECK(up.done);
    CHECK_FALSE(up.error);
  }
  SECTION("unhealthy: up fails, naming the container and its last check") {
    host.fake().answer_probe("proj-db-1", 1);
    REQUIRE(up.error);
    CHECK(up.error->find("service web") != std::string::npos);
    CHECK(up.error->find("container proj-db-1 is unhealthy (last health check: exit 1)") != std::string::npos);
    CHECK(spawn_order(host) == std::vector<std::string>{"proj-db-1"});
  }
}

TEST_CASE("service_healthy on a dependency without a health check fails at once", "[lifecycle][up][health]") {
  TestHost host("services:\n  db:\n    image: busybox\n"
                "  web:\n    image: busybox\n    depends_on:\n      db:\n        condition: service_healthy\n");
  Up up(host);
  REQUIRE(up.error);
  CHECK(up.error->find("has no healthcheck") != std::string::npos);
}

TEST_CASE("service_completed_successfully waits for the dependency to exit 0", "[lifecycle][up]") {
  TestHost host("services:\n  migrate:\n    image: busybox\n"
                "  web:\n    image: busybox\n    depends_on:\n"
                "      migrate:\n        condition: service_completed_successfully\n");
  Up up(host);
  CHECK(spawn_order(host) == std::vector<std::string>{"proj-migrate-1"});
  host.fake_loop.advance(10s);
  CHECK_FALSE(up.done);
  SECTION("exit 0: the dependent starts") {
    host.fake().exit("proj-migrate-1", 0);
    CHECK(spawn_order(host) == std::vector<std::string>{"proj-migrate-1", "proj-web-1"});
    CHECK(up.done);
    CHECK_FALSE(up.error);
  }
  SECTION("a failure: up fails with the exit code") {
    host.fake().exit("proj-migrate-1", 3);
    REQUIRE(up.error);
    CHECK(up.error->find("service \"migrate\" didn't complete successfully: exit 3") != std::string::npos);
  }
}

TEST_CASE("an optional dependency that fails does not stop its dependent", "[lifecycle][up]") {
  TestHost host("services:\n  migrate:\n    image: busybox\n"
                "  web:\n    image: busybox\n    depends_on:\n"
                "      migrate:\n        condition: service_completed_successfully\n        required: false\n");
  Up up(host);
  host.fake().exit("proj-migrate-1", 3);
  CHECK(up.done);
  CHECK_FALSE(up.error);
  CHECK(spawn_order(host) == std::vector<std::string>{"proj-migrate-1", "proj-web-1"});
}

TEST_CASE("a failed start ends up with the container's error", "[lifecycle][up]") {
  TestHost host("services:\n  db:\n    image: busybox\n  web:\n    image: busybox\n    depends_on: [db]\n");
  host.fake().fail_spawn.insert("proj-db-1");
  Up up(host);
  REQUIRE(up.error);
  CHECK(up.error->find("container proj-db-1") != std::string::npos);
  CHECK(spawn_order(host) == std::vector<std::string>{"proj-db-1"});
}

TEST_CASE("up --wait finishes once every container is running and healthy", "[lifecycle][up][health]") {
  TestHost host(std::string("services:\n  db:\n    image: busybox\n") + kHealthyDb);
  UpOptions options;
  options.wait = true;
  options.wait_timeout_s = 5;
  Up up(host, options);
  CHECK_FALSE(up.done);
  host.fake_loop.advance(1s);
  SECTION("healthy") {
    host.fake().answer_probe("proj-db-1", 0);
    CHECK(up.done);
    CHECK_FALSE(up.error);
  }
  SECTION("the wait times out") {
    host.fake_loop.advance(4s);
    REQUIRE(up.error);
    CHECK(up.error->find("timed out after 5 s") != std::string::npos);
  }
}

TEST_CASE("a service's start within a run is a table too: pending, starting, started", "[lifecycle][up]") {
  CHECK(can_start(ServiceStart::pending));
  CHECK_FALSE(can_start(ServiceStart::starting));
  CHECK_FALSE(can_start(ServiceStart::started));  // the same run never starts it twice
  CHECK_FALSE(can_move(ServiceStart::pending, ServiceStart::started));
  CHECK(can_move(ServiceStart::starting, ServiceStart::started));
  CHECK(std::string(to_string(ServiceStart::starting)) == "starting");
}

TEST_CASE("a network that changed is made anew once what is on it is gone", "[lifecycle][up]") {
  const std::string file =
      "services:\n"
      "  web:\n    image: busybox\n"
      "  other:\n    image: busybox\n"
      "  alone:\n    image: busybox\n    network_mode: none\n";
  TestHost host(file);
  { Up first(host); REQUIRE(first.done); }
  auto id_of = [&](const std::string& name) {
    for (auto* c : host.select({})) if (c->name() == name) return c->record().id;
    return std::string();
  };
  const std::string web = id_of("proj-web-1"), other = id_of("proj-other-1"), alone = id_of("proj-alone-1");
  for (const char* c : {"proj-web-1", "proj-other-1", "proj-alone-1"}) host.fake().obeys.insert(c);  // exit on SIGTERM
  host.fake_network().changed = {"default"};
  host.fake_network().calls.clear();
  UpOptions only_web;
  only_web.services = {"web"};
  Up second(host, only_web);
  host.fake_loop.run_pending();
  CHECK(second.done);
  CHECK_FALSE(second.error);
  // The named service is recreated on the new network, the other one on it stops, the
  // one off the bridge is left alone.
  CHECK(id_of("proj-web-1") != web);
  CHECK(id_of("proj-other-1") == other);
  CHECK(id_of("proj-alone-1") == alone);
  for (auto* c : host.select({})) {
    if (c->name() == "proj-other-1") CHECK(c->lifecycle() == Lifecycle::exited);
    else CHECK(c->lifecycle() == Lifecycle::running);
  }
  const auto& calls = host.fake_network().calls;
  auto recreate = std::find(calls.begin(), calls.end(), "recreate default");
  REQUIRE(recreate != calls.end());
  // Removed and stopped (their endpoints released) before the network goes.
  auto released = [&](const std::string& c) { return std::find(calls.begin(), recreate, "release " + c) != recreate; };
  CHECK(released("proj-web-1"));
  CHECK(released("proj-other-1"));
  CHECK(host.fake().spawns_of("proj-web-1") == 2);
}
