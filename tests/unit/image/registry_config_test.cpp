// registries.json parsing, insecure matching by host and CIDR, certs.d lookup.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "image/registry/registry_config.h"
#include "unit/image/temp_dir.h"

using namespace pier::image;

TEST_CASE("registries.json: mirrors in both forms, insecure hosts and CIDRs", "[registry_config]") {
  auto a = RegistryConfig::parse(R"({"registry-mirrors": ["https://m1.example", "m2.example:5000"]})", "r.json");
  REQUIRE(a.ok());
  CHECK(a->mirrors.at("docker.io") == std::vector<std::string>{"https://m1.example", "m2.example:5000"});
  auto eps = a->endpoints("docker.io", "registry-1.docker.io");
  REQUIRE(eps.ok());
  REQUIRE(eps->size() == 3);
  CHECK((*eps)[0].url == "https://m1.example");
  CHECK((*eps)[0].mirror);
  CHECK((*eps)[1].url == "https://m2.example:5000");
  CHECK((*eps)[1].host == "m2.example:5000");
  CHECK((*eps)[2].url == "https://registry-1.docker.io");
  CHECK_FALSE((*eps)[2].mirror);
  CHECK(a->endpoints("ghcr.io", "ghcr.io")->size() == 1);

  auto b = RegistryConfig::parse(
      R"({"registry-mirrors": {"ghcr.io": ["http://cache:8080/"]}, "insecure-registries": ["h:5000", "10.1.0.0/16", "fd00::/8"]})",
      "r.json");
  REQUIRE(b.ok());
  auto ghcr = b->endpoints("ghcr.io", "ghcr.io");
  REQUIRE(ghcr->size() == 2);
  CHECK((*ghcr)[0].url == "http://cache:8080");
  CHECK((*ghcr)[0].host == "cache:8080");
  CHECK(b->is_insecure("h:5000"));
  CHECK_FALSE(b->is_insecure("h:5001"));
  CHECK_FALSE(b->is_insecure("h"));
  CHECK(b->is_insecure("10.1.2.3:5000"));
  CHECK(b->is_insecure("10.1.2.3"));
  CHECK_FALSE(b->is_insecure("10.2.0.1:5000"));
  CHECK(b->is_insecure("[fd00::1]:5000"));
  CHECK_FALSE(b->is_insecure("[fe80::1]:5000"));
}

TEST_CASE("registries.json: mistakes name the file and the key", "[registry_config]") {
  auto unknown = RegistryConfig::parse(R"({"insecure-registry": []})", "/etc/pier/registries.json");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().to_string().find("/etc/pier/registries.json: unknown key `insecure-registry`") != std::string::npos);
  auto cidr = RegistryConfig::parse(R"({"insecure-registries": ["10.0.0.0/33"]})", "r.json");
  REQUIRE_FALSE(cidr.ok());
  CHECK(cidr.error().to_string().find("10.0.0.0/33") != std::string::npos);
  CHECK_FALSE(RegistryConfig::parse(R"({"registry-mirrors": "https://m"})", "r.json").ok());
  CHECK_FALSE(RegistryConfig::parse(R"({"registry-mirrors": ["ftp://m"]})", "r.json").ok());
  CHECK_FALSE(RegistryConfig::parse(R"({"insecure-registries": [1]})", "r.json").ok());
  CHECK_FALSE(RegistryConfig::parse("[", "r.json").ok());
}

TEST_CASE("certs.d: CAs, a client certificate with its key, the first directory wins", "[registry_config]") {
  pier::test::TempDir tmp;
  namespace fs = std::filesystem;
  fs::create_directories(tmp / "one/h:5000");
  fs::create_directories(tmp / "two/h:5000");
  fs::create_directories(tmp / "two/other");
  std::ofstream(tmp / "one/h:5000/ca.crt") << "x";
  std::ofstream(tmp / "one/h:5000/b.crt") << "x";
  std::ofstream(tmp / "one/h:5000/client.cert") << "x";
  std::ofstream(tmp / "one/h:5000/client.key") << "x";
  std::ofstream(tmp / "two/h:5000/ignored.crt") << "x";
  std::ofstream(tmp / "two/other/client.cert") << "x";
  RegistryConfig config;
  config.certs_dirs = {tmp / "missing", tmp / "one", tmp / "two"};
  auto files = config.tls_files("h:5000");
  REQUIRE(files.ok());
  CHECK(files->dir == tmp / "one/h:5000");
  CHECK(files->ca_files == std::vector<std::string>{tmp / "one/h:5000/b.crt", tmp / "one/h:5000/ca.crt"});
  CHECK(files->client_cert == tmp / "one/h:5000/client.cert");
  CHECK(files->client_key == tmp / "one/h:5000/client.key");
  auto lonely = config.tls_files("other");
  REQUIRE_FALSE(lonely.ok());
  CHECK(lonely.error().to_string().find("client.key") != std::string::npos);
  CHECK(config.tls_files("nowhere")->dir.empty());
}

TEST_CASE("loaded configuration: registries on loopback are insecure by default, as in Docker", "[registry_config]") {
  pier::test::TempDir tmp;
  ::unsetenv("PIER_REGISTRIES_CONFIG");
  ::unsetenv("PIER_INSECURE_REGISTRIES");
  auto loaded = RegistryConfig::load(tmp.path());
  REQUIRE(loaded.ok());
  for (const char* host : {"127.0.0.1:5000", "127.0.0.1", "127.8.9.10:443", "localhost:5000", "LocalHost", "[::1]:5000",
                           "::1"})
    CHECK(loaded->is_insecure(host));
  // Not loopback: another address, a name (whatever DNS says of it), a lookalike.
  for (const char* host : {"10.0.0.1:5000", "128.0.0.1:5000", "[::2]:5000", "registry.example:5000",
                           "localhost.example.com:5000", "docker.io"})
    CHECK_FALSE(loaded->is_insecure(host));
  auto endpoints = loaded->endpoints("localhost:5000", "localhost:5000");
  REQUIRE(endpoints.ok());
  CHECK(endpoints->back().url == "https://localhost:5000");  // HTTPS first, plain HTTP only after
  CHECK(endpoints->back().insecure);
  // A configuration made in code (no load()) has Docker's defaults only when asked.
  CHECK_FALSE(RegistryConfig{}.is_insecure("127.0.0.1:5000"));
}
