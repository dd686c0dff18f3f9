// Registry configuration against real docker-registry processes on loopback:
// mirrors (dead, working, missing the image), TLS with a private CA from
// certs.d, mutual TLS, and insecure registries by CIDR.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "image/registry/pull.h"
#include "image/store/store.h"
#include "integration/image/fixture/certs.h"
#include "integration/image/fixture/oci_layout.h"
#include "integration/image/fixture/process.h"
#include "integration/image/fixture/pull_helpers.h"
#include "integration/image/fixture/push.h"
#include "integration/image/fixture/registry.h"
#include "integration/image/fixture/require_tools.h"
#include "unit/image/temp_dir.h"

using namespace pier;
using namespace pier::image;
using test::TempDir;

namespace {

// Pushes a one-layer image whose Cmd is `cmd`, so a pull shows where it came from.
void push_marked(const TempDir& tmp, const std::string& host, const std::string& repo, const std::string& cmd,
                 const std::vector<std::string>& extra = {}) {
  test::OciLayout layout(tmp / ("layout-" + cmd));
  auto m = layout.add_image({test::random_layer_tar(cmd, 2000, 5)}, "amd64", cmd);
  layout.tag(m, "latest");
  std::vector<std::string> argv = {"skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("oci:" + layout.dir() + ":latest");
  argv.push_back("docker://" + host + "/" + repo + ":latest");
  REQUIRE(test::run(argv, tmp / "skopeo.log") == 0);
}

PullOptions base_options() { return test::plain_pull_options(); }
using test::ref_of;

std::vector<std::string> cmd_of(const Store& store, const std::string& image) {
  auto resolved = store.resolve(image);
  REQUIRE(resolved.ok());
  return resolved->config.cmd;
}

}  // namespace

TEST_CASE("mirrors: a working mirror is used, a dead one or one without the image falls back", "[registry][mirror]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry upstream(tmp / "upstream");
  test::Registry mirror(tmp / "mirror");
  push_marked(tmp, upstream.host(), "test/app", "upstream");
  push_marked(tmp, mirror.host(), "test/app", "mirror");
  push_marked(tmp, upstream.host(), "test/only-upstream", "only");
  std::string dead = "http://127.0.0.1:" + std::to_string(test::free_port());
  std::string image = upstream.host() + "/test/app";

  auto options = base_options();
  options.registries.insecure.insert(upstream.host());
  auto& mirrors = options.registries.mirrors[upstream.host()];

  SECTION("the mirror's content is what is pulled") {
    mirrors = {"http://" + mirror.host()};
    auto store = Store::open(tmp / "root");
    auto rec = pull_image(*store, ref_of(image), options);
    INFO((rec.ok() ? std::string() : rec.error().to_string()));
    REQUIRE(rec.ok());
    CHECK(cmd_of(*store, image) == std::vector<std::string>{"mirror"});
  }
  SECTION("a dead mirror is skipped for the next one") {
    mirrors = {dead, "http://" + mirror.host()};
    auto store = Store::open(tmp / "root");
    REQUIRE(pull_image(*store, ref_of(image), options).ok());
    CHECK(cmd_of(*store, image) == std::vector<std::string>{"mirror"});
  }
  SECTION("only dead mirrors: the registry itself") {
    mirrors = {dead, dead + "/"};
    auto store = Store::open(tmp / "root");
    REQUIRE(pull_image(*store, ref_of(image), options).ok());
    CHECK(cmd_of(*store, image) == std::vector<std::string>{"upstream"});
  }
  SECTION("a mirror without the image (404): the registry itself") {
    mirrors = {"http://" + mirror.host()};
    auto store = Store::open(tmp / "root");
    REQUIRE(pull_image(*store, ref_of(upstream.host() + "/test/only-upstream"), options).ok());
    CHECK(cmd_of(*store, upstream.host() + "/test/only-upstream") == std::vector<std::string>{"only"});
  }
  SECTION("a mirror that dies after the manifest: blobs come from the registry") {
    mirrors = {"http://" + mirror.host()};
    push_marked(tmp, mirror.host(), "test/app2", "upstream");  // same content in both
    push_marked(tmp, upstream.host(), "test/app2", "upstream");
    auto store = Store::open(tmp / "root");
    auto o = options;
    bool stopped = false;
    o.progress = [&](const LayerProgress& p) {
      if (p.status == "Waiting" && !stopped) {
        stopped = true;
        mirror.stop();
      }
    };
    auto rec = pull_image(*store, ref_of(upstream.host() + "/test/app2"), o);
    INFO((rec.ok() ? std::string() : rec.error().to_string()));
    CHECK(stopped);
    REQUIRE(rec.ok());
  }
  SECTION("the registry's own error is the one reported") {
    mirrors = {dead};
    auto store = Store::open(tmp / "root");
    auto rec = pull_image(*store, ref_of(upstream.host() + "/test/absent"), options);
    REQUIRE_FALSE(rec.ok());
    CHECK(rec.error().to_string().find("HTTP 404") != std::string::npos);
    CHECK(rec.error().to_string().find("mirror") == std::string::npos);
  }
}

TEST_CASE("mirrors and insecure registries from registries.json, through pier image pull", "[registry][mirror][cli]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry upstream(tmp / "upstream");
  test::Registry mirror(tmp / "mirror");
  push_marked(tmp, upstream.host(), "test/app", "upstream");
  push_marked(tmp, mirror.host(), "test/app", "mirror");
  std::string root = tmp / "root";
  std::filesystem::create_directories(root);
  std::ofstream(root + "/registries.json")
      << R"({"insecure-registries": ["127.0.0.0/8"], "registry-mirrors": {")" << upstream.host() << R"(": ["http://127.0.0.1:)"
      << test::free_port() << R"(", ")" << mirror.host() << R"("]}})";
  std::string image = upstream.host() + "/test/app";
  REQUIRE(test::run({PIER_IMAGE_CLI, "--root", root, "image", "pull", "-q", image}, tmp / "pull.log") == 0);
  auto store = Store::open(root);
  CHECK(cmd_of(*store, image) == std::vector<std::string>{"mirror"});

  std::ofstream(root + "/registries.json") << R"({"insecure-registry": []})";
  REQUIRE(test::run({PIER_IMAGE_CLI, "--root", root, "image", "pull", "-q", image}, tmp / "bad.log") != 0);
  std::ifstream log(tmp / "bad.log");
  std::string text((std::istreambuf_iterator<char>(log)), {});
  CHECK(text.find(root + "/registries.json: unknown key `insecure-registry`") != std::string::npos);
}

