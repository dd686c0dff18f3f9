// Spec dirs, name resolution and the merge of spec-level and device-level edits.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "cdi/names.h"
#include "cdi/registry.h"
#include "unit/cdi/fixtures.h"
#include "unit/image/temp_dir.h"

using namespace pier;
using namespace pier::cdi;

namespace {

// Mode 0644 whatever the umask: a spec writable by others is refused.
void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), 0644);
}

std::string resolve_error(const Registry& r, const std::vector<std::string>& names) {
  auto e = resolve(r, names);
  REQUIRE_FALSE(e);
  return e.error().to_string();
}

}  // namespace

TEST_CASE("cdi: spec dirs default to /etc/cdi and /var/run/cdi, PIER_CDI_SPEC_DIRS replaces them", "[cdi]") {
  ::unsetenv("PIER_CDI_SPEC_DIRS");
  CHECK(spec_dirs() == std::vector<std::string>{"/etc/cdi", "/var/run/cdi"});
  ::setenv("PIER_CDI_SPEC_DIRS", "/a::/b", 1);
  CHECK(spec_dirs() == std::vector<std::string>{"/a", "/b"});
  ::unsetenv("PIER_CDI_SPEC_DIRS");
}

TEST_CASE("cdi: names resolve to merged edits, spec-level edits once", "[cdi]") {
  test::TempDir dir;
  write(dir / "xgpu.yaml", test::kGpuVendorSpec);
  write(dir / "igpu.json", test::kRenderVendorSpec);
  write(dir / "README", "not a spec");
  Registry r = load_registry({dir.path(), dir / "missing"});
  REQUIRE(r.broken.empty());
  REQUIRE(r.specs.size() == 2);
  CHECK(has_kind(r, "example.com/gpu"));
  CHECK_FALSE(has_kind(r, "example.com/tpu"));

  auto e = resolve(r, {"example.com/gpu=0", "example.com/gpu=1"});
  REQUIRE(e);
  // Spec-level nodes first, then each device's; /dev/xgpu0 once.
  std::vector<std::string> paths;
  for (const auto& n : e->device_nodes) paths.push_back(n.path);
  CHECK(paths == std::vector<std::string>{"/dev/xgpuctl", "/dev/xgpu-uvm", "/dev/xgpu0", "/dev/xgpu1"});
  CHECK(e->hooks.size() == 2);  // not doubled by the second device
  REQUIRE(e->mounts.size() == 6);
  CHECK(e->mounts[0].container_path == "/usr/lib");  // parents before what they contain
  CHECK(e->mounts[1].container_path == "/usr/bin/xgpu-smi");

  // The render vendor's device env replaces its spec-level value; gid 0 is dropped.
  auto igpu = resolve(r, {"example.org/igpu=card1"});
  REQUIRE(igpu);
  CHECK(igpu->env == std::vector<std::string>{"IGPU_CARD=1"});
  CHECK(igpu->additional_gids == std::vector<uint32_t>{109, 44});
  CHECK(igpu->device_nodes.size() == 2);
}

TEST_CASE("cdi: `=all` is the spec's own `all` device, else every device of the kind", "[cdi]") {
  test::TempDir dir;
  write(dir / "xgpu.yaml", test::kGpuVendorSpec);
  write(dir / "igpu.json", test::kRenderVendorSpec);
  Registry r = load_registry({dir.path()});
  auto gpu = resolve(r, {"example.com/gpu=all"});
  REQUIRE(gpu);
  CHECK(gpu->device_nodes.size() == 4);  // ctl, uvm, xgpu0, xgpu1 from the `all` device
  auto igpu = resolve(r, {"example.org/igpu=all"});
  REQUIRE(igpu);
  CHECK(igpu->device_nodes.size() == 4);  // both cards
}

TEST_CASE("cdi: an unknown name names the dirs searched and the specs that did not parse", "[cdi]") {
  test::TempDir dir;
  write(dir / "xgpu.yaml", test::kGpuVendorSpec);
  write(dir / "bad.yaml", "cdiVersion: 9.9.9\nkind: a.com/b\ndevices: [{name: x}]\n");
  Registry r = load_registry({dir.path(), "/nonexistent"});
  REQUIRE(r.broken.size() == 1);
  std::string e = resolve_error(r, {"example.com/gpu=7"});
  CHECK_THAT(e, Catch::StartsWith("CDI device `example.com/gpu=7` is not defined in any spec (searched " + dir.path() +
                                  ", /nonexistent)"));
  CHECK_THAT(e, Catch::Contains("bad.yaml`: cdiVersion `9.9.9` is not supported"));
  CHECK(resolve_error(r, {"example.com/gpu"}).find("is not a CDI device name") != std::string::npos);
  CHECK(resolve_error(r, {"example.com/gpu=../0"}).find("must start with a letter or digit") != std::string::npos);
}

