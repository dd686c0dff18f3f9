// image::push_image against real docker-registry instances on loopback: an image
// pulled from one registry into a store is pushed to another and pulled back by
// digest into a second store.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "image/registry/auth.h"
#include "image/registry/pull.h"
#include "image/registry/push.h"
#include "image/store/store.h"
#include "integration/image/fixture/oci_layout.h"
#include "integration/image/fixture/pull_helpers.h"
#include "integration/image/fixture/push.h"
#include "integration/image/fixture/registry.h"
#include "integration/image/fixture/require_tools.h"
#include "integration/image/fixture/token_server.h"
#include "unit/image/temp_dir.h"

using namespace pier;
using namespace pier::image;
using test::ref_of;
using test::TempDir;

namespace {

// bcrypt("secret"): docker-registry's htpasswd accepts bcrypt only.
constexpr const char* kHtpasswd = "pier:$2b$04$xSsVa2ujd1DkBnGiZzq5mezwSAec6lwCy3Xx0ux20XS5YQzf8RWvG";

// A store holding busybox, pulled from `source` (where skopeo put it).
Store store_with_busybox(const TempDir& tmp, const test::Registry& source, const std::string& root) {
  test::OciLayout layout(tmp / "layout");
  auto m = layout.add_image({test::busybox_layer_tar()}, "amd64", "sh");
  layout.tag(m, "latest");
  REQUIRE(test::skopeo_push(layout.dir(), "latest", source.host() + "/src/busybox:latest", tmp / "skopeo.log") == 0);
  auto store = Store::open(root);
  REQUIRE(store.ok());
  PullOptions pull = test::plain_pull_options();
  pull.registries.insecure.insert(source.host());
  auto rec = pull_image(*store, ref_of(source.host() + "/src/busybox"), pull);
  INFO((rec.ok() ? std::string() : rec.error().to_string()));
  REQUIRE(rec.ok());
  return std::move(*store);
}

}  // namespace

TEST_CASE("push uploads the missing blobs and the manifest, and a pull by digest gets the same image",
          "[registry][push]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry source(tmp / "source");
  test::Registry target(tmp / "target");
  Store store = store_with_busybox(tmp, source, tmp / "root-a");
  auto local = store.find(source.host() + "/src/busybox:latest");
  REQUIRE(local.ok());

  PushOptions push;
  push.registries.docker_config_path = "/nonexistent/config.json";
  push.registries.insecure_loopback = true;  // as RegistryConfig::load sets it
  std::map<std::string, std::string> seen;
  push.progress = [&](const std::string& id, const std::string& status) { seen[id] = status; };
  auto digest = push_image(store, source.host() + "/src/busybox:latest", ref_of(target.host() + "/app/web:v1"), push);
  INFO((digest.ok() ? std::string() : digest.error().to_string()));
  REQUIRE(digest.ok());
  CHECK(*digest == local->manifest_digest);
  REQUIRE(seen.size() == 2);  // the layer and the config
  for (const auto& [id, status] : seen) CHECK(status == "Pushed");

  Store second = *Store::open(tmp / "root-b");
  PullOptions pull = test::plain_pull_options();
  pull.registries.insecure.insert(target.host());
  auto back = pull_image(second, ref_of(target.host() + "/app/web@" + *digest), pull);
  INFO((back.ok() ? std::string() : back.error().to_string()));
  REQUIRE(back.ok());
  CHECK(back->manifest_digest == local->manifest_digest);
  CHECK(back->id == local->id);
  auto tagged = second.find(target.host() + "/app/web@" + *digest);
  CHECK(tagged.ok());

  // A second push finds every blob there and uploads none.
  seen.clear();
  auto again = push_image(store, local->id, ref_of(target.host() + "/app/web:v2"), push);
  REQUIRE(again.ok());
  REQUIRE(seen.size() == 2);
  for (const auto& [id, status] : seen) CHECK(status == "Layer already exists");
}

TEST_CASE("push refuses a digest that is not the image's manifest", "[registry][push]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry source(tmp / "source");
  Store store = store_with_busybox(tmp, source, tmp / "root");
  PushOptions push;
  push.registries.docker_config_path = "/nonexistent/config.json";
  // A digest that is not the image's manifest is refused before anything is sent.
  auto wrong = push_image(store, source.host() + "/src/busybox:latest",
                          ref_of(source.host() + "/app/web@sha256:" + std::string(64, 'a')), push);
  REQUIRE_FALSE(wrong.ok());
  CHECK_THAT(wrong.error().to_string(), Catch::Contains("src/busybox:latest") && Catch::Contains("not sha256:aaaa"));
}

TEST_CASE("a push the registry refuses names the image, the blob and the HTTP status", "[registry][push]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry source(tmp / "source");
  Store store = store_with_busybox(tmp, source, tmp / "root");
  auto local = store.find(source.host() + "/src/busybox:latest");
  REQUIRE(local.ok());
  test::RegistryAuth auth;
  auth.kind = test::RegistryAuth::Kind::htpasswd;
  auth.htpasswd_line = kHtpasswd;
  test::Registry target(tmp / "target", auth);
  std::ofstream(tmp / "wrong.json") << R"({"auths":{")" << target.host() << R"(":{"auth":")"
                                    << base64_encode("pier:wrong") << R"("}}})";
  PushOptions push;
  push.registries.docker_config_path = tmp / "wrong.json";
  push.registries.insecure_loopback = true;
  auto refused = push_image(store, local->id, ref_of(target.host() + "/app/web:v1"), push);
  REQUIRE_FALSE(refused.ok());
  std::string text = refused.error().to_string();
  CHECK_THAT(text, Catch::Contains("push " + local->id) && Catch::Contains("check for blob sha256:") &&
                       Catch::Contains("HTTP 401"));
}

TEST_CASE("push through a bearer token asks for the push scope", "[registry][push]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry source(tmp / "source");
  Store store = store_with_busybox(tmp, source, tmp / "root");
  std::filesystem::create_directories(tmp / "token");
  test::TokenServer tokens(tmp / "token");
  test::RegistryAuth auth;
  auth.kind = test::RegistryAuth::Kind::token;
  auth.token_realm = tokens.realm();
  auth.token_cert_path = tokens.cert_path();
  test::Registry target(tmp / "target", auth);
  PushOptions push;
  push.registries.docker_config_path = "/nonexistent/config.json";
  push.registries.insecure_loopback = true;
  auto digest = push_image(store, source.host() + "/src/busybox:latest", ref_of(target.host() + "/team/tool:1"), push);
  INFO((digest.ok() ? std::string() : digest.error().to_string()));
  REQUIRE(digest.ok());
  bool asked_for_push = false;
  for (const auto& line : tokens.requests())
    asked_for_push |= line.find("scope=repository%3Ateam%2Ftool%3Apull%2Cpush") != std::string::npos;
  CHECK(asked_for_push);
}
