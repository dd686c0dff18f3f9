#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "state/container_record.h"
#include "state/paths.h"

using namespace pier::state;

namespace {
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/pier-state-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};
}  // namespace

TEST_CASE("a container record survives a write and a read unchanged") {
  TempDir dir;
  RecordStore store(dir.path + "/containers");
  ContainerRecord r;
  r.name = "demo-web-1";
  r.project = "demo";
  r.service = "web";
  r.state = ContainerState::running;
  r.health = "healthy";
  r.pid = 1234;
  r.oom_killed = true;
  r.ports.push_back({"0.0.0.0", 8080, 80, "tcp"});
  r.endpoints.push_back({"default", "pr3d1a2b", "eth0", "172.30.0.2", "", "", {"web", "demo-web-1"}});
  r.labels["com.docker.compose.project"] = "demo";
  r.env = {"PATH=/bin"};
  r.sources_digest = "sha256:" + std::string(64, 'e');
  r.rlimits.push_back({7, 777, 888});  // RLIMIT_NOFILE
  r.oom_score_adj = -345;
  r.no_new_privs = true;
  r.mounted_image_ids = {"sha256:" + std::string(64, 'a'), "sha256:" + std::string(64, 'b')};
  REQUIRE(store.write(r));
  auto back = store.read("demo-web-1");
  REQUIRE(back);
  CHECK(back->sources_digest == r.sources_digest);
  REQUIRE(back->rlimits.size() == 1);
  CHECK(back->rlimits[0].resource == 7);
  CHECK(back->rlimits[0].soft == 777);
  CHECK(back->rlimits[0].hard == 888);
  CHECK(back->oom_score_adj == -345);
  CHECK(back->no_new_privs);
  CHECK(back->oom_killed);
  CHECK(back->mounted_image_ids == r.mounted_image_ids);
  CHECK(to_json(*back) == to_json(r));
  // A service without them: no limits, no oom_score_adj, no no_new_privs.
  ContainerRecord plain;
  plain.name = "demo-db-1";
  REQUIRE(store.write(plain));
  auto old = store.read("demo-db-1");
  REQUIRE(old);
  CHECK(old->rlimits.empty());
  CHECK_FALSE(old->oom_score_adj);
  CHECK_FALSE(old->no_new_privs);
  CHECK(old->mounted_image_ids.empty());
}

TEST_CASE("records list in service then replica order, and removal is idempotent") {
  TempDir dir;
  RecordStore store(dir.path + "/containers");
  for (auto [service, n] : {std::pair{"web", 2}, {"db", 1}, {"web", 1}, {"web", 10}}) {
    ContainerRecord r;
    r.service = service;
    r.number = n;
    r.name = std::string("p-") + service + "-" + std::to_string(n);
    REQUIRE(store.write(r));
  }
  auto list = store.list();
  REQUIRE(list);
  REQUIRE(list->size() == 4);
  CHECK((*list)[0].name == "p-db-1");
  CHECK((*list)[1].name == "p-web-1");
  CHECK((*list)[2].name == "p-web-2");
  CHECK((*list)[3].name == "p-web-10");
  REQUIRE(store.remove("p-web-2"));
  REQUIRE(store.remove("p-web-2"));
  CHECK(store.list()->size() == 3);
}

TEST_CASE("a corrupt record is skipped by list and reported by scan under its container's name") {
  TempDir dir;
  RecordStore store(dir.path);
  ContainerRecord good;
  good.name = "p-good-1";
  REQUIRE(store.write(good));
  FILE* f = std::fopen((dir.path + "/p-bad-1.json").c_str(), "w");
  std::fputs("{not json", f);
  std::fclose(f);
  auto list = store.list();
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].name == "p-good-1");
  auto scanned = store.scan();
  REQUIRE(scanned);
  CHECK(scanned->records.size() == 1);
  CHECK(scanned->unreadable == std::vector<std::string>{"p-bad-1"});
  auto bad = store.read("p-bad-1");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().to_string(), Catch::Contains("p-bad-1.json") && Catch::Contains("pier down"));
}

