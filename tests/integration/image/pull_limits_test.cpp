// Pulls from a registry that lies (fixture/lying_registry.py): a blob longer than
// its descriptor, descriptors without a size, a manifest over the cap, ambiguous
// manifests (CVE-2021-41190). Each pull must be refused with a clear error and
// leave nothing behind: no image, no layer, no half-written blob.
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "image/registry/pull.h"
#include "image/store/store.h"
#include "integration/image/fixture/lying_registry.h"
#include "integration/image/fixture/oci_layout.h"
#include "integration/image/fixture/pull_helpers.h"
#include "unit/image/temp_dir.h"

using namespace pier;
using namespace pier::image;
using nlohmann::json;
using test::TempDir;

namespace {

constexpr const char* kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kOciIndexType = "application/vnd.oci.image.index.v1+json";

// One image the lying registry serves as test/lie:latest, its manifest open to edits.
struct LyingImage {
  std::string layer = test::gzip_bytes(test::random_layer_tar("payload", 100000, 5));
  std::string layer_digest = test::sha256_of(layer);
  std::string config =
      json{{"architecture", "amd64"},
           {"os", "linux"},
           {"config", {{"Cmd", {"sh"}}}},
           {"rootfs",
            {{"type", "layers"}, {"diff_ids", {test::sha256_of(test::random_layer_tar("payload", 100000, 5))}}}}}
          .dump();
  std::string config_digest = test::sha256_of(config);
  json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kOciManifestType},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", config_digest}, {"size", config.size()}}},
      {"layers",
       {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
         {"digest", layer_digest},
         {"size", layer.size()}}}}};
  std::string manifest_type = kOciManifestType;
  uint64_t layer_extra = 0;  // zero bytes the registry sends after the layer

  // When set, test/lie:latest is an OCI index whose one entry (this descriptor,
  // made by index_entry()) leads to the manifest.
  std::optional<json> index_entry;

  json entry_for_manifest() const {
    std::string text = manifest.dump();
    return {{"mediaType", manifest_type},
            {"digest", test::sha256_of(text)},
            {"size", text.size()},
            {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}};
  }
  std::map<std::string, test::LyingRoute> routes() const {
    std::map<std::string, test::LyingRoute> out = {
        {"/v2/test/lie/blobs/" + config_digest, {"application/octet-stream", config, 0}},
        {"/v2/test/lie/blobs/" + layer_digest, {"application/octet-stream", layer, layer_extra}}};
    if (!index_entry) {
      out["/v2/test/lie/manifests/latest"] = {manifest_type, manifest.dump(), 0};
      return out;
    }
    json index = {{"schemaVersion", 2}, {"mediaType", kOciIndexType}, {"manifests", {*index_entry}}};
    out["/v2/test/lie/manifests/latest"] = {kOciIndexType, index.dump(), 0};
    out["/v2/test/lie/manifests/" + test::sha256_of(manifest.dump())] = {manifest_type, manifest.dump(), 0};
    return out;
  }
};

struct LyingPull {
  TempDir tmp;
  Result<ImageRecord> pull(const LyingImage& image) {
    std::filesystem::create_directories(tmp / "registry");
    test::LyingRegistry registry(tmp / "registry", image.routes());
    auto store = Store::open(tmp / "root");
    REQUIRE(store.ok());
    PullOptions o = test::plain_pull_options();
    o.registries.insecure.insert(registry.host());
    return pull_image(*store, test::ref_of(registry.host() + "/test/lie"), o);
  }
  bool dir_empty(const std::string& rel) { return std::filesystem::is_empty(tmp / ("root/images/" + rel)); }
  // Nothing named, nothing unpacked, no temp file, and never the layer blob.
  void check_nothing_stored(const LyingImage& image) {
    auto store = Store::open(tmp / "root");
    CHECK(store->list()->empty());
    CHECK_FALSE(store->has_blob(image.layer_digest));
    CHECK(dir_empty("layers"));
    CHECK(dir_empty("tmp"));
  }
};

std::string error_of(const Result<ImageRecord>& r) {
  return r.ok() ? std::string("(pull succeeded)") : r.error().to_string();
}

}  // namespace

