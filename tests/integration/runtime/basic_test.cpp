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

TEST_CASE("tty: a pty of the container's devpts with the window size", "[root][runtime]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"tty"});
  spec.process.tty = true;
  spec.process.tty_rows = 33;
  spec.process.tty_cols = 101;
  auto c = runtime::spawn(spec);
  REQUIRE(c.ok());
  REQUIRE(c->pty_master.valid());
  std::string out;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(c->pty_master.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  CHECK(runtime::wait(c->pidfd.get()).value() == 0);
  std::string clean;
  for (char ch : out)
    if (ch != '\r') clean += ch;
  auto v = test::parse_values(clean);
  INFO(clean);
  CHECK(v["isatty"] == "1");
  CHECK(v["ttyname"] == "/dev/pts/0");
  CHECK(v["winsize"] == "33x101");
  CHECK(v["ctty"] == "1");
  CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
}

TEST_CASE("namespaced sysctls, oom_score_adj and domainname apply", "[root][runtime]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"cat", "/proc/sys/kernel/shmmni", "cat", "/proc/self/oom_score_adj", "cat",
                      "/proc/sys/kernel/domainname", "cat", "/proc/sys/net/ipv4/ip_forward"});
  spec.sysctls = {{"kernel.shmmni", "1234"}, {"net.ipv4.ip_forward", "1"}};
  spec.process.oom_score_adj = 500;
  spec.domainname = "example.org";
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["cat /proc/sys/kernel/shmmni"] == "1234");
  CHECK(r["cat /proc/self/oom_score_adj"] == "500");
  CHECK(r["cat /proc/sys/kernel/domainname"] == "example.org");
  CHECK(r["cat /proc/sys/net/ipv4/ip_forward"] == "1");
}

TEST_CASE("init forwards a stop signal to the payload", "[root][runtime]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  if (access(PIER_INIT_BINARY, X_OK) != 0) PIER_SKIP("tini-static is not installed");
  TestRoot t;
  auto spec = t.spec({"pause"});
  spec.init = true;
  auto c = runtime::spawn(spec);
  REQUIRE(c.ok());
  // Without init, PID 1 ignores SIGTERM; tini passes it on and exits with 128+15.
  // Tini must have started the payload (and blocked signals) first: wait for both in the cgroup.
  auto* mgr = runtime::cgroup_manager().value();
  for (int i = 0; i < 5000 && mgr->processes(c->cgroup).value().size() < 2; ++i) usleep(1000);
  REQUIRE(runtime::kill(*c, SIGTERM).ok());
  CHECK(runtime::wait(c->pidfd.get()).value() == 143);
  CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
}
