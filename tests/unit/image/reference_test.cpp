#include <catch2/catch.hpp>

#include "image/reference.h"

using pier::image::parse_reference;
using pier::image::looks_like_image_id;

namespace {
std::string normalized(const char* text) {
  auto r = parse_reference(text);
  REQUIRE(r.ok());
  return r->str();
}
std::string error_of(const char* text) {
  auto r = parse_reference(text);
  REQUIRE_FALSE(r.ok());
  return r.error().to_string();
}
}  // namespace

TEST_CASE("short names get docker.io/library and :latest", "[reference]") {
  CHECK(normalized("busybox") == "docker.io/library/busybox:latest");
  CHECK(normalized("busybox:1.36") == "docker.io/library/busybox:1.36");
  CHECK(normalized("team/app") == "docker.io/team/app:latest");
  CHECK(normalized("docker.io/busybox") == "docker.io/library/busybox:latest");
  CHECK(normalized("index.docker.io/library/busybox") == "docker.io/library/busybox:latest");
}

TEST_CASE("registry hosts: dots, ports, localhost", "[reference]") {
  CHECK(normalized("localhost/app") == "localhost/app:latest");
  CHECK(normalized("localhost:5000/app:v1") == "localhost:5000/app:v1");
  CHECK(normalized("127.0.0.1:5000/a/b/c") == "127.0.0.1:5000/a/b/c:latest");
  CHECK(normalized("ghcr.io/org/tool:1.0") == "ghcr.io/org/tool:1.0");
  CHECK(normalized("[::1]:5000/app") == "[::1]:5000/app:latest");
  // Without a dot, colon or "localhost", the first component is a path.
  CHECK(normalized("myhost/app") == "docker.io/myhost/app:latest");
  auto r = parse_reference("localhost:5000/app");
  REQUIRE(r.ok());
  CHECK(r->domain == "localhost:5000");
  CHECK(r->path == "app");
  CHECK(r->registry_host() == "localhost:5000");
  CHECK(parse_reference("busybox")->registry_host() == "registry-1.docker.io");
}

TEST_CASE("digests", "[reference]") {
  std::string d = "sha256:" + std::string(64, 'a');
  auto r = parse_reference(("host:5000/x@" + d).c_str());
  REQUIRE(r.ok());
  CHECK(r->digest == d);
  CHECK(r->tag.empty());
  CHECK(r->str() == "host:5000/x@" + d);
  auto both = parse_reference(("busybox:1.0@" + d).c_str());
  REQUIRE(both.ok());
  CHECK(both->tag == "1.0");
  CHECK(both->digest == d);
  CHECK(error_of("busybox@sha256:abc").find("not a valid sha256 digest") != std::string::npos);
  CHECK(error_of("busybox@md5:0123").find("digest") != std::string::npos);
}

TEST_CASE("familiar names as docker prints them", "[reference]") {
  CHECK(parse_reference("busybox")->familiar() == "busybox:latest");
  CHECK(parse_reference("team/app:2")->familiar() == "team/app:2");
  CHECK(parse_reference("localhost:5000/app")->familiar() == "localhost:5000/app:latest");
}

TEST_CASE("invalid references say why", "[reference]") {
  CHECK(error_of("Busybox").find("must be lowercase") != std::string::npos);
  CHECK(error_of("team/App").find("must be lowercase") != std::string::npos);
  CHECK(error_of("busybox:").find("empty tag") != std::string::npos);
  CHECK(error_of("busybox:-bad").find("tag") != std::string::npos);
  CHECK(error_of("") .find("empty") != std::string::npos);
  CHECK(error_of("a//b").find("not valid") != std::string::npos);
  CHECK(error_of("-app").find("not valid") != std::string::npos);
  CHECK(error_of(std::string(64, 'f').c_str()).find("64-byte") != std::string::npos);
  CHECK(error_of("host:port/app").find("registry host") != std::string::npos);
  CHECK(error_of(("x/" + std::string(300, 'a')).c_str()).find("255") != std::string::npos);
  // An uppercase first component is a host (Docker's rule); hosts may be uppercase.
  CHECK(normalized("Registry.Example.com/app") == "Registry.Example.com/app:latest");
}

TEST_CASE("separators inside path components", "[reference]") {
  CHECK(parse_reference("a_b/c__d/e-f/g.h/i---j").ok());
  CHECK_FALSE(parse_reference("a___b").ok());
  CHECK_FALSE(parse_reference("a..b").ok());
  CHECK_FALSE(parse_reference("a_").ok());
}

TEST_CASE("image IDs are told from names by their form", "[reference]") {
  CHECK(looks_like_image_id("5264ece7f433"));
  CHECK(looks_like_image_id("sha256:" + std::string(64, 'a')));
  CHECK(looks_like_image_id(std::string(64, '0')));
  CHECK_FALSE(looks_like_image_id("5264ece7f43"));            // 11 digits: too short for an ID
  CHECK_FALSE(looks_like_image_id(std::string(65, 'a')));     // longer than a digest
  CHECK_FALSE(looks_like_image_id("5264ECE7F433"));           // IDs are lowercase
  CHECK_FALSE(looks_like_image_id("busybox"));
  CHECK_FALSE(looks_like_image_id("sha512:" + std::string(64, 'a')));
}
