// post_start and pre_stop on the fake loop: when a command's start or stop runs them,
// what waits for them, and the grace period that bounds pre_stop. Each hook is an exec
// (the fake driver counts it as a probe and answers it when the test says).
#include <catch2/catch.hpp>

#include "unit/supervisor/lifecycle_host.h"

using namespace pier;
using namespace pier::supervisor;
using namespace pier::supervisor::test;
using Hooks = ManagedContainer::Hooks;

namespace {

const char* kApp = "proj-app-1";

ManagedContainer& running_app(TestHost& host, Hooks hooks = Hooks::skip) {
  auto& app = host.create("app");
  Outcome out;
  app.start(out.callback(), hooks);
  host.fake_loop.run_pending();
  return app;
}

}  // namespace

TEST_CASE("a command's stop runs pre_stop before the stop signal and waits for it", "[lifecycle][hooks]") {
  TestHost host("services:\n  app:\n    image: busybox\n    pre_stop:\n      - command: [drain]\n");
  auto& app = running_app(host);
  host.fake().obeys.insert(kApp);
  Outcome stopped;
  app.stop(std::nullopt, stopped.callback(), Hooks::run);
  host.fake_loop.run_pending();
  CHECK(host.fake().probes_of(kApp) == 1);
  CHECK(host.fake().signals_to(kApp).empty());
  CHECK_FALSE(stopped.called);
  host.fake().answer_probe(kApp, 0);
  host.fake_loop.run_pending();
  auto signals = host.fake().signals_to(kApp);
  REQUIRE(signals.size() == 1);
  CHECK(signals[0].signum == SIGTERM);
  CHECK(stopped.called);
  CHECK_FALSE(stopped.error);
  CHECK(app.lifecycle() == Lifecycle::exited);
  CHECK_FALSE(app.pre_stop_failure());
}

TEST_CASE("a pre_stop that hangs is cut at the stop grace period and the stop goes on", "[lifecycle][hooks]") {
  TestHost host(
      "services:\n  app:\n    image: busybox\n    stop_grace_period: 2s\n"
      "    pre_stop:\n      - command: [sleep, '1000']\n      - command: [never]\n");
  auto& app = running_app(host);
  host.fake().obeys.insert(kApp);
  Outcome stopped;
  app.stop(std::nullopt, stopped.callback(), Hooks::run);
  host.fake_loop.run_pending();
  host.fake_loop.advance(1999ms);
  CHECK(host.fake().signals_to(kApp).empty());
  host.fake_loop.advance(1ms);
  auto signals = host.fake().signals_to(kApp);
  REQUIRE(signals.size() == 1);
  CHECK(signals[0].signum == SIGTERM);
  // The hook after it does not run; the failure is kept for the stop's warning.
  CHECK(host.fake().probes_of(kApp) == 1);
  REQUIRE(app.pre_stop_failure());
  CHECK_THAT(*app.pre_stop_failure(), Catch::Contains("pre_stop hook `sleep 1000` did not finish within the 2 s"));
  CHECK(stopped.called);
  CHECK_FALSE(stopped.error);
}

TEST_CASE("a failing pre_stop does not keep the container from stopping", "[lifecycle][hooks]") {
  TestHost host("services:\n  app:\n    image: busybox\n    pre_stop:\n      - command: [drain]\n");
  auto& app = running_app(host);
  host.fake().obeys.insert(kApp);
  Outcome stopped;
  app.stop(std::nullopt, stopped.callback(), Hooks::run);
  host.fake_loop.run_pending();
  host.fake().answer_probe(kApp, 2);
  host.fake_loop.run_pending();
  CHECK(host.fake().signals_to(kApp).size() == 1);
  REQUIRE(app.pre_stop_failure());
  CHECK_THAT(*app.pre_stop_failure(), Catch::Contains("pre_stop hook `drain` exited with status 2"));
  CHECK(app.lifecycle() == Lifecycle::exited);
}

TEST_CASE("a stop that is not a command's, or may not wait, runs no pre_stop", "[lifecycle][hooks]") {
  TestHost host("services:\n  app:\n    image: busybox\n    pre_stop:\n      - command: [drain]\n");
  auto& app = running_app(host);
  Outcome stopped;
  SECTION("Hooks::skip") { app.stop(std::nullopt, stopped.callback()); }
  SECTION("-t 0") { app.stop(std::chrono::milliseconds(0), stopped.callback(), Hooks::run); }
  host.fake_loop.advance(0ms);
  CHECK(host.fake().probes_of(kApp) == 0);
  CHECK_FALSE(host.fake().signals_to(kApp).empty());
}

TEST_CASE("post_start runs once the container runs; its failure fails the start, not the container",
          "[lifecycle][hooks]") {
  TestHost host("services:\n  app:\n    image: busybox\n    post_start:\n      - command: [init]\n      - command: [more]\n");
  auto& app = host.create("app");
  Outcome started;
  app.start(started.callback(), Hooks::run);
  host.fake_loop.run_pending();
  CHECK(app.lifecycle() == Lifecycle::running);
  CHECK(host.fake().probes_of(kApp) == 1);
  CHECK_FALSE(started.called);
  host.fake().answer_probe(kApp, 3);
  host.fake_loop.run_pending();
  REQUIRE(started.error);
  CHECK_THAT(started.error->to_string(), Catch::Contains("container proj-app-1: post_start hook `init` exited with status 3"));
  CHECK(host.fake().probes_of(kApp) == 1);  // `more` did not run
  CHECK(app.lifecycle() == Lifecycle::running);
}

TEST_CASE("a restart policy's start runs no post_start", "[lifecycle][hooks]") {
  TestHost host("services:\n  app:\n    image: busybox\n    restart: always\n    post_start:\n      - command: [init]\n");
  auto& app = host.create("app");
  Outcome started;
  app.start(started.callback(), Hooks::run);
  host.fake_loop.run_pending();
  host.fake().answer_probe(kApp, 0);
  host.fake_loop.run_pending();
  REQUIRE(started.called);
  CHECK_FALSE(started.error);
  host.fake().exit(kApp, 1);
  host.fake_loop.run_pending();
  host.fake_loop.advance(100ms);
  CHECK(host.fake().spawns_of(kApp) == 2);
  CHECK(app.lifecycle() == Lifecycle::running);
  CHECK(host.fake().probes_of(kApp) == 1);
}
