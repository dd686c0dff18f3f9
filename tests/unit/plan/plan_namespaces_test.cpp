#include <catch2/catch.hpp>
#include <unistd.h>

#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;
using Kind = runtime::NamespaceMode::Kind;

namespace {
std::string host_name() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}
}  // namespace

TEST_CASE("plan: default namespaces are private, hostname is the id's first 12 hex", "[plan]") {
  auto p = plan_of("services:\n  app:\n    image: busybox\n");
  const auto& ns = p.spec.namespaces;
  CHECK(ns.net.kind == Kind::private_);
  CHECK(ns.pid.kind == Kind::private_);
  CHECK(ns.ipc.kind == Kind::private_);
  CHECK(ns.uts.kind == Kind::private_);
  CHECK(ns.cgroup);
  CHECK_FALSE(ns.user.enabled);
  CHECK(p.spec.hostname == "3f2a9c1b7d4e");
  // The cgroup pier/<kernel name>/<container>: scoped by the (non-default) test root.
  CHECK(p.spec.project == state::kernel_name("/tmp/pier-plan-test-root", "proj"));
  CHECK(p.spec.name == "proj-app-1");
  CHECK(p.spec.layers == std::vector<std::string>{"/var/lib/pier/images/layers/top/root",
                                                  "/var/lib/pier/images/layers/base/root"});
  CHECK(p.spec.state_dir == "/tmp/pier-plan-test-root/run/proj/scratch/proj-app-1");
  CHECK_FALSE(p.spec.read_only_rootfs);
}

TEST_CASE("plan: hostname, domainname, read_only", "[plan]") {
  auto p = plan_of("services:\n  app:\n    image: busybox\n    hostname: web\n    domainname: example.org\n    read_only: true\n");
  CHECK(p.spec.hostname == "web");
  CHECK(p.spec.domainname == "example.org");
  CHECK(p.spec.read_only_rootfs);
}

TEST_CASE("plan: host modes share the host's namespaces and hostname", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    network_mode: host
    pid: host
    ipc: host
    cgroup: host
)");
  CHECK(p.spec.namespaces.net.kind == Kind::host);
  CHECK(p.spec.namespaces.pid.kind == Kind::host);
  CHECK(p.spec.namespaces.ipc.kind == Kind::host);
  CHECK(p.spec.namespaces.uts.kind == Kind::private_);
  CHECK_FALSE(p.spec.namespaces.cgroup);
  CHECK(p.spec.hostname == host_name());
  CHECK(has_env(p, "HOSTNAME=" + host_name()));

  auto uts = plan_of("services:\n  app:\n    image: busybox\n    uts: host\n");
  CHECK(uts.spec.namespaces.uts.kind == Kind::host);
  CHECK(uts.spec.hostname.empty());
  CHECK(has_env(uts, "HOSTNAME=" + host_name()));
}

TEST_CASE("plan: service: and container: modes join that container's namespaces", "[plan]") {
  auto p = plan_of(R"(services:
  db:
    image: busybox
  app:
    image: busybox
    network_mode: service:db
    pid: container:legacy
    ipc: service:db
)");
  const auto& ns = p.spec.namespaces;
  CHECK(ns.net.kind == Kind::container);
  CHECK(ns.net.pid == 4242);
  CHECK(ns.pid.kind == Kind::container);
  CHECK(ns.ipc.pid == 4242);
  // The hostname comes with the other container's UTS namespace.
  CHECK(ns.uts.kind == Kind::container);
  CHECK(ns.uts.pid == 4242);
  CHECK(p.spec.hostname.empty());
  for (const auto& e : p.spec.process.env) CHECK_FALSE(e.rfind("HOSTNAME=", 0) == 0);
}

