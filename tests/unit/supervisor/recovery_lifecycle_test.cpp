// A new supervisor after a crash, on the fake loop with fake drivers: the records say
// which containers exist; a live one is adopted and watched again, a dead one is
// marked exited (255) and comes back when its restart policy says so.
#include <catch2/catch.hpp>

#include <filesystem>

#include "supervisor/supervisor.h"
#include "unit/supervisor/lifecycle_host.h"

using namespace pier;
using namespace pier::supervisor;
using namespace pier::supervisor::test;

namespace {

const char* kCompose =
    "name: proj\n"
    "services:\n"
    "  web:\n    image: busybox\n"
    "  worker:\n    image: busybox\n    restart: always\n"
    "  batch:\n    image: busybox\n    restart: unless-stopped\n";

state::ContainerRecord record_of(const state::ProjectPaths& paths, const std::string& service,
                                 state::ContainerState state, pid_t pid, const std::string& image_id) {
  state::ContainerRecord r;
  r.name = "proj-" + service + "-1";
  r.id = std::string(64, 'a');
  r.project = "proj";
  r.service = service;
  r.image = "busybox";
  r.image_id = image_id;
  r.state = state;
  r.pid = pid;
  r.scratch_dir = paths.scratch_dir(r.name).value();
  return r;
}

}  // namespace

TEST_CASE("recover adopts the living, marks the dead exited and restarts by policy", "[lifecycle][recovery]") {
  pier::test::TempDir tmp;
  auto paths = state::project_paths(tmp.path(), "proj").value();
  auto store = store_with_busybox(tmp);
  std::string image_id = store.resolve("busybox")->record.id;
  REQUIRE(write_file_atomic(tmp / "compose.yaml", kCompose).ok());
  ProjectSource source;
  source.load.files = {tmp / "compose.yaml"};
  source.load.working_directory = tmp.path();
  source.load.environment = {{"HOME", tmp.path()}};
  std::filesystem::create_directories(paths.run);
  REQUIRE(write_file_atomic(paths.project_source_file(), to_json(source).dump()).ok());

  state::RecordStore records(paths.records_dir());
  const pid_t live = kFirstFakePid + 7;
  REQUIRE(records.write(record_of(paths, "web", state::ContainerState::running, live, image_id)).ok());
  REQUIRE(records.write(record_of(paths, "worker", state::ContainerState::running, kFirstFakePid + 8, image_id)).ok());
  auto batch = record_of(paths, "batch", state::ContainerState::exited, 0, image_id);
  batch.stopped_by_user = true;
  REQUIRE(records.write(batch).ok());

  event::FakeLoop loop;
  auto driver = std::make_unique<FakeContainerDriver>(loop);
  auto network = std::make_unique<FakeNetworkDriver>();
  auto& fake = *driver;
  auto& net = *network;
  fake.alive_pids.insert(live);
  {
    Supervisor sup(loop, paths, SupervisorDrivers{std::move(driver), std::move(network), 0});
    REQUIRE(sup.recover().ok());
    loop.run_pending();

    // web was alive: adopted (its endpoints taken back), not spawned.
    CHECK(std::find(net.calls.begin(), net.calls.end(), "adopt proj-web-1") != net.calls.end());
    CHECK(fake.spawns_of("proj-web-1") == 0);
    CHECK(records.read("proj-web-1")->state == state::ContainerState::running);
    // worker died unobserved: its cgroup is cleared, and `always` brings it back.
    CHECK(std::find(fake.calls.begin(), fake.calls.end(), "destroy proj-worker-1") != fake.calls.end());
    CHECK(fake.spawns_of("proj-worker-1") == 1);
    CHECK(records.read("proj-worker-1")->state == state::ContainerState::running);
    // batch was stopped by the user: unless-stopped leaves it.
    CHECK(fake.spawns_of("proj-batch-1") == 0);
    CHECK(records.read("proj-batch-1")->state == state::ContainerState::exited);

    // The adopted container's exit is seen, and recorded.
    fake.exit_pid(live, 4);
    auto web = records.read("proj-web-1");
    CHECK(web->state == state::ContainerState::exited);
    CHECK(web->exit_code == 4);
    CHECK_FALSE(sup.idle());
  }
  loop.run_pending();
}

TEST_CASE("a dead container without a restart policy is recorded as died unobserved", "[lifecycle][recovery]") {
  pier::test::TempDir tmp;
  auto paths = state::project_paths(tmp.path(), "proj").value();
  state::RecordStore records(paths.records_dir());
  // No project source: the service cannot be planned, the container is kept to be removed.
  REQUIRE(records.write(record_of(paths, "web", state::ContainerState::running, kFirstFakePid + 9, "")).ok());
  event::FakeLoop loop;
  auto driver = std::make_unique<FakeContainerDriver>(loop);
  auto& fake = *driver;
  {
    Supervisor sup(loop, paths, SupervisorDrivers{std::move(driver), std::make_unique<FakeNetworkDriver>(), 0});
    REQUIRE(sup.recover().ok());
    loop.run_pending();
    auto web = records.read("proj-web-1");
    CHECK(web->state == state::ContainerState::exited);
    CHECK(web->exit_code == 255);
    CHECK(fake.spawns.empty());
  }
  loop.run_pending();
}
