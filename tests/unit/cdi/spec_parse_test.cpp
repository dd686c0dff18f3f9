// Spec files to data: the shapes vendors publish, every version pier claims, and the
// files it must refuse (each refusal below fails if its check goes).
#include <catch2/catch.hpp>

#include "cdi/spec.h"
#include "unit/cdi/fixtures.h"

using namespace pier;
using namespace pier::cdi;

namespace {

std::string error_of(const std::string& text, const std::string& file = "/etc/cdi/x.yaml") {
  auto s = parse_spec(text, file);
  REQUIRE_FALSE(s);
  return s.error().to_string();
}

std::string minimal(const std::string& version) {
  return "cdiVersion: " + version + "\nkind: example.com/dev\ndevices:\n- name: one\n  containerEdits:\n    env: [A=1]\n";
}

}  // namespace

TEST_CASE("cdi: a GPU vendor's YAML spec with hooks and many mounts", "[cdi]") {
  auto s = parse_spec(test::kGpuVendorSpec, "/etc/cdi/xgpu.yaml");
  REQUIRE(s);
  CHECK(s->file == "/etc/cdi/xgpu.yaml");
  CHECK(s->version == "0.5.0");
  CHECK(s->kind == "example.com/gpu");
  REQUIRE(s->devices.size() == 4);
  CHECK(s->devices[0].name == "0");  // a quoted number stays a name
  CHECK(s->devices[1].name == "GPU-5f1c3a2e-0000-1111-2222-333344445555");
  CHECK(s->devices[3].edits.device_nodes.size() == 2);
  const ContainerEdits& e = s->edits;
  CHECK(e.env == std::vector<std::string>{"XGPU_VISIBLE=void", "XGPU_DRIVER_CAPS=compute,utility"});
  REQUIRE(e.device_nodes.size() == 2);
  CHECK(e.device_nodes[1].type == "c");
  CHECK(e.device_nodes[1].major == 235);
  CHECK(e.device_nodes[1].file_mode == 0666);  // YAML 1.1: a leading 0 is octal
  REQUIRE(e.hooks.size() == 2);
  CHECK(e.hooks[0].stage == "createContainer");
  CHECK(e.hooks[1].args.back() == "/usr/lib/x86_64-linux-gnu");
  CHECK(e.hooks[1].env == std::vector<std::string>{"XGPU_CTK_DEBUG=false"});
  CHECK(e.hooks[1].timeout == 10);
  CHECK_FALSE(e.hooks[0].timeout);
  REQUIRE(e.mounts.size() == 6);
  CHECK(e.mounts[3].options == std::vector<std::string>{"ro", "nosuid", "nodev", "bind", "noexec"});
}

TEST_CASE("cdi: an integrated-GPU vendor's JSON spec with render nodes", "[cdi]") {
  auto s = parse_spec(test::kRenderVendorSpec, "/var/run/cdi/igpu.json");
  REQUIRE(s);
  REQUIRE(s->devices.size() == 2);
  const auto& nodes = s->devices[0].edits.device_nodes;
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[0].permissions == "rw");
  CHECK(nodes[1].minor == 128);
  CHECK(nodes[1].file_mode == 0660);
  CHECK(nodes[1].gid == 109u);
  CHECK(s->edits.additional_gids == std::vector<uint32_t>{109, 44, 0});
}

TEST_CASE("cdi: every version from 0.3.0 to 0.8.0 is read, others are refused", "[cdi]") {
  for (const char* v : {"0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0"}) {
    INFO(v);
    CHECK(parse_spec(minimal(v), "/etc/cdi/x.yaml"));
  }
  CHECK(error_of(minimal("0.9.0")) ==
        "CDI spec `/etc/cdi/x.yaml`: cdiVersion `0.9.0` is not supported (pier reads CDI 0.3.0 to 0.8.0)");
  CHECK(error_of(minimal("0.2.0")).find("cdiVersion `0.2.0` is not supported") != std::string::npos);
  CHECK(error_of(minimal("~")).find("cdiVersion: missing") != std::string::npos);
}

