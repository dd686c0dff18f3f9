// One container's life on the fake loop with a fake driver: the state table, restart
// backoff and policies, stop with its grace period, health checks, adoption.
#include <algorithm>
#include <catch2/catch.hpp>

#include "unit/supervisor/lifecycle_host.h"

using namespace pier;
using namespace pier::supervisor;
using namespace pier::supervisor::test;

namespace {

std::string service_yaml(const std::string& extra) {
  return "services:\n  app:\n    image: busybox\n" + extra;
}

ManagedContainer& started(TestHost& host, const std::string& service = "app") {
  auto& c = host.create(service);
  Outcome out;
  c.start(out.callback());
  host.fake_loop.run_pending();
  REQUIRE(out.called);
  REQUIRE_FALSE(out.error);
  REQUIRE(c.lifecycle() == Lifecycle::running);
  return c;
}

}  // namespace

TEST_CASE("the lifecycle table has a row per state and refuses what it does not list", "[lifecycle]") {
  for (auto s : {Lifecycle::created, Lifecycle::starting, Lifecycle::running, Lifecycle::paused, Lifecycle::stopping,
                 Lifecycle::exited, Lifecycle::restarting, Lifecycle::removing}) {
    CHECK(row_of(s).state == s);
    CHECK(can_move(s, Lifecycle::removing));  // `down` removes whatever the state
  }
  CHECK(can_start(Lifecycle::created));
  CHECK(can_start(Lifecycle::exited));
  CHECK(can_start(Lifecycle::restarting));
  CHECK_FALSE(can_start(Lifecycle::removing));
  CHECK_FALSE(can_pause(Lifecycle::exited));
  CHECK_FALSE(can_unpause(Lifecycle::running));
  CHECK_FALSE(can_move(Lifecycle::stopping, Lifecycle::restarting));  // a user's stop never restarts
  CHECK_FALSE(row_of(Lifecycle::starting).recorded);
  CHECK(row_of(Lifecycle::restarting).recorded == state::ContainerState::restarting);
  auto st = check_move("proj-app-1", Lifecycle::exited, Lifecycle::paused);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().to_string().find("container proj-app-1: cannot go from exited to paused") != std::string::npos);
  CHECK(lifecycle_of(state::ContainerState::removing) == Lifecycle::exited);
  CHECK(lifecycle_of(state::ContainerState::paused) == Lifecycle::paused);
}

TEST_CASE("start runs the container through starting to running, and its record follows", "[lifecycle]") {
  TestHost host(service_yaml(""));
  auto& c = host.create("app");
  CHECK(c.lifecycle() == Lifecycle::created);
  Outcome out;
  c.start(out.callback());
  CHECK(c.lifecycle() == Lifecycle::starting);  // spawned; the result comes through the loop
  CHECK(c.state() == state::ContainerState::created);
  CHECK_FALSE(out.called);
  host.fake_loop.run_pending();
  CHECK(out.called);
  CHECK(c.lifecycle() == Lifecycle::running);
  CHECK(host.records().read("proj-app-1")->state == state::ContainerState::running);
  CHECK(c.pid() >= kFirstFakePid);
  // The stale cgroup of a killed supervisor goes before the spawn.
  CHECK(host.fake().calls.front() == "destroy proj-app-1");
}

TEST_CASE("a failed spawn leaves the container exited with 128, says why, and gives back its addresses", "[lifecycle]") {
  TestHost host(service_yaml(""));
  auto& c = host.create("app");
  host.fake().fail_spawn.insert("proj-app-1");
  Outcome out;
  c.start(out.callback());
  host.fake_loop.run_pending();
  REQUIRE(out.error);
  CHECK(out.error->to_string().find("refused by the test") != std::string::npos);
  CHECK(c.lifecycle() == Lifecycle::exited);
  CHECK(c.record().exit_code == 128);
  // The network addresses reserved for the start are given back.
  const auto& calls = host.fake_network().calls;
  auto has = [&](const std::string& call) { return std::find(calls.begin(), calls.end(), call) != calls.end(); };
  CHECK(has("prepare attach proj-app-1"));
  CHECK(has("abandoned proj-app-1"));
  CHECK_FALSE(has("attached proj-app-1"));
}

TEST_CASE("restart backoff doubles from 100 ms while runs are short", "[lifecycle][restart]") {
  TestHost host(service_yaml("    restart: always\n"));
  auto& c = started(host);
  for (int delay : {100, 200, 400, 800}) {
    size_t spawns = host.fake().spawns.size();
    host.fake().exit("proj-app-1", 1);
    CHECK(c.lifecycle() == Lifecycle::restarting);
    CHECK(host.records().read("proj-app-1")->state == state::ContainerState::restarting);
    host.fake_loop.advance(std::chrono::milliseconds(delay - 1));
    CHECK(host.fake().spawns.size() == spawns);
    host.fake_loop.advance(1ms);
    CHECK(host.fake().spawns.size() == spawns + 1);
    CHECK(c.lifecycle() == Lifecycle::running);
  }
  CHECK(c.record().restart_count == 4);
}

