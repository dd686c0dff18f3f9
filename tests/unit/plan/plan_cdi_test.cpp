// CDI devices in the plan: which names a service asks for (devices:, deploy device
// requests, gpus:) and how their edits land in the runtime spec.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include "unit/cdi/fixtures.h"
#include "unit/image/temp_dir.h"
#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;

namespace {

// A GPU vendor's spec under the kind GPU requests map to.
constexpr const char* kNvidiaLike = R"(cdiVersion: 0.6.0
kind: nvidia.com/gpu
devices:
- name: "0"
  containerEdits: {deviceNodes: [{path: /dev/nvidia0}]}
- name: "1"
  containerEdits: {deviceNodes: [{path: /dev/nvidia1}]}
- name: GPU-aaaa
  containerEdits: {deviceNodes: [{path: /dev/nvidia1}]}
- name: all
  containerEdits: {deviceNodes: [{path: /dev/nvidia0}, {path: /dev/nvidia1}]}
containerEdits:
  deviceNodes: [{path: /dev/nvidiactl}]
)";

struct CdiDir {
  pier::test::TempDir dir;
  CdiDir(bool nvidia = true) {
    std::ofstream(dir / "xgpu.yaml") << pier::test::kGpuVendorSpec;
    std::ofstream(dir / "igpu.json") << pier::test::kRenderVendorSpec;
    if (nvidia) std::ofstream(dir / "nvidia.yaml") << kNvidiaLike;
    // Writable by no one but root, whatever the umask (the loader refuses others).
    for (const char* f : {"xgpu.yaml", "igpu.json", "nvidia.yaml"}) ::chmod((dir / f).c_str(), 0644);
  }
};

Result<ServicePlan> plan_with(const CdiDir& cdi, const std::string& yaml) {
  auto s = setup(yaml);
  s->environment["PIER_CDI_SPEC_DIRS"] = cdi.dir.path();
  return plan_container(s->in);
}

std::vector<std::string> device_paths(const ServicePlan& p) {
  std::vector<std::string> out;
  for (const auto& d : p.spec.devices) out.push_back(d.container_path.empty() ? d.host_path : d.container_path);
  return out;
}

std::string service(const std::string& body) { return "services:\n  app:\n    image: busybox\n" + body; }

std::string plan_error(const CdiDir& cdi, const std::string& yaml) {
  auto p = plan_with(cdi, yaml);
  REQUIRE_FALSE(p);
  return p.error().to_string();
}

}  // namespace

TEST_CASE("plan: a CDI name under devices brings its spec's nodes, mounts, env and hooks", "[plan][cdi]") {
  CdiDir cdi;
  auto p = plan_with(cdi, service("    environment: {XGPU_VISIBLE: mine, KEEP: 1}\n    devices: [\"example.com/gpu=0\", /dev/null]\n"));
  REQUIRE(p);
  CHECK(device_paths(*p) == std::vector<std::string>{"/dev/null", "/dev/xgpuctl", "/dev/xgpu-uvm", "/dev/xgpu0"});
  const auto& uvm = p->spec.devices[2];
  REQUIRE(uvm.node);
  CHECK(uvm.node->type == 'c');
  CHECK(uvm.node->major == 235);
  CHECK(uvm.node->file_mode == 0666u);
  CHECK_FALSE(p->spec.devices[0].node);  // a host path stays a plain `devices:` entry
  CHECK(has_env(*p, "XGPU_VISIBLE=void"));  // the spec's edit goes on top, as in an OCI runtime
  CHECK_FALSE(has_env(*p, "XGPU_VISIBLE=mine"));
  CHECK(has_env(*p, "KEEP=1"));
  REQUIRE(p->spec.binds.size() == 6);
  const auto& lib = p->spec.binds[0];
  CHECK(lib.target == "/usr/lib");  // ordered with the other mounts, parents first
  CHECK(lib.recursive);
  CHECK(lib.read_only);
  const auto& sock = std::find_if(p->spec.binds.begin(), p->spec.binds.end(),
                                  [](const auto& b) { return b.target == "/run/xgpu-persistenced/socket"; });
  REQUIRE(sock != p->spec.binds.end());
  CHECK((sock->nosuid && sock->nodev && sock->noexec && sock->read_only && !sock->recursive));
  REQUIRE(p->spec.hooks.create_container.size() == 2);
  CHECK(p->spec.hooks.create_container[0].timeout == 60);
  CHECK(p->spec.hooks.create_container[1].timeout == 10);
  CHECK(p->spec.hooks.create_container[1].args[2] == "update-ldcache");
  CHECK(p->spec.hooks.poststop.empty());
}