TEST_CASE("a process is recognised by pid and start time") {
  auto start = process_start_time(::getpid());
  CHECK(start > 0);
  CHECK(process_matches(::getpid(), start));
  CHECK_FALSE(process_matches(::getpid(), start + 1));
  CHECK_FALSE(process_matches(0, start));
}

TEST_CASE("the run directory follows the root") {
  CHECK(project_paths("/var/lib/pier", "demo").value().run == "/run/pier/demo");
  CHECK(project_paths("/tmp/r", "demo").value().run == "/tmp/r/run/demo");
  CHECK(project_paths("/tmp/r", "demo").value().log_file("demo-web-1").value() ==
        "/tmp/r/containers/demo/demo-web-1/demo-web-1-json.log");
}

TEST_CASE("kernel names: unchanged under the default root, scoped by the run directory elsewhere") {
  CHECK(project_paths("/var/lib/pier", "demo").value().kernel_name == "demo");
  CHECK(project_paths("", "demo").value().kernel_name == "demo");
  // Pinned: a supervisor of another build must find the objects this one made.
  CHECK(kernel_name("/tmp/r", "demo") == "demo.c7948eae");
  CHECK(project_paths("/tmp/r", "demo").value().kernel_name == "demo.c7948eae");
  CHECK(kernel_name("/tmp/r", "web") == "web.c7948eae");
  CHECK(kernel_name("/tmp/s", "demo") != kernel_name("/tmp/r", "demo"));
  // Spellings of one run directory share its lock, so they share the names too.
  CHECK(kernel_name("/tmp/r/", "demo") == "demo.c7948eae");
  CHECK(kernel_name("/tmp//x/../r", "demo") == "demo.c7948eae");
  TempDir dir;
  std::filesystem::create_directory(dir.path + "/real");
  std::filesystem::create_directory_symlink(dir.path + "/real", dir.path + "/link");
  CHECK(kernel_name(dir.path + "/link", "demo") == kernel_name(dir.path + "/real", "demo"));
  // Roots that share a run directory share its lock: one supervisor for both.
  std::filesystem::create_directories(dir.path + "/real/run");
  std::filesystem::create_directory(dir.path + "/alias");
  std::filesystem::create_directory_symlink(dir.path + "/real/run", dir.path + "/alias/run");
  CHECK(kernel_name(dir.path + "/alias", "demo") == kernel_name(dir.path + "/real", "demo"));
}

TEST_CASE("names that would leave their directory are refused where paths are joined") {
  CHECK_FALSE(project_paths("/tmp/r", "../../etc").ok());
  auto paths = project_paths("/tmp/r", "demo").value();
  CHECK(paths.volume_root("demo_data").value() == "/tmp/r/volumes/demo_data");
  CHECK(paths.volume_dir("demo_data").value() == "/tmp/r/volumes/demo_data/_data");
  for (const char* bad : {"../../../../tmp/victim", "..", ".", "", "a/b"}) {
    INFO(bad);
    CHECK_FALSE(paths.volume_root(bad).ok());
    CHECK_FALSE(paths.volume_dir(bad).ok());
    CHECK_FALSE(paths.scratch_dir(bad).ok());
    CHECK_FALSE(paths.log_dir(bad).ok());
    CHECK_FALSE(paths.log_file(bad).ok());
    CHECK_FALSE(paths.held_netns(bad).ok());
    CHECK_FALSE(paths.held_utsns(bad).ok());
    CHECK_FALSE(paths.anonymous_volumes_dir(bad).ok());
  }
  RecordStore store("/tmp/r/run/demo/containers");
  CHECK_THAT(store.remove("../../../../../etc/passwd").error().to_string(),
             Catch::Contains("container name `../../../../../etc/passwd` is not a single path component"));
  CHECK_FALSE(store.read("../x").ok());
}