TEST_CASE("a TLS registry with a private CA: refused, then trusted through certs.d or insecure-registries",
          "[registry][tls]") {
  test::require_registry_tools();
  TempDir tmp;
  auto certs = test::make_test_certs(tmp / "certs");
  test::Registry reg(tmp / "registry", {}, test::RegistryTls{certs.server_cert, certs.server_key, ""});
  push_marked(tmp, reg.host(), "test/tls", "tls");
  std::string image = reg.host() + "/test/tls";
  auto store = Store::open(tmp / "root");

  auto options = base_options();
  options.registries.certs_dirs = {tmp / "certs.d"};
  auto refused = pull_image(*store, ref_of(image), options);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().to_string().find("certs.d/" + reg.host() + "/ca.crt") != std::string::npos);

  std::filesystem::create_directories(tmp / ("certs.d/" + reg.host()));
  std::filesystem::copy_file(certs.ca_cert, tmp / ("certs.d/" + reg.host() + "/ca.crt"));
  auto trusted = pull_image(*store, ref_of(image), options);
  INFO((trusted.ok() ? std::string() : trusted.error().to_string()));
  REQUIRE(trusted.ok());
  CHECK(cmd_of(*store, image) == std::vector<std::string>{"tls"});

  auto by_cidr = base_options();
  by_cidr.registries.insecure.insert("127.0.0.1/32");
  REQUIRE(store->untag(store->find(image)->name).ok());
  auto unverified = pull_image(*store, ref_of(image), by_cidr);
  INFO((unverified.ok() ? std::string() : unverified.error().to_string()));
  REQUIRE(unverified.ok());
  CHECK(unverified->repo_digest == trusted->repo_digest);
}

TEST_CASE("mutual TLS: the client certificate from certs.d is presented", "[registry][tls]") {
  test::require_registry_tools();
  TempDir tmp;
  auto certs = test::make_test_certs(tmp / "certs");
  test::Registry reg(tmp / "registry", {}, test::RegistryTls{certs.server_cert, certs.server_key, certs.ca_cert});
  // skopeo reads the same layout as Docker's certs.d.
  std::string skopeo_dir = tmp / "skopeo-certs";
  std::filesystem::create_directories(skopeo_dir);
  std::filesystem::copy_file(certs.client_cert, skopeo_dir + "/client.cert");
  std::filesystem::copy_file(certs.client_key, skopeo_dir + "/client.key");
  push_marked(tmp, reg.host(), "test/mtls", "mtls", {"--dest-cert-dir", skopeo_dir});
  std::string image = reg.host() + "/test/mtls";
  auto store = Store::open(tmp / "root");

  std::string dir = tmp / ("certs.d/" + reg.host());
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(certs.ca_cert, dir + "/ca.crt");
  auto options = base_options();
  options.registries.certs_dirs = {tmp / "certs.d"};
  auto without = pull_image(*store, ref_of(image), options);
  REQUIRE_FALSE(without.ok());

  std::filesystem::copy_file(certs.client_cert, dir + "/client.cert");
  std::filesystem::copy_file(certs.client_key, dir + "/client.key");
  auto with = pull_image(*store, ref_of(image), options);
  INFO((with.ok() ? std::string() : with.error().to_string()));
  REQUIRE(with.ok());
  CHECK(cmd_of(*store, image) == std::vector<std::string>{"mtls"});
}