TEST_CASE("plan: deploy device requests with driver cdi", "[plan][cdi]") {
  CdiDir cdi;
  auto p = plan_with(cdi, service(R"(    group_add: ["44"]
    deploy:
      resources:
        reservations:
          devices:
          - driver: cdi
            device_ids: [example.org/igpu=card1]
)"));
  REQUIRE(p);
  CHECK(device_paths(*p) == std::vector<std::string>{"/dev/dri/card1", "/dev/dri/renderD129"});
  CHECK(p->spec.process.group_add == std::vector<std::string>{"44", "109"});
  CHECK(has_env(*p, "IGPU_CARD=1"));
  CHECK_THAT(plan_error(cdi, service("    deploy: {resources: {reservations: {devices: [{driver: cdi}]}}}\n")),
             Catch::Contains("devices[0]: `driver: cdi` needs `device_ids`"));
}

TEST_CASE("plan: GPU requests map to nvidia.com/gpu names", "[plan][cdi]") {
  CdiDir cdi;
  auto nodes = [&](const std::string& body) {
    auto p = plan_with(cdi, service(body));
    if (!p) FAIL(p.error().to_string());
    return device_paths(*p);
  };
  using V = std::vector<std::string>;
  CHECK(nodes("    gpus: all\n") == V{"/dev/nvidiactl", "/dev/nvidia0", "/dev/nvidia1"});
  CHECK(nodes("    gpus: [{count: 1}]\n") == V{"/dev/nvidiactl", "/dev/nvidia0"});
  CHECK(nodes("    gpus: [{device_ids: [GPU-aaaa]}]\n") == V{"/dev/nvidiactl", "/dev/nvidia1"});
  std::string deploy = "    deploy: {resources: {reservations: {devices: [";
  CHECK(nodes(deploy + "{driver: nvidia, count: 1, capabilities: [gpu]}]}}}\n") == V{"/dev/nvidiactl", "/dev/nvidia0"});
  CHECK(nodes(deploy + "{capabilities: [gpu], count: all}]}}}\n") == V{"/dev/nvidiactl", "/dev/nvidia0", "/dev/nvidia1"});
  CHECK(nodes(deploy + "{capabilities: [gpu], device_ids: [\"1\"]}]}}}\n") == V{"/dev/nvidiactl", "/dev/nvidia1"});
  CHECK(nodes(deploy + "{capabilities: [gpu]}]}}}\n") == V{"/dev/nvidiactl", "/dev/nvidia0", "/dev/nvidia1"});
  CHECK(nodes(deploy + "{driver: nvidia, count: \"2\", capabilities: [gpu]}]}}}\n") ==
        V{"/dev/nvidiactl", "/dev/nvidia0", "/dev/nvidia1"});
  auto with_options = plan_with(cdi, service("    gpus: [{count: 1, options: {virtualization: false}}]\n"));
  REQUIRE(with_options);
  CHECK_THAT(warnings_of(*with_options), Catch::Contains("device request `options` are not applied"));

  CHECK(plan_error(cdi, service(deploy + "{capabilities: [gpu], count: 3}]}}}\n")) ==
        "compose.yaml:4:5: service \"app\": deploy.resources.reservations.devices[0]: `count: 3` asks for more GPUs "
        "than the NVIDIA spec lists (2)");
  CHECK_THAT(plan_error(cdi, service(deploy + "{capabilities: [gpu], count: 1, device_ids: [\"0\"]}]}}}\n")),
             Catch::Contains("`count` and `device_ids` cannot both be set"));
  CHECK_THAT(plan_error(cdi, service(deploy + "{driver: amd, capabilities: [gpu]}]}}}\n")),
             Catch::Contains("device requests for driver `amd` with capabilities [gpu] are not supported"));
  CHECK_THAT(plan_error(cdi, service(deploy + "{capabilities: [tpu]}]}}}\n")),
             Catch::Contains("driver `(none)` with capabilities [tpu] are not supported"));
  CHECK_THAT(plan_error(cdi, service("    gpus: [{count: many}]\n")),
             Catch::Contains("gpus[0]: `count` must be a number or `all`, not \"many\""));
  CHECK_THAT(plan_error(cdi, service("    deploy: {resources: {limits: {devices: [{capabilities: [gpu]}]}}}\n")),
             Catch::Contains("device requests belong under `deploy.resources.reservations.devices`"));
}

TEST_CASE("plan: a GPU request without an NVIDIA spec, and an unknown name, fail with the dirs searched", "[plan][cdi]") {
  CdiDir cdi(false);
  CHECK(plan_error(cdi, service("    gpus: all\n")) ==
        "compose.yaml:4:5: service \"app\": a GPU request needs an NVIDIA CDI spec (kind nvidia.com/gpu), and none "
        "was found in " + cdi.dir.path() + " (run `nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`; see docs/gpu.md)");
  CHECK_THAT(plan_error(cdi, service("    devices: [\"example.com/gpu=9\"]\n")),
             Catch::StartsWith("compose.yaml:4:5: service \"app\": CDI device `example.com/gpu=9` is not defined in any "
                               "spec (searched " + cdi.dir.path() + ")"));
  CHECK_THAT(plan_error(cdi, service("    devices: [\"example.com/gpu=0:/dev/x\"]\n")),
             Catch::Contains("takes no container path"));
}

TEST_CASE("plan: a CDI mount option pier cannot apply is refused, not dropped", "[plan][cdi]") {
  CdiDir cdi;
  std::ofstream(cdi.dir / "opts.yaml") << R"(cdiVersion: 0.6.0
kind: example.net/opts
devices:
- name: idmapped
  containerEdits:
    mounts: [{hostPath: /srv, containerPath: /srv, options: [rbind, idmap]}]
- name: proc
  containerEdits:
    mounts: [{hostPath: proc, containerPath: /host-proc, type: proc}]
- name: tmp
  containerEdits:
    mounts: [{hostPath: tmpfs, containerPath: /scratch, type: tmpfs, options: [nosuid, size=1m, mode=1777]}]
)";
  ::chmod((cdi.dir / "opts.yaml").c_str(), 0644);
  CHECK_THAT(plan_error(cdi, service("    devices: [\"example.net/opts=idmapped\"]\n")),
             Catch::Contains("CDI mount `/srv`: option `idmap` is not supported"));
  CHECK_THAT(plan_error(cdi, service("    devices: [\"example.net/opts=proc\"]\n")),
             Catch::Contains("CDI mount `/host-proc`: type `proc` is not supported"));
  auto p = plan_with(cdi, service("    devices: [\"example.net/opts=tmp\"]\n"));
  REQUIRE(p);
  REQUIRE(p->spec.tmpfs.size() == 1);
  CHECK(p->spec.tmpfs[0].size == 1u << 20);
  CHECK(p->spec.tmpfs[0].mode == 01777u);
}

TEST_CASE("plan: a CDI mount on a path the service mounts is a duplicate", "[plan][cdi]") {
  CdiDir cdi;
  CHECK_THAT(plan_error(cdi, service("    devices: [\"example.com/gpu=1\"]\n    volumes: [\"/srv:/usr/bin/xgpu-smi\"]\n")),
             Catch::Contains("duplicate mount point `/usr/bin/xgpu-smi`"));
}