TEST_CASE("restart policies decide whether an exit comes back", "[lifecycle][restart]") {
  SECTION("no: never") {
    TestHost host(service_yaml("    restart: \"no\"\n"));
    auto& c = started(host);
    host.fake().exit("proj-app-1", 1);
    CHECK(c.lifecycle() == Lifecycle::exited);
    host.fake_loop.advance(60s);
    CHECK(host.fake().spawns_of("proj-app-1") == 1);
  }
  SECTION("on-failure: a non-zero exit only, up to its count") {
    TestHost host(service_yaml("    restart: on-failure:2\n"));
    auto& c = started(host);
    host.fake().exit("proj-app-1", 0);
    CHECK(c.lifecycle() == Lifecycle::exited);
    Outcome again;
    c.start(again.callback());
    host.fake_loop.run_pending();
    for (int i = 0; i < 2; ++i) {
      host.fake().exit("proj-app-1", 1);
      CHECK(c.lifecycle() == Lifecycle::restarting);
      host.fake_loop.advance(1s);
    }
    host.fake().exit("proj-app-1", 1);
    CHECK(c.lifecycle() == Lifecycle::exited);
    CHECK(host.fake().spawns_of("proj-app-1") == 4);
  }
  SECTION("unless-stopped: not after a stop") {
    TestHost host(service_yaml("    restart: unless-stopped\n"));
    auto& c = started(host);
    host.fake().obeys.insert("proj-app-1");
    Outcome stopped;
    c.stop(std::nullopt, stopped.callback());
    host.fake_loop.run_pending();
    CHECK(stopped.called);
    CHECK(c.lifecycle() == Lifecycle::exited);
    CHECK(c.record().stopped_by_user);
    host.fake_loop.advance(60s);
    CHECK(host.fake().spawns_of("proj-app-1") == 1);
  }
}

TEST_CASE("stop sends the stop signal, then SIGKILL when the grace period is over", "[lifecycle][stop]") {
  TestHost host(service_yaml("    stop_signal: SIGINT\n    stop_grace_period: 2s\n"));
  auto& c = started(host);
  auto t0 = host.fake_loop.now();
  Outcome out;
  c.stop(std::nullopt, out.callback());
  CHECK(c.lifecycle() == Lifecycle::stopping);
  CHECK(c.state() == state::ContainerState::running);  // `ps` shows it running until it exits
  REQUIRE(host.fake().signals_to("proj-app-1").size() == 1);
  CHECK(host.fake().signals_to("proj-app-1")[0].signum == SIGINT);
  host.fake_loop.advance(1999ms);
  CHECK(host.fake().signals_to("proj-app-1").size() == 1);
  CHECK_FALSE(out.called);
  host.fake_loop.advance(1ms);
  auto sent = host.fake().signals_to("proj-app-1");
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].signum == SIGKILL);
  CHECK(sent[1].at - t0 == 2s);
  CHECK(out.called);
  CHECK(c.lifecycle() == Lifecycle::exited);
  CHECK(c.record().exit_code == 128 + SIGKILL);
}

TEST_CASE("a container that obeys its stop signal is not killed afterwards", "[lifecycle][stop]") {
  TestHost host(service_yaml("    stop_grace_period: 2s\n"));
  auto& c = started(host);
  host.fake().obeys.insert("proj-app-1");
  Outcome out;
  c.stop(std::nullopt, out.callback());
  host.fake_loop.run_pending();
  CHECK(out.called);
  host.fake_loop.advance(10s);
  auto sent = host.fake().signals_to("proj-app-1");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].signum == SIGTERM);
  CHECK(c.record().exit_code == 128 + SIGTERM);
}

TEST_CASE("a grace of zero kills at once", "[lifecycle][stop]") {
  TestHost host(service_yaml(""));
  started(host);
  Outcome out;
  host.get("proj-app-1").stop(0ms, out.callback());
  host.fake_loop.advance(0ms);
  auto sent = host.fake().signals_to("proj-app-1");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].signum == SIGKILL);
  CHECK(out.called);
}

TEST_CASE("a stop during the start waits for the start, then stops", "[lifecycle][stop]") {
  TestHost host(service_yaml(""));
  auto& c = host.create("app");
  Outcome start, stop;
  c.start(start.callback());
  c.stop(std::nullopt, stop.callback());
  CHECK(host.fake().signals.empty());  // nothing to signal yet
  host.fake().obeys.insert("proj-app-1");
  host.fake_loop.run_pending();
  CHECK(start.called);
  CHECK(stop.called);
  CHECK(c.lifecycle() == Lifecycle::exited);
  CHECK(host.fake().signals_to("proj-app-1").size() == 1);
}

