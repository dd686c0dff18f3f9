// The store without a registry: blobs verified on write, tags, resolve order,
// ensure_image's policy handling.
#include <catch2/catch.hpp>

#include <filesystem>

#include "base/atomic_file.h"
#include "image/archive/import.h"
#include "image/digest.h"
#include "image/ensure.h"
#include "image/store/store.h"
#include "unit/image/tar_builder.h"
#include "unit/image/temp_dir.h"

using namespace pier;
using namespace pier::image;
using test::TempDir;

TEST_CASE("blobs are verified before they are stored", "[store]") {
  TempDir tmp;
  auto store = Store::open(tmp / "root");
  REQUIRE(store.ok());
  auto good = store->put_blob("hello", sha256_digest("hello"));
  REQUIRE(good.ok());
  CHECK(store->has_blob(*good));
  auto bad = store->put_blob("hellO", sha256_digest("hello"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().to_string().find("digest mismatch") != std::string::npos);
  CHECK(std::filesystem::is_empty(tmp / "root/images/tmp"));
  CHECK_FALSE(store->has_blob("sha256:../../etc"));
}

TEST_CASE("imported images resolve by name and ID; ensure_image follows pull_policy", "[store]") {
  TempDir tmp;
  auto store = Store::open(tmp / "root");
  REQUIRE(store.ok());
  REQUIRE(write_file_atomic(tmp / "rootfs.tar", test::TarBuilder().dir("etc").file("etc/os", "x").finish()).ok());
  ImportOptions options;
  options.changes = {"CMD [\"true\"]"};
  auto rec = import_rootfs(*store, tmp / "rootfs.tar", "busybox", options);
  REQUIRE(rec.ok());
  CHECK(rec->name == "docker.io/library/busybox:latest");
  auto by_name = store->resolve("busybox:latest");
  REQUIRE(by_name.ok());
  CHECK(store->resolve(rec->id.substr(7, 12)).ok());
  CHECK(std::filesystem::exists(by_name->layer_dirs.at(0) + "/etc/os"));

  PullOptions no_network;
  no_network.registries.docker_config_path = "/nonexistent";
  CHECK(ensure_image(*store, "busybox", *parse_pull_policy("missing"), no_network).ok());
  CHECK(ensure_image(*store, "busybox", *parse_pull_policy("never"), no_network).ok());
  auto never = ensure_image(*store, "other:1", *parse_pull_policy("never"), no_network);
  REQUIRE_FALSE(never.ok());
  CHECK(never.error().to_string().find("pull_policy is never") != std::string::npos);
}
