// The vertical slice: a full container runs the probe and sees itself isolated.
#include <catch2/catch.hpp>
#include <signal.h>
#include <unistd.h>

#include "integration/support/rootfs.h"
#include "runtime/cgroup/manager.h"

using namespace pier;
using pier::test::TestRoot;

TEST_CASE("container runs as PID 1 and sees no host process", "[root][runtime]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto r = t.run(t.spec({"info", "ns"}));
  INFO(r.error << r.output);
  REQUIRE(r.started);
  CHECK(r.exit_code == 0);
  CHECK(r["pid"] == "1");
  CHECK(r["procs"] == "1");
  CHECK(r["uid"] == "0");
  CHECK(r["cwd"] == "/");
  CHECK(r["home"] == "/root");
}

TEST_CASE("hostname is the container's own", "[root][runtime]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"info"});
  spec.hostname = "web-1";
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["hostname"] == "web-1");
  char host[256] = {};
  ::gethostname(host, sizeof host);
  CHECK(std::string(host) != "web-1");
}

TEST_CASE("exit codes and 128+signal come back", "[root][runtime]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  CHECK(t.run(t.spec({"exit", "7"})).exit_code == 7);
  // PID 1 ignores its own default-action signals; under init the payload is not PID 1
  // and tini reports its death as 128+signal.
  auto spec = t.spec({"raise", "15"});
  spec.init = true;
  CHECK(t.run(spec).exit_code == 128 + 15);
}

TEST_CASE("SIGKILL from the host ends a container as 137", "[root][runtime]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"pause"});
  auto c = runtime::spawn(spec);
  REQUIRE(c.ok());
  REQUIRE(runtime::kill(*c, SIGKILL).ok());
  auto code = runtime::wait(c->pidfd.get());
  REQUIRE(code.ok());
  CHECK(*code == 137);
  CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
}

TEST_CASE("a plain directory works as rootfs", "[root][runtime]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"info"});
  spec.layers.clear();
  spec.rootfs_dir = TestRoot::base_layer();
  spec.process.argv = {"/bin/busybox", "true"};
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r.exit_code == 0);
}