TEST_CASE("plan: namespace errors name the key and the line", "[plan]") {
  CHECK(error_of(R"(services:
  db:
    image: busybox
  app:
    image: busybox
    network_mode: service:db
    hostname: web
)") == "compose.yaml:7:5: service \"app\": `hostname` cannot be set with `network_mode: service:db` (the container "
       "takes the hostname of the one whose network it joins)");
  CHECK(error_of("services:\n  app:\n    image: busybox\n    pid: container:gone\n") ==
        "compose.yaml:4:5: service \"app\": `pid: container:gone`: no running container for `container:gone`");
  CHECK(error_of("services:\n  app:\n    image: busybox\n    uts: host\n    hostname: x\n") ==
        "compose.yaml:5:5: service \"app\": `hostname` cannot be set with `uts: host` (remove one of them)");
  // Run by root: nobody's id to keep.
  CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n    userns_mode: keep-id\n"),
             Catch::StartsWith("compose.yaml:4:5: service \"app\": userns_mode `keep-id` needs a rootless pier"));
  CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n    network_mode: mynet\n"),
             Catch::StartsWith("compose.yaml:4:5: service \"app\": network_mode `mynet` is not supported"));
}

TEST_CASE("plan: ipc none and shareable stay private", "[plan]") {
  auto shareable = plan_of("services:\n  app:\n    image: busybox\n    ipc: shareable\n");
  CHECK(shareable.spec.namespaces.ipc.kind == Kind::private_);
  CHECK(shareable.warnings.empty());
  auto none = plan_of("services:\n  app:\n    image: busybox\n    ipc: none\n    userns_mode: host\n");
  CHECK(none.spec.namespaces.ipc.kind == Kind::private_);
  CHECK(warnings_of(none) == "compose.yaml:4:5: service \"app\": `ipc: none` runs with a private IPC namespace and "
                             "/dev/shm mounted\n");
}

TEST_CASE("plan: held namespaces for a provider and its dependents; pid joins recorded for the start",
          "[plan]") {
  const char* yaml = R"(services:
  db:
    image: busybox
  app:
    image: busybox
    network_mode: service:db
    pid: service:db
)";
  // The provider runs in its held files and owns them (sets its hostname there).
  auto provider = setup(yaml);
  provider->in.service = provider->project.find_service("db");
  provider->in.held = PlanInputs::HeldNamespaces{"/run/ns/db.net", "/run/ns/db.uts"};
  auto db = plan_container(provider->in);
  REQUIRE(db.ok());
  CHECK(db->spec.namespaces.net.kind == Kind::path);
  CHECK(db->spec.namespaces.net.path == "/run/ns/db.net");
  CHECK(db->spec.namespaces.net.owner);
  CHECK(db->spec.namespaces.uts.path == "/run/ns/db.uts");
  CHECK(db->spec.namespaces.uts.owned());
  CHECK_FALSE(db->spec.hostname.empty());
  CHECK(db->namespace_joins.empty());

  // The dependent joins the files (not db's pid), and only pid waits for the start.
  auto dependent = setup(yaml);
  dependent->in.find_held = [](const std::string& mode) -> Result<std::optional<PlanInputs::HeldNamespaces>> {
    if (mode == "service:db") return std::optional(PlanInputs::HeldNamespaces{"/run/ns/db.net", "/run/ns/db.uts"});
    return std::optional<PlanInputs::HeldNamespaces>();
  };
  auto app = plan_container(dependent->in);
  REQUIRE(app.ok());
  const auto& ns = app->spec.namespaces;
  CHECK(ns.net.kind == Kind::path);
  CHECK_FALSE(ns.net.owner);
  CHECK(ns.uts.path == "/run/ns/db.uts");
  CHECK_FALSE(ns.uts.owned());
  CHECK(app->spec.hostname.empty());
  REQUIRE(app->namespace_joins.size() == 1);
  CHECK(app->namespace_joins[0].key == "pid");
  CHECK(app->namespace_joins[0].mode == "service:db");
  CHECK(ns.pid.pid == 4242);

  // Without held namespaces, net and uts are pid joins looked up again at the start.
  auto plain = plan_of(yaml);
  REQUIRE(plain.namespace_joins.size() == 3);
  CHECK(plain.namespace_joins[0].key == "net");
  CHECK(plain.namespace_joins[1].key == "pid");
  CHECK(plain.namespace_joins[2].key == "uts");
}
