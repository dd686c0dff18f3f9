#include <catch2/catch.hpp>

#include "image/digest.h"
#include "image/image_config.h"
#include "image/oci.h"

using namespace pier::image;

TEST_CASE("sha256 digests and chain ids", "[digest]") {
  CHECK(sha256_digest("") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::vector<std::string> diffs = {sha256_digest("a"), sha256_digest("b")};
  auto chains = chain_ids(diffs);
  REQUIRE(chains.size() == 2);
  CHECK(chains[0] == diffs[0]);
  CHECK(chains[1] == sha256_digest(diffs[0] + " " + diffs[1]));
  CHECK_FALSE(digest_hex("md5:00").ok());
}

TEST_CASE("short ids are the first 12 hex digits", "[digest]") {
  CHECK(short_id("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == "e3b0c44298fc");
  CHECK(short_id("e3b0c44298fc1c149afb") == "e3b0c44298fc");
  CHECK(short_id("sha256:abc") == "abc");
}

TEST_CASE("platform parsing and selection", "[oci]") {
  CHECK(parse_platform("linux/arm64")->str() == "linux/arm64");
  CHECK(parse_platform("linux/arm/v7")->variant == "v7");
  CHECK(parse_platform("amd64")->str() == "linux/amd64");
  CHECK_FALSE(parse_platform("a/b/c/d").ok());
  Index idx;
  auto entry = [](std::string arch, std::string variant, std::string digest) {
    Descriptor d;
    d.digest = digest;
    d.platform = Platform{"linux", arch, variant};
    return d;
  };
  idx.manifests = {entry("amd64", "", "sha256:1"), entry("arm64", "v8", "sha256:2"), entry("arm", "v7", "sha256:3")};
  CHECK(select_platform(idx, *parse_platform("linux/amd64"))->digest == "sha256:1");
  CHECK(select_platform(idx, *parse_platform("linux/arm64"))->digest == "sha256:2");
  CHECK(select_platform(idx, *parse_platform("linux/arm/v7"))->digest == "sha256:3");
  auto none = select_platform(idx, *parse_platform("linux/s390x"));
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().to_string().find("linux/arm/v7") != std::string::npos);
}

TEST_CASE("manifest documents", "[oci]") {
  std::string m = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
    "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:aa","size":3},
    "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:bb","size":10}]})";
  CHECK(*classify_document("application/vnd.oci.image.manifest.v1+json", m) == DocumentKind::manifest);
  CHECK(*classify_document("application/json", m) == DocumentKind::manifest);
  auto parsed = parse_manifest(m);
  REQUIRE(parsed.ok());
  CHECK(parsed->config.digest == "sha256:aa");
  REQUIRE(parsed->layers.size() == 1);
  CHECK(parsed->layers[0].size == 10);
  CHECK_FALSE(parse_manifest(R"({"schemaVersion":1})").ok());
  CHECK(*classify_document("application/vnd.docker.distribution.manifest.list.v2+json", "{}") == DocumentKind::index);
}

TEST_CASE("image config fields the supervisor merges", "[config]") {
  std::string d = "sha256:" + std::string(64, '1');
  std::string text = R"({"architecture":"amd64","os":"linux","config":{
    "Entrypoint":["/init"],"Cmd":["sh","-c","x"],"Env":["A=1","PATH=/bin"],"WorkingDir":"/app","User":"1000:1000",
    "ExposedPorts":{"80/tcp":{},"53/udp":{}},"Volumes":{"/data":{}},"StopSignal":"SIGQUIT",
    "Labels":{"k":"v"},"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":30000000000,"Retries":3}},
    "rootfs":{"type":"layers","diff_ids":[")" + d + R"("]}})";
  auto c = parse_image_config(text);
  REQUIRE(c.ok());
  CHECK(c->entrypoint == std::vector<std::string>{"/init"});
  CHECK(c->cmd.size() == 3);
  CHECK(c->env[1] == "PATH=/bin");
  CHECK(c->working_dir == "/app");
  CHECK(c->user == "1000:1000");
  CHECK(c->exposed_ports.size() == 2);
  CHECK(c->volumes == std::vector<std::string>{"/data"});
  CHECK(c->stop_signal == "SIGQUIT");
  CHECK(c->labels.at("k") == "v");
  REQUIRE(c->healthcheck);
  CHECK(c->healthcheck->interval_ns == 30000000000);
  CHECK(c->healthcheck->retries == 3);
  CHECK(c->diff_ids == std::vector<std::string>{d});
  CHECK_FALSE(parse_image_config(R"({"config":{}})").ok());
}

