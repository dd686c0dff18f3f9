#include <catch2/catch.hpp>

#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

namespace {

pier::Result<Project> with_volumes(const std::string& items, const std::string& top = "volumes:\n  data:\n") {
  return normalize("services:\n  web:\n    image: nginx\n    volumes:\n" + items + top);
}

}  // namespace

TEST_CASE("short volume syntax", "[compose][volumes]") {
  auto p = with_volumes(
      "      - ./src:/app:ro\n      - data:/var/lib/data\n      - /cache\n"
      "      - ~/conf:/etc/conf:rw,z\n      - /host:/in:rshared\n      - data:/nc:nocopy\n");
  REQUIRE(p.ok());
  const auto& v = p->services.at("web").volumes;
  REQUIRE(v.size() == 6);
  CHECK(v[0].type == "bind");
  CHECK(v[0].source == "/work/proj/src");
  CHECK(v[0].target == "/app");
  CHECK(v[0].read_only);
  REQUIRE(v[0].bind);
  CHECK(v[0].bind->create_host_path == true);
  CHECK(v[1].type == "volume");
  CHECK(v[1].source == "data");
  CHECK(v[1].volume.has_value());
  CHECK(v[2].type == "volume");
  CHECK(v[2].source.empty());
  CHECK(v[2].target == "/cache");
  CHECK(v[3].source == "/home/user/conf");
  CHECK(v[3].bind->selinux == "z");
  CHECK_FALSE(v[3].read_only);
  CHECK(v[4].bind->propagation == "rshared");
  CHECK(v[5].volume->nocopy == true);
}

TEST_CASE("long volume syntax", "[compose][volumes]") {
  auto p = with_volumes(
      "      - type: bind\n        source: ../shared\n        target: /shared\n"
      "        bind: {propagation: rslave, create_host_path: false, selinux: Z}\n"
      "      - type: volume\n        source: data\n        target: /d\n        volume: {nocopy: true, subpath: sub}\n"
      "      - type: tmpfs\n        target: /tmp\n        tmpfs: {size: 64m, mode: 1777}\n");
  REQUIRE(p.ok());
  const auto& v = p->services.at("web").volumes;
  REQUIRE(v.size() == 3);
  CHECK(v[0].source == "/work/shared");
  CHECK(v[0].bind->propagation == "rslave");
  CHECK(v[0].bind->create_host_path == false);
  CHECK(v[1].volume->subpath == "sub");
  CHECK(v[2].tmpfs->size == 64 * 1024 * 1024);
  CHECK(v[2].tmpfs->mode == 1777u);
}

TEST_CASE("volume errors", "[compose][volumes]") {
  CHECK_THAT(with_volumes("      - data:/d\n", "").error().to_string(),
             Catch::Contains("compose.yaml:5:9") &&
                 Catch::Contains("service \"web\" refers to undefined volume data"));
  CHECK_THAT(with_volumes("      - ./a:/b:rx\n").error().to_string(), Catch::Contains("unknown volume option `rx`"));
  CHECK_THAT(with_volumes("      - type: bnd\n        target: /x\n").error().to_string(),
             Catch::Contains("unknown volume type `bnd`") && Catch::Contains("did you mean `bind`?"));
  CHECK_THAT(with_volumes("      - type: volume\n        target: /x\n        volume: {nocpy: true}\n").error().to_string(),
             Catch::Contains("compose.yaml:7:18") && Catch::Contains("unknown key `nocpy`") &&
                 Catch::Contains("did you mean `nocopy`?"));
}

TEST_CASE("devices short and long", "[compose][volumes]") {
  auto p = normalize(
      "services:\n  web:\n    image: x\n    devices:\n      - /dev/fuse\n      - /dev/a:/dev/b:r\n"
      "      - {source: /dev/snd, target: /dev/snd, permissions: rw}\n");
  REQUIRE(p.ok());
  const auto& d = p->services.at("web").devices;
  REQUIRE(d.size() == 3);
  CHECK(d[0].target == "/dev/fuse");
  CHECK(d[0].permissions == "rwm");
  CHECK(d[1].target == "/dev/b");
  CHECK(d[1].permissions == "r");
  CHECK(d[2].permissions == "rw");
  CHECK_THAT(error_of("services:\n  web:\n    image: x\n    devices: [\"/dev/a:/dev/b:rwx\"]\n"),
             Catch::Contains("invalid device permissions `rwx`"));
}
