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
  CHECK(classify_document("application/vnd.oci.image.manifest.v1+json", m) == DocumentKind::manifest);
  CHECK(classify_document("application/json", m) == DocumentKind::manifest);
  auto parsed = parse_manifest(m);
  REQUIRE(parsed.ok());
  CHECK(parsed->config.digest == "sha256:aa");
  REQUIRE(parsed->layers.size() == 1);
  CHECK(parsed->layers[0].size == 10);
  CHECK_FALSE(parse_manifest(R"({"schemaVersion":1})").ok());
  CHECK(classify_document("application/vnd.docker.distribution.manifest.list.v2+json", "{}") == DocumentKind::index);
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
