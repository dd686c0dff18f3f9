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

namespace {

// A CDI device node backed by the host's /dev/null, with the spec's mode and group.
runtime::Device cdi_null_node() {
  runtime::Device d{"/dev/null", "/dev/cdi/fake0", "rw"};
  d.node = runtime::Device::Node{};
  d.node->type = 'c';
  d.node->file_mode = 0640;
  d.node->gid = 44;
  return d;
}

}  // namespace

TEST_CASE("a CDI device node is made with the spec's mode and owner", "[root][runtime][cdi]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"stat", "/dev/cdi/fake0", "rw", "/dev/cdi/fake0"});
  spec.devices.push_back(cdi_null_node());
  auto r = t.run(spec);
  INFO(r.error << r.output);
  REQUIRE(r.started);
  CHECK(r["stat /dev/cdi/fake0"] == "0:44:640");
  CHECK(r["rw /dev/cdi/fake0"] == "0");
}

// mknod is refused in a user namespace: the host node is bound instead (as Podman does
// rootless), so it keeps the host's mode and shows the unmapped host owner.
TEST_CASE("in a user namespace a CDI device node is bound from the host", "[root][runtime][userns][cdi]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"stat", "/dev/cdi/fake0", "rw", "/dev/cdi/fake0"});
  spec.devices.push_back(cdi_null_node());
  spec.namespaces.user.enabled = true;
  spec.namespaces.user.uid_map = {{0, 200000, 65536}};
  spec.namespaces.user.gid_map = {{0, 200000, 65536}};
  auto r = t.run(spec);
  INFO(r.error << r.output);
  REQUIRE(r.started);
  CHECK(r["stat /dev/cdi/fake0"] == "65534:65534:666");
  CHECK(r["rw /dev/cdi/fake0"] == "0");
}