TEST_CASE("cdi: two spec files defining one name is an error naming both", "[cdi]") {
  test::TempDir a, b;
  write(a / "xgpu.yaml", test::kGpuVendorSpec);
  write(b / "xgpu-copy.yaml", test::kGpuVendorSpec);
  write(a / "igpu.json", test::kRenderVendorSpec);
  write(b / "igpu-copy.json", test::kRenderVendorSpec);
  Registry r = load_registry({a.path(), b.path()});
  // Through `=all` too, for a kind whose spec has no `all` device of its own.
  CHECK_THAT(resolve_error(r, {"example.org/igpu=all"}),
             Catch::StartsWith("CDI device `example.org/igpu=card0` is defined by two specs: `" + (a / "igpu.json") +
                               "` and `" + (b / "igpu-copy.json") + "`"));
  CHECK(resolve_error(r, {"example.com/gpu=1"}) == "CDI device `example.com/gpu=1` is defined by two specs: `" +
                                                       (a / "xgpu.yaml") + "` and `" + (b / "xgpu-copy.yaml") +
                                                       "` (remove one of them)");
}

TEST_CASE("cdi: only regular files of at most 1 MiB are read from a spec dir", "[cdi]") {
  test::TempDir dir;
  REQUIRE(::mkfifo((dir / "fifo.yaml").c_str(), 0600) == 0);  // would block a plain read
  // A valid spec padded past the cap: only the cap refuses it.
  write(dir / "huge.yaml", std::string(test::kGpuVendorSpec) + "#" + std::string(1 << 20, 'x') + "\n");
  REQUIRE(::mkdir((dir / "dir.yaml").c_str(), 0700) == 0);
  Registry r = load_registry({dir.path()});
  REQUIRE(r.broken.size() == 3);
  std::string all;
  for (const auto& e : r.broken) all += e.to_string() + "\n";
  CHECK_THAT(all, Catch::Contains("fifo.yaml"));
  CHECK_THAT(all, Catch::Contains("huge.yaml"));
  CHECK_THAT(all, Catch::Contains("dir.yaml"));
}

// A spec runs hooks as root: one another user could have written is not read.
TEST_CASE("cdi: a spec or spec dir writable by group or others is refused", "[cdi]") {
  test::TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  write(dir / "xgpu.yaml", test::kGpuVendorSpec);
  write(dir / "igpu.json", test::kRenderVendorSpec);
  REQUIRE(::chmod((dir / "xgpu.yaml").c_str(), 0644) == 0);
  REQUIRE(::chmod((dir / "igpu.json").c_str(), 0666) == 0);
  Registry r = load_registry({dir.path()});
  REQUIRE(r.specs.size() == 1);
  CHECK(r.specs[0].kind == "example.com/gpu");
  REQUIRE(r.broken.size() == 1);
  CHECK(r.broken[0].to_string() == "refusing CDI spec `" + (dir / "igpu.json") +
                                       "`: it is writable by group or others (mode 666) (chmod go-w " + (dir / "igpu.json") + ")");
  REQUIRE(::chmod(dir.path().c_str(), 0777) == 0);
  Registry open_dir = load_registry({dir.path()});
  CHECK(open_dir.specs.empty());
  REQUIRE(open_dir.broken.size() == 1);
  CHECK_THAT(open_dir.broken[0].to_string(), Catch::StartsWith("refusing CDI spec dir `" + dir.path() + "`: it is writable"));
}

TEST_CASE("cdi: qualified names", "[cdi]") {
  CHECK(looks_qualified("nvidia.com/gpu=all"));
  CHECK_FALSE(looks_qualified("/dev/dri"));
  CHECK_FALSE(looks_qualified("/dev/a=b"));
  auto n = parse_qualified_name("nvidia.com/gpu=0:1");
  REQUIRE(n);
  CHECK(n->kind() == "nvidia.com/gpu");
  CHECK(n->device == "0:1");
  CHECK_FALSE(parse_qualified_name("nvidia.com=gpu/0"));
  CHECK_FALSE(parse_qualified_name("nvidia.com/=0"));
}

TEST_CASE("cdi: numbered devices are a GPU vendor's indices, in numeric order", "[cdi]") {
  test::TempDir dir;
  write(dir / "xgpu.yaml", test::kGpuVendorSpec);
  write(dir / "more.yaml", "cdiVersion: 0.6.0\nkind: example.com/gpu\ndevices:\n- name: \"10\"\n- name: \"2\"\n");
  Registry r = load_registry({dir.path()});
  REQUIRE(r.broken.empty());
  CHECK(numbered_devices(r, "example.com/gpu") == std::vector<std::string>{"0", "1", "2", "10"});
  CHECK(numbered_devices(r, "example.org/igpu").empty());
}