TEST_CASE("the lying registry serves a good image that pulls", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE(r.ok());
}

TEST_CASE("the lying registry serves a good index that pulls", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  image.index_entry = image.entry_for_manifest();
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE(r.ok());
}

TEST_CASE("a manifest longer than its index entry's size is cut off", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  image.index_entry = image.entry_for_manifest();
  (*image.index_entry)["size"] = image.manifest.dump().size() - 1;
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE_FALSE(r.ok());
  CHECK(error_of(r).find("response body larger than " + std::to_string(image.manifest.dump().size() - 1) + " bytes") !=
        std::string::npos);
  p.check_nothing_stored(image);
  CHECK(p.dir_empty("blobs/sha256"));
}

TEST_CASE("an index entry whose mediaType differs from the manifest's is refused", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  image.index_entry = image.entry_for_manifest();
  (*image.index_entry)["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json";
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE_FALSE(r.ok());
  CHECK(error_of(r).find("refusing a document declared as `application/vnd.docker.distribution.manifest.v2+json`") !=
        std::string::npos);
  p.check_nothing_stored(image);
  CHECK(p.dir_empty("blobs/sha256"));
}

TEST_CASE("a config descriptor over 8 MiB is refused before it is downloaded", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  image.manifest["config"]["size"] = 9 << 20;
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE_FALSE(r.ok());
  CHECK(error_of(r).find("config " + image.config_digest +
                         " is 9437184 bytes, more than 8 MiB, pier's limit for a config") != std::string::npos);
  p.check_nothing_stored(image);
  CHECK_FALSE(std::filesystem::exists(p.tmp / ("root/images/blobs/sha256/" + image.config_digest.substr(7))));
}

TEST_CASE("a blob longer than its descriptor is cut off and not stored", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  image.layer_extra = 1 << 20;
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE_FALSE(r.ok());
  CHECK(error_of(r).find("sent more than the " + std::to_string(image.layer.size()) + " bytes its descriptor gives") !=
        std::string::npos);
  p.check_nothing_stored(image);
}

TEST_CASE("a layer descriptor without a size is refused before any download", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  image.manifest["layers"][0].erase("size");
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE_FALSE(r.ok());
  CHECK(error_of(r).find("descriptor of " + image.layer_digest + " has no valid size") != std::string::npos);
  p.check_nothing_stored(image);
}

TEST_CASE("a descriptor of size 0 bounds the download to 0 bytes", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  image.manifest["layers"][0]["size"] = 0;
  image.layer_extra = 64 << 20;
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE_FALSE(r.ok());
  CHECK(error_of(r).find("sent more than the 0 bytes its descriptor gives; the download was cut off") !=
        std::string::npos);
  p.check_nothing_stored(image);
}

TEST_CASE("a manifest fetched by tag is capped at 4 MiB", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  image.manifest["annotations"] = {{"padding", std::string(5 << 20, 'a')}};
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE_FALSE(r.ok());
  CHECK(error_of(r).find("/test/lie:latest: response body larger than 4 MiB") != std::string::npos);
  p.check_nothing_stored(image);
  CHECK(p.dir_empty("blobs/sha256"));
}

TEST_CASE("a manifest that also has `manifests` is refused (CVE-2021-41190)", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  image.manifest["manifests"] = json::array();
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE_FALSE(r.ok());
  CHECK(error_of(r).find("has both `manifests` (an index) and `config`/`layers` (a manifest)") != std::string::npos);
  CHECK(error_of(r).find("CVE-2021-41190") != std::string::npos);
  p.check_nothing_stored(image);
  CHECK(p.dir_empty("blobs/sha256"));
}

TEST_CASE("a Content-Type that differs from the manifest's mediaType is refused", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  image.manifest_type = "application/vnd.docker.distribution.manifest.v2+json";
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE_FALSE(r.ok());
  CHECK(error_of(r).find("declared as `application/vnd.docker.distribution.manifest.v2+json` whose own mediaType is `" +
                         std::string(kOciManifestType) + "`") != std::string::npos);
  p.check_nothing_stored(image);
  CHECK(p.dir_empty("blobs/sha256"));
}
