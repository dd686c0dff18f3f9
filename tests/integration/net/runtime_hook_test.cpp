// The runtime's hook: the parent holds the child's pid between "namespaces exist"
// and "exec" and attaches it from the host side. A forked child that unshares its
// network namespace stands in for the cloned container process.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>

#include "base/scope_exit.h"
#include "integration/net/helpers.h"
#include "net/project_network.h"

using namespace pier;
using namespace pier::net;
using namespace pier::net::test;

TEST_CASE("attach a process's network namespace by pid, as the runtime hook does", "[net][root]") {
  PIER_NEEDS_ROOT();
  int ready[2];
  REQUIRE(pipe2(ready, O_CLOEXEC) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Child: own network namespace, then wait to be killed (only raw syscalls).
    char ok = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
    (void)!write(ready[1], &ok, 1);
    for (;;) pause();
  }
  ScopeExit reap([&] {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
  });
  close(ready[1]);
  char ok = 0;
  REQUIRE(read(ready[0], &ok, 1) == 1);
  close(ready[0]);
  REQUIRE(ok == 'y');

  char tmpl[] = "/tmp/pier-net-it-XXXXXX";
  std::string state = mkdtemp(tmpl);
  auto loop = std::move(event::make_uv_loop()).value();
  auto pn = std::move(ProjectNetwork::create(*loop, {unique_project("pid"), state, 53, {}})).value();
  NetworkSpec spec;
  spec.name = "default";
  spec.ipv4.subnet = Subnet::parse("10.199.40.0/24").value();
  REQUIRE(pn->add_network(spec, true).ok());
  auto ns = ContainerNetns::from_pid(child);
  REQUIRE(ns.ok());
  auto eps = pn->attach("c", *ns, {{"default", {}, {"c"}}});
  REQUIRE(eps.ok());
  // The host reaches the process's address through the bridge.
  uint16_t port = 0;
  auto listener = listen_tcp_in(ns->fd(), (*eps)[0].ipv4, port);
  auto echo = echo_once(listener.get());
  auto conn = connect_tcp_from(-1, (*eps)[0].ipv4, port);
  REQUIRE(conn.valid());
  CHECK(tcp_roundtrip(conn.get(), "hook") == "hook");
  conn.reset();
  echo.join();
  CHECK_FALSE(ContainerNetns::from_pid(999999999).ok());
  REQUIRE(pn->teardown().ok());
  std::filesystem::remove_all(state);
}