namespace {

const std::string kLayers =
    R"("layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:bb","size":10}])";
const std::string kConfig =
    R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:aa","size":3})";
const std::string kManifests =
    R"("manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:cc","size":5,
      "platform":{"os":"linux","architecture":"amd64"}}])";

std::string error_text(const pier::Result<DocumentKind>& r) { return r.ok() ? "(accepted)" : r.error().to_string(); }

}  // namespace

TEST_CASE("ambiguous documents are refused (CVE-2021-41190)", "[oci][limits]") {
  const std::string both = "{\"schemaVersion\":2," + kConfig + "," + kLayers + "," + kManifests + "}";
  for (const char* type : {"application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
                           "application/json", ""}) {
    auto r = classify_document(type, both);
    INFO(type);
    CHECK(error_text(r).find("has both `manifests` (an index) and `config`/`layers` (a manifest)") !=
          std::string::npos);
  }
  CHECK_FALSE(parse_manifest(both).ok());
  CHECK_FALSE(parse_index(both).ok());

  // An index that carries a manifest's fields, and the reverse.
  auto index_with_layers =
      classify_document("application/vnd.oci.image.index.v1+json", "{\"schemaVersion\":2," + kLayers + "}");
  CHECK(error_text(index_with_layers).find("refusing an index") != std::string::npos);
  auto manifest_with_manifests =
      classify_document("application/vnd.oci.image.manifest.v1+json", "{\"schemaVersion\":2," + kManifests + "}");
  CHECK(error_text(manifest_with_manifests).find("refusing a manifest") != std::string::npos);
  CHECK_FALSE(parse_index("{\"schemaVersion\":2," + kManifests + "," + kConfig + "}").ok());
}

TEST_CASE("a declared type must match the document's own mediaType", "[oci][limits]") {
  const std::string oci = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," +
                          kConfig + "," + kLayers + "}";
  CHECK(classify_document("application/vnd.oci.image.manifest.v1+json; charset=utf-8", oci).ok());
  CHECK(*classify_document("application/json", oci) == DocumentKind::manifest);
  auto docker = classify_document("application/vnd.docker.distribution.manifest.v2+json", oci);
  CHECK(error_text(docker).find("whose own mediaType is `application/vnd.oci.image.manifest.v1+json`") !=
        std::string::npos);
  auto as_index = classify_document("application/vnd.oci.image.index.v1+json", oci);
  CHECK_FALSE(as_index.ok());
  // A manifest whose own mediaType names an index (stored or loaded, with no Content-Type).
  CHECK_FALSE(parse_manifest("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"," +
                             kConfig + "," + kLayers + "}")
                  .ok());
  // Without any mediaType the shape decides, as the OCI spec allows.
  CHECK(*classify_document("", "{\"schemaVersion\":2," + kManifests + "}") == DocumentKind::index);
}

TEST_CASE("descriptors must carry a size", "[oci][limits]") {
  auto no_size = parse_manifest(
      R"({"schemaVersion":2,"config":{"digest":"sha256:aa","size":3},"layers":[{"digest":"sha256:bb"}]})");
  REQUIRE_FALSE(no_size.ok());
  CHECK(no_size.error().to_string().find("descriptor of sha256:bb has no valid size") != std::string::npos);
  CHECK_FALSE(parse_manifest(R"({"schemaVersion":2,"config":{"digest":"sha256:aa","size":-1},"layers":[]})").ok());
  CHECK_FALSE(parse_index(R"({"schemaVersion":2,"manifests":[{"digest":"sha256:cc","size":"5"}]})").ok());
}
