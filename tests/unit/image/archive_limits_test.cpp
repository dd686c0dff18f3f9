// `pier image load` archives are as hostile as registries: members are bounded
// while they are read, and the documents inside must not be ambiguous.
#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "image/archive/archive_members.h"
#include "image/archive/load.h"
#include "image/digest.h"
#include "image/store/store.h"
#include "unit/image/tar_builder.h"
#include "unit/image/temp_dir.h"

using namespace pier;
using nlohmann::json;
using test::TarBuilder;
using test::TempDir;

namespace {

std::string blob_member(const std::string& content) {
  return "blobs/sha256/" + image::sha256_digest(content).substr(7);
}

// An OCI archive of one image; `edit` may change its manifest before it is written.
std::string oci_archive(const std::function<void(json&)>& edit) {
  std::string layer = TarBuilder().file("hello", "world").finish();
  std::string config = json{{"architecture", "amd64"},
                            {"os", "linux"},
                            {"rootfs", {{"type", "layers"}, {"diff_ids", {image::sha256_digest(layer)}}}}}
                           .dump();
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config",
                    {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                     {"digest", image::sha256_digest(config)},
                     {"size", config.size()}}},
                   {"layers",
                    {{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                      {"digest", image::sha256_digest(layer)},
                      {"size", layer.size()}}}}};
  edit(manifest);
  std::string manifest_text = manifest.dump();
  json index = {{"schemaVersion", 2},
                {"manifests",
                 {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"digest", image::sha256_digest(manifest_text)},
                   {"size", manifest_text.size()},
                   {"annotations", {{"org.opencontainers.image.ref.name", "example.com/archive:1"}}}}}}};
  return TarBuilder()
      .file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})")
      .file("index.json", index.dump())
      .file(blob_member(layer), layer)
      .file(blob_member(config), config)
      .file(blob_member(manifest_text), manifest_text)
      .finish();
}

struct ArchiveFixture {
  TempDir tmp;
  image::Store store = *image::Store::open(tmp / "root");
  std::string write(const std::string& tar) {
    std::string path = tmp / "archive.tar";
    REQUIRE(write_file_atomic(path, tar).ok());
    return path;
  }
  bool tmp_empty() const { return std::filesystem::is_empty(tmp / "root/images/tmp"); }
};

}  // namespace

TEST_CASE("an OCI archive loads, and one whose manifest also has `manifests` is refused", "[archive][limits]") {
  ArchiveFixture good;
  auto loaded = image::load_archive(good.store, good.write(oci_archive([](json&) {})));
  INFO((loaded.ok() ? std::string() : loaded.error().to_string()));
  REQUIRE(loaded.ok());
  CHECK(good.store.find("example.com/archive:1").ok());

  ArchiveFixture bad;
  auto r = image::load_archive(bad.store, bad.write(oci_archive([](json& m) { m["manifests"] = json::array(); })));
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK(r.error().to_string().find("CVE-2021-41190") != std::string::npos);
  CHECK(bad.store.list()->empty());
  CHECK(std::filesystem::is_empty(bad.tmp / "root/images/layers"));
}

TEST_CASE("an archive member whose header is over the layer limit is refused before it is stored",
          "[archive][limits]") {
  ArchiveFixture f;
  std::string member = "blobs/sha256/" + std::string(64, 'a');
  std::string tar = TarBuilder().declared(member, std::string(1 << 20, 'x'), 65ul << 30).finish();
  auto r = image::read_archive_members(f.store, f.write(tar));
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK(r.error().to_string().find("refusing archive member `" + member +
                                   "`: its header gives 69793218560 bytes, "
                                   "more than 64 GiB, pier's limit for a layer") != std::string::npos);
  CHECK(f.tmp_empty());
}

TEST_CASE("an archive's JSON members are bounded in total", "[archive][limits]") {
  ArchiveFixture f;
  TarBuilder b;
  for (int i = 0; i < 5; ++i) b.file("m" + std::to_string(i) + ".json", std::string(14 << 20, ' '));
  auto r = image::read_archive_members(f.store, f.write(b.finish()));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().to_string().find("JSON members add up to more than 64 MiB") != std::string::npos);
}

TEST_CASE("a sparse archive member is refused before it is stored", "[archive][limits]") {
  // Its holes would have to be written out as zeros: 1 TiB from a few bytes.
  ArchiveFixture f;
  std::string member = "blobs/sha256/" + std::string(64, 'b');
  auto r = image::read_archive_members(
      f.store, f.write(TarBuilder().sparse(member, "tail!", (1ul << 40) - 5, 1ul << 40).finish()));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().to_string().find("refusing archive member `" + member + "`: it is a sparse file") !=
        std::string::npos);
  CHECK(f.tmp_empty());
}