TEST_CASE("cdi: names, kinds and paths are checked strictly", "[cdi]") {
  auto with = [](const std::string& kind, const std::string& name) {
    return "cdiVersion: 0.6.0\nkind: " + kind + "\ndevices:\n- name: " + name + "\n";
  };
  CHECK(error_of(with("example.com", "one")).find("is not of the form vendor.com/class") != std::string::npos);
  CHECK(error_of(with("example.com/gpu/x", "one")).find("CDI class `gpu/x` has an invalid character") != std::string::npos);
  CHECK(error_of(with("-example.com/gpu", "one")).find("CDI vendor `-example.com` must start with a letter") != std::string::npos);
  CHECK(error_of(with("example.com/gpu", "\"../x\"")).find("CDI device name `../x` must start with a letter or digit") !=
        std::string::npos);
  CHECK(error_of(with("example.com/gpu", "\"a/b\"")).find("has an invalid character") != std::string::npos);
  CHECK(error_of(with("example.com/gpu", "a-")).find("must end with a letter or digit") != std::string::npos);
  CHECK(parse_spec(with("example.com/gpu", "\"0:1\""), "/x.yaml"));  // MIG-style names
  std::string nodes = "cdiVersion: 0.6.0\nkind: a.com/b\ndevices:\n- name: one\n  containerEdits:\n    deviceNodes:\n";
  CHECK(error_of(nodes + "    - path: dev/x\n").find("deviceNodes[0].path: `dev/x` must be an absolute path") !=
        std::string::npos);
  CHECK(error_of(nodes + "    - {path: /dev/x, type: p}\n").find("FIFO device nodes") != std::string::npos);
  CHECK(error_of(nodes + "    - {path: /dev/x, type: z}\n").find("`z` is not a device type") != std::string::npos);
  CHECK(error_of(nodes + "    - {path: /dev/x, permissions: rwx}\n").find("not a combination of r, w and m") !=
        std::string::npos);
  CHECK(error_of(nodes + "    - {path: /dev/x, major: -1}\n").find("major: -1 is out of range") != std::string::npos);
  CHECK(error_of(nodes + "    - {path: /dev/x, fileMode: 0170000}\n").find("fileMode") != std::string::npos);
}

TEST_CASE("cdi: unknown keys, hook stages and duplicate devices are refused", "[cdi]") {
  std::string head = "cdiVersion: 0.6.0\nkind: a.com/b\ndevices:\n- name: one\n";
  CHECK(error_of(head + "  containerEdit: {}\n") ==
        "CDI spec `/etc/cdi/x.yaml`: devices[0]: unknown key `containerEdit`");
  CHECK(error_of(head + "  containerEdits:\n    hooks:\n    - {hookName: prestart, path: /bin/true}\n")
            .find("`prestart` is not an OCI hook stage") != std::string::npos);
  CHECK(error_of(head + "  containerEdits:\n    hooks:\n    - {hookName: poststop, path: bin/true}\n")
            .find("hooks[0].path: `bin/true` must be an absolute path") != std::string::npos);
  CHECK(error_of(head + "  containerEdits:\n    env: [NOVALUE]\n").find("`NOVALUE` is not KEY=VALUE") != std::string::npos);
  CHECK(error_of(head + "  containerEdits:\n    netDevices: [{hostInterfaceName: eth0, name: eth1}]\n")
            .find("netDevices: not supported by pier") != std::string::npos);
  CHECK(error_of(head + "- name: one\n").find("device `one` is defined twice") != std::string::npos);
  CHECK(error_of("cdiVersion: 0.6.0\nkind: a.com/b\ndevices: []\n").find("at least one device") != std::string::npos);
  CHECK(error_of("{\"cdiVersion\": ", "/etc/cdi/x.json") == "CDI spec `/etc/cdi/x.json`: not valid JSON");
  CHECK(error_of("a: [b", "/etc/cdi/x.yaml").find("not valid YAML") != std::string::npos);
}
