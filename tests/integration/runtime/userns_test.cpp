// userns_mode: container root is an unprivileged host uid.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "integration/support/rootfs.h"

using namespace pier;
using pier::test::TestRoot;

TEST_CASE("a user namespace maps container root to an unprivileged host uid", "[root][runtime][userns]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"info", "cat", "/proc/self/uid_map", "write", "/written", "rw", "/dev/null", "pause"});
  spec.namespaces.user.enabled = true;
  spec.namespaces.user.uid_map = {{0, 200000, 65536}};
  spec.namespaces.user.gid_map = {{0, 200000, 65536}};
  int pipefd[2];
  REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
  spec.process.stdio[1] = spec.process.stdio[2] = pipefd[1];
  auto c = runtime::spawn(spec);
  ::close(pipefd[1]);
  INFO((c.ok() ? std::string() : c.error().to_string()));
  REQUIRE(c.ok());
  // The container wrote /written in its upper dir, owned by the mapped root on the host.
  std::string out;
  char buf[4096];
  while (out.find("rw /dev/null=") == std::string::npos) {
    ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  struct stat st{};
  CHECK(::stat((spec.state_dir + "/upper/written").c_str(), &st) == 0);
  CHECK(st.st_uid == 200000u);
  struct stat proc{};
  REQUIRE(::stat(("/proc/" + std::to_string(c->pid)).c_str(), &proc) == 0);
  CHECK(proc.st_uid == 200000u);
  auto v = test::parse_values(out);
  INFO(out);
  CHECK(v["uid"] == "0");
  CHECK(v["pid"] == "1");
  CHECK(v["write /written"] == "0");
  CHECK(v["rw /dev/null"] == "0");
  CHECK(v["CapEff"] == "00000000a80425fb");
  CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
}
