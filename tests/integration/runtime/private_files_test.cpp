// Secrets and configs on the real kernel: each container's own tmpfs copy with owner and
// mode, read-only inside, never a mount on the host (also with a shared root and in a
// user namespace).
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/scope_exit.h"
#include "integration/support/rootfs.h"

using namespace pier;
using pier::test::TestRoot;
namespace fs = std::filesystem;

namespace {

// Spawns `spec`, reads its output until `marker` (the probe then pauses), runs `check`
// while it is alive, then destroys it.
template <class Check>
std::string while_running(runtime::ContainerSpec spec, const std::string& marker, Check check) {
  int pipefd[2];
  REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
  spec.process.stdio[1] = spec.process.stdio[2] = pipefd[1];
  auto c = runtime::spawn(spec);
  ::close(pipefd[1]);
  ScopeExit close_read([&] { ::close(pipefd[0]); });
  INFO((c.ok() ? std::string() : c.error().to_string()));
  REQUIRE(c.ok());
  ScopeExit destroy([&] { CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok()); });
  std::string out;
  char buf[4096];
  while (out.find(marker) == std::string::npos) {
    ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  check(*c);
  return out;
}

std::vector<runtime::PrivateFile> sample_files() {
  return {{"/run/secrets/db", "hunter2", "", "", 0444, "secret `db`"},
          {"/run/secrets/api", "k3y", "app", "staff", 0400, "secret `api`"},
          {"/etc/app.conf", "a=1\n", "4242", "4343", 0640, "config `app`"}};
}

}  // namespace

TEST_CASE("private files: content, owner by name and number, mode, read-only", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"cat", "/run/secrets/db", "stat", "/run/secrets/db", "stat", "/run/secrets/api", "stat",
                      "/etc/app.conf", "cat", "/etc/app.conf", "write", "/run/secrets/db", "rw", "/etc/app.conf"});
  spec.private_files = sample_files();
  auto r = t.run(spec);
  INFO(r.error << r.output);
  REQUIRE(r.started);
  CHECK(r["cat /run/secrets/db"] == "hunter2");
  CHECK(r["stat /run/secrets/db"] == "0:0:444");         // Docker's defaults
  CHECK(r["stat /run/secrets/api"] == "1000:50:400");    // app / staff from the image
  CHECK(r["stat /etc/app.conf"] == "4242:4343:640");     // numbers taken as they are
  CHECK(r["write /run/secrets/db"] == "30");             // EROFS
  CHECK(r["rw /etc/app.conf"] == "30");
  CHECK_FALSE(fs::exists(spec.state_dir));  // destroy removed the (empty) mount point
}

TEST_CASE("private files: the tmpfs is never on the host and leaves the container's view",
          "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"stat", "/run/secrets/db", "pause"});
  spec.private_files = sample_files();
  std::string mountinfo;
  while_running(spec, "stat /run/secrets/db=", [&](const runtime::Container& c) {
    CHECK(test::count_mounts_under(t.path()) == 0);
    CHECK(fs::is_empty(spec.state_dir + "/private"));  // the content exists only in the tmpfs
    std::ifstream in("/proc/" + std::to_string(c.pid) + "/mountinfo");
    mountinfo.assign(std::istreambuf_iterator<char>(in), {});
  });
  INFO(mountinfo);
  // Inside: the three binds, and no trace of the host directory the tmpfs was mounted on.
  CHECK(mountinfo.find(" /run/secrets/db ro,") != std::string::npos);
  CHECK(mountinfo.find(" /etc/app.conf ro,") != std::string::npos);
  CHECK(mountinfo.find("/private") == std::string::npos);
}

TEST_CASE("private files: with a shared root, nothing propagates to a shared host mount",
          "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  // The container's state dir on a shared mount, as /run is on a systemd host.
  const std::string shared = t.path() + "/shared";
  fs::create_directories(shared);
  REQUIRE(::mount("tmpfs", shared.c_str(), "tmpfs", 0, "size=1m") == 0);
  ScopeExit unmount([&] { ::umount2(shared.c_str(), MNT_DETACH); });
  REQUIRE(::mount(nullptr, shared.c_str(), nullptr, MS_SHARED, nullptr) == 0);
  const std::string source = t.path() + "/src";
  fs::create_directories(source);
  auto spec = t.spec({"cat", "/run/secrets/db", "pause"});
  spec.state_dir = shared + "/state";
  spec.binds = {{source, "/mnt/src"}};
  spec.binds[0].propagation = runtime::Propagation::rshared;  // the root becomes shared
  spec.private_files = sample_files();
  std::string out = while_running(spec, "hunter2", [&](const runtime::Container&) {
    CHECK(test::count_mounts_under(shared + "/") == 0);
  });
  INFO(out);
  CHECK(out.find("cat /run/secrets/db=hunter2") != std::string::npos);
}

TEST_CASE("private files: owners are mapped in a user namespace", "[root][runtime][userns]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"stat", "/run/secrets/api", "cat", "/run/secrets/api", "pause"});
  spec.namespaces.user.enabled = true;
  spec.namespaces.user.uid_map = {{0, 200000, 65536}};
  spec.namespaces.user.gid_map = {{0, 200000, 65536}};
  // Not under the image's /etc: its host-root-owned directories are not the mapped root's
  // to create a mount point in (true of any bind in a user namespace).
  spec.private_files = sample_files();
  spec.private_files[2].target = "/app.conf";
  std::string out = while_running(spec, "cat /run/secrets/api=", [&](const runtime::Container& c) {
    struct stat st{};
    std::string path = "/proc/" + std::to_string(c.pid) + "/root/run/secrets/api";
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(st.st_uid == 201000u);  // app (1000) inside, mapped on the host
    CHECK(st.st_gid == 200050u);
  });
  INFO(out);
  CHECK(out.find("stat /run/secrets/api=1000:50:400") != std::string::npos);
  CHECK(out.find("cat /run/secrets/api=k3y") != std::string::npos);
}