TEST_CASE("a stop while a restart waits for its backoff cancels the restart", "[lifecycle][stop][restart]") {
  TestHost host(service_yaml("    restart: always\n"));
  auto& c = started(host);
  host.fake().exit("proj-app-1", 1);
  REQUIRE(c.restart_pending());
  Outcome out;
  c.stop(std::nullopt, out.callback());
  CHECK(out.called);
  CHECK(c.lifecycle() == Lifecycle::exited);
  CHECK(c.record().stopped_by_user);
  host.fake_loop.advance(60s);
  CHECK(host.fake().spawns_of("proj-app-1") == 1);
}

TEST_CASE("pause and unpause are guarded by the table", "[lifecycle]") {
  TestHost host(service_yaml(""));
  auto& c = started(host);
  REQUIRE(c.pause().ok());
  CHECK(c.lifecycle() == Lifecycle::paused);
  CHECK(host.records().read("proj-app-1")->state == state::ContainerState::paused);
  auto twice = c.pause();
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().to_string().find("container proj-app-1 is already paused") != std::string::npos);
  REQUIRE(c.unpause().ok());
  CHECK(c.lifecycle() == Lifecycle::running);
  auto again = c.unpause();
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().to_string().find("is not paused") != std::string::npos);
  // A paused container that is stopped is thawed first, so it can take the signal.
  REQUIRE(c.pause().ok());
  host.fake().obeys.insert("proj-app-1");
  Outcome out;
  c.stop(std::nullopt, out.callback());
  host.fake_loop.run_pending();
  CHECK(std::find(host.fake().calls.begin(), host.fake().calls.end(), "resume proj-app-1") != host.fake().calls.end());
  CHECK(c.lifecycle() == Lifecycle::exited);
  CHECK_FALSE(c.pause().ok());
}

TEST_CASE("health: start period, interval, retries, then healthy on one success", "[lifecycle][health]") {
  TestHost host(service_yaml("    healthcheck:\n      test: [\"CMD\", \"check\"]\n      interval: 1s\n"
                             "      timeout: 500ms\n      retries: 2\n      start_period: 2s\n"
                             "      start_interval: 500ms\n"));
  auto& c = started(host);
  const std::string name = "proj-app-1";
  CHECK(c.record().health == "starting");
  // In the start period: a probe every start_interval, and failures do not count.
  for (int i = 1; i <= 3; ++i) {
    host.fake_loop.advance(500ms);
    REQUIRE(host.fake().probes_of(name) == static_cast<size_t>(i));
    host.fake().answer_probe(name, 1);
    CHECK(c.health() == Health::starting);
  }
  // At 2 s the start period is over: the next failures count, every interval.
  host.fake_loop.advance(500ms);
  host.fake().answer_probe(name, 1);
  CHECK(c.health() == Health::starting);  // 1 of 2 retries
  host.fake_loop.advance(999ms);
  CHECK(host.fake().probes_of(name) == 4);
  host.fake_loop.advance(1ms);
  host.fake().answer_probe(name, 1);
  CHECK(c.health() == Health::unhealthy);
  CHECK(host.records().read(name)->health == "unhealthy");
  CHECK(c.probe_results().back().exit_code == 1);
  host.fake_loop.advance(1s);
  host.fake().answer_probe(name, 0);
  CHECK(c.health() == Health::healthy);
  CHECK(std::find(host.history.begin(), host.history.end(), name + " running healthy") != host.history.end());
}

TEST_CASE("health: a probe that outlives its timeout is a failure", "[lifecycle][health]") {
  TestHost host(service_yaml("    healthcheck:\n      test: [\"CMD\", \"check\"]\n      interval: 1s\n"
                             "      timeout: 300ms\n      retries: 1\n"));
  auto& c = started(host);
  host.fake_loop.advance(1s);
  REQUIRE(host.fake().probes_of("proj-app-1") == 1);
  host.fake_loop.advance(300ms);
  CHECK(c.health() == Health::unhealthy);
  CHECK(c.probe_results().back().exit_code == -1);
  host.fake().answer_probe("proj-app-1", 137);  // reaped after the kill
}

TEST_CASE("adoption: a live container of a crashed supervisor is watched again", "[lifecycle][recovery]") {
  TestHost host(service_yaml(""));
  auto& made = host.create("app");
  auto record = made.record();
  auto plan = made.plan();
  record.state = state::ContainerState::running;
  record.pid = kFirstFakePid + 100;
  host.fake().alive_pids.insert(record.pid);
  ManagedContainer adopted(host, record, plan);
  REQUIRE(adopted.adopt().ok());
  CHECK(adopted.lifecycle() == Lifecycle::running);
  CHECK(adopted.pid() == record.pid);
  host.fake().exit_pid(record.pid, 3);
  CHECK(adopted.lifecycle() == Lifecycle::exited);
  CHECK(adopted.record().exit_code == 3);

  // A dead one is not adopted, and one that is not running has nothing to adopt.
  record.pid = kFirstFakePid + 101;
  ManagedContainer dead(host, record, plan);
  auto st = dead.adopt();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().to_string().find("is not running") != std::string::npos);
  record.state = state::ContainerState::exited;
  ManagedContainer exited(host, record, plan);
  CHECK_FALSE(exited.adopt().ok());
  host.fake_loop.run_pending();
}
