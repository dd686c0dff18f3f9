// Pulls from a registry that lies (fixture/lying_registry.py): a blob longer than
// its descriptor, descriptors without a size, a manifest over the cap, ambiguous
// manifests (CVE-2021-41190). Each pull must be refused with a clear error and
// leave nothing behind: no image, no layer, no half-written blob.
#include <catch2/catch.hpp>

#include <filesystem>

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

// One image the lying registry serves as test/lie:latest, its manifest open to edits.
struct LyingImage {
  std::string layer = test::gzip_bytes(test::random_layer_tar("payload", 100000, 5));
  std::string layer_digest = test::sha256_of(layer);
  std::string config = json{{"architecture", "amd64"},
                            {"os", "linux"},
                            {"config", {{"Cmd", {"sh"}}}},
                            {"rootfs",
                             {{"type", "layers"},
                              {"diff_ids", {test::sha256_of(test::random_layer_tar("payload", 100000, 5))}}}}}
                           .dump();
  std::string config_digest = test::sha256_of(config);
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", kOciManifestType},
                   {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                               {"digest", config_digest},
                               {"size", config.size()}}},
                   {"layers", {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                                {"digest", layer_digest},
                                {"size", layer.size()}}}}};
  std::string manifest_type = kOciManifestType;
  uint64_t layer_extra = 0;  // zero bytes the registry sends after the layer

  std::map<std::string, test::LyingRoute> routes() const {
    return {{"/v2/test/lie/manifests/latest", {manifest_type, manifest.dump(), 0}},
            {"/v2/test/lie/blobs/" + config_digest, {"application/octet-stream", config, 0}},
            {"/v2/test/lie/blobs/" + layer_digest, {"application/octet-stream", layer, layer_extra}}};
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

std::string error_of(const Result<ImageRecord>& r) { return r.ok() ? std::string("(pull succeeded)") : r.error().to_string(); }

}  // namespace

TEST_CASE("the lying registry serves a good image that pulls", "[registry][pull][limits]") {
  LyingPull p;
  LyingImage image;
  auto r = p.pull(image);
  INFO(error_of(r));
  REQUIRE(r.ok());
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
  CHECK(error_of(r).find("served as `application/vnd.docker.distribution.manifest.v2+json` whose own mediaType is `" +
                         std::string(kOciManifestType) + "`") != std::string::npos);
  p.check_nothing_stored(image);
  CHECK(p.dir_empty("blobs/sha256"));
}
