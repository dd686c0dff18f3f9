// Shared namespaces (host / another container's, PID included), exec_in, init.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <thread>

#include "integration/support/rootfs.h"

using namespace pier;
using pier::test::TestRoot;

namespace {

std::string ns_id(pid_t pid, const char* ns) {
  char buf[128] = {};
  std::string path = "/proc/" + (pid ? std::to_string(pid) : std::string("self")) + "/ns/" + ns;
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

struct Running {
  runtime::ContainerSpec spec;
  runtime::Container c;
  ~Running() { (void)runtime::destroy(spec.project, spec.name, spec.state_dir); }
};

std::unique_ptr<Running> start_pause(TestRoot& t, const std::string& hostname = "") {
  auto spec = t.spec({"pause"});
  spec.hostname = hostname;
  auto c = runtime::spawn(spec);
  REQUIRE(c.ok());
  return std::unique_ptr<Running>(new Running{spec, std::move(*c)});
}

}  // namespace

TEST_CASE("private namespaces differ from the host's", "[root][runtime][ns]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto r = t.run(t.spec({"ns"}));
  for (const char* ns : {"pid", "net", "ipc", "uts", "mnt", "cgroup"}) {
    INFO(ns);
    CHECK(r[std::string("ns_") + ns] != ns_id(0, ns));
  }
}

TEST_CASE("host namespaces are shared when asked", "[root][runtime][ns]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"ns", "info"});
  auto host = runtime::NamespaceMode::host();
  spec.namespaces.net = spec.namespaces.ipc = spec.namespaces.uts = spec.namespaces.pid = host;
  auto r = t.run(spec);
  INFO(r.error << r.output);
  for (const char* ns : {"pid", "net", "ipc", "uts"}) {
    INFO(ns);
    CHECK(r[std::string("ns_") + ns] == ns_id(0, ns));
  }
  CHECK(r["ns_mnt"] != ns_id(0, "mnt"));
  CHECK(std::stoi(r["procs"]) > 1);
}

TEST_CASE("another container's net, ipc, uts and pid namespaces are joined", "[root][runtime][ns]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto a = start_pause(t, "first");
  auto spec = t.spec({"ns", "info"});
  auto of = runtime::NamespaceMode::of(a->c.pid);
  spec.namespaces.net = spec.namespaces.ipc = spec.namespaces.uts = spec.namespaces.pid = of;
  auto r = t.run(spec);
  INFO(r.error << r.output);
  REQUIRE(r.started);
  for (const char* ns : {"pid", "net", "ipc", "uts"}) {
    INFO(ns);
    CHECK(r[std::string("ns_") + ns] == ns_id(a->c.pid, ns));
  }
  CHECK(r["hostname"] == "first");
  CHECK(r["pid"] != "1");
  CHECK(r["procs"] == "2");  // the first container's PID 1 and the probe
}

TEST_CASE("joining a container that is gone fails clearly", "[root][runtime][ns]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"info"});
  spec.namespaces.net = runtime::NamespaceMode::of(999999);
  auto r = t.run(spec);
  CHECK_FALSE(r.started);
  CHECK_THAT(r.error, Catch::Contains("join network namespace of pid `999999`: No such process"));
}

TEST_CASE("exec_in runs inside the container's namespaces and cgroup", "[root][runtime][ns]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto a = start_pause(t, "box");
  int pipefd[2];
  REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
  runtime::Process p;
  p.argv = {"/probe", "ns", "info", "cat", "/proc/self/cgroup"};
  p.user = "app";
  p.stdio[1] = pipefd[1];
  auto h = runtime::exec_in(a->c, p);
  ::close(pipefd[1]);
  REQUIRE(h.ok());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  CHECK(runtime::wait(h->pidfd.get()).value() == 0);
  auto v = test::parse_values(out);
  INFO(out);
  for (const char* ns : {"pid", "net", "ipc", "uts", "mnt", "cgroup"}) {
    INFO(ns);
    CHECK(v[std::string("ns_") + ns] == ns_id(a->c.pid, ns));
  }
  CHECK(v["hostname"] == "box");
  CHECK(v["uid"] == "1000");
  CHECK(v["procs"] == "2");
  auto* mgr = runtime::cgroup_manager().value();
  auto procs = mgr->processes(a->c.cgroup);
  REQUIRE(procs.ok());
  CHECK(procs->size() == 1);  // the exec'd process has exited; only PID 1 remains
}

TEST_CASE("init reaps zombies; without it they stay", "[root][runtime][ns]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  if (access(PIER_INIT_BINARY, X_OK) != 0) PIER_SKIP("tini-static is not installed");
  TestRoot t;
  auto with = t.spec({"zombies", "5"});
  with.init = true;
  auto r = t.run(with);
  INFO(r.error << r.output);
  CHECK(r["zombies"] == "0");
  auto without = t.run(t.spec({"zombies", "5"}));
  CHECK(without["zombies"] == "5");
}

TEST_CASE("the before-exec hook sees the live namespaces; its error aborts the start", "[root][runtime][ns]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"ns"});
  std::string seen;
  runtime::SpawnOptions options;
  options.before_exec = [&](pid_t pid, int pidfd) -> Status {
    seen = ns_id(pid, "net");
    return pidfd >= 0 ? Status{} : Status(Error("no pidfd"));
  };
  int pipefd[2];
  REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
  spec.process.stdio[1] = pipefd[1];
  auto c = runtime::spawn(spec, options);
  ::close(pipefd[1]);
  REQUIRE(c.ok());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  CHECK(runtime::wait(c->pidfd.get()).value() == 0);
  CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
  CHECK_FALSE(seen.empty());
  CHECK(test::parse_values(out)["ns_net"] == seen);
  CHECK(seen != ns_id(0, "net"));

  auto failing = t.spec({"ns"});
  runtime::SpawnOptions bad;
  bad.before_exec = [](pid_t, int) -> Status { return Error("attach veth: no such bridge"); };
  auto f = runtime::spawn(failing, bad);
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().to_string() == "before-exec hook: attach veth: no such bridge");
  auto* mgr = runtime::cgroup_manager().value();
  CHECK_FALSE(mgr->exists(runtime::cgroup_name(failing.project, failing.name)));
}

TEST_CASE("many containers start at once from many threads", "[root][runtime][ns][stress]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  constexpr int kCount = 24;
  std::vector<runtime::ContainerSpec> specs;
  for (int i = 0; i < kCount; ++i) specs.push_back(t.spec({"exit", "3"}));
  std::vector<int> codes(kCount, -1);
  std::vector<std::string> errors(kCount);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCount; ++i)
    threads.emplace_back([&, i] {
      auto c = runtime::spawn(specs[static_cast<size_t>(i)]);
      if (!c) {
        errors[static_cast<size_t>(i)] = c.error().to_string();
        return;
      }
      codes[static_cast<size_t>(i)] = runtime::wait(c->pidfd.get()).value();
      auto st = runtime::destroy(specs[static_cast<size_t>(i)].project, specs[static_cast<size_t>(i)].name,
                                 specs[static_cast<size_t>(i)].state_dir);
      if (!st) errors[static_cast<size_t>(i)] = st.error().to_string();
    });
  for (auto& th : threads) th.join();
  for (int i = 0; i < kCount; ++i) {
    INFO(i << ": " << errors[static_cast<size_t>(i)]);
    CHECK(codes[static_cast<size_t>(i)] == 3);
  }
}
