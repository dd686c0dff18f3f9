// Registry authentication: htpasswd basic auth and bearer tokens from a token server.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "image/registry/auth.h"
#include "image/registry/pull.h"
#include "integration/image/fixture/oci_layout.h"
#include "integration/image/fixture/process.h"
#include "integration/image/fixture/require_tools.h"
#include "integration/image/fixture/push.h"
#include "integration/image/fixture/registry.h"
#include "integration/image/fixture/token_server.h"
#include "unit/image/temp_dir.h"

using namespace pier;
using namespace pier::image;
using test::TempDir;

namespace {

// bcrypt("secret"): docker-registry's htpasswd accepts bcrypt only.
constexpr const char* kHtpasswd = "pier:$2b$04$xSsVa2ujd1DkBnGiZzq5mezwSAec6lwCy3Xx0ux20XS5YQzf8RWvG";

void push_image(const TempDir& tmp, const test::Registry& reg, const std::string& repo, const std::string& creds) {
  test::OciLayout layout(tmp / "layout");
  auto m = layout.add_image({test::busybox_layer_tar()}, "amd64", "sh");
  layout.tag(m, "latest");
  REQUIRE(test::skopeo_push(layout.dir(), "latest", reg.host() + "/" + repo + ":latest", tmp / "skopeo.log", creds) == 0);
}

PullOptions options_for(const test::Registry& r, const std::string& docker_config) {
  PullOptions o;
  o.registries.insecure.insert(r.host());
  o.registries.docker_config_path = docker_config;
  o.platform = Platform{"linux", "amd64", ""};
  return o;
}

}  // namespace

TEST_CASE("basic auth with credentials from the docker config", "[registry][auth]") {
  test::require_registry_tools();
  TempDir tmp;
  test::RegistryAuth auth;
  auth.kind = test::RegistryAuth::Kind::htpasswd;
  auth.htpasswd_line = kHtpasswd;
  test::Registry reg(tmp / "registry", auth);
  push_image(tmp, reg, "private/app", "pier:secret");
  auto store = Store::open(tmp / "root");
  REQUIRE(store.ok());
  auto ref = parse_reference(reg.host() + "/private/app");

  auto anonymous = pull_image(*store, *ref, options_for(reg, tmp / "none.json"));
  REQUIRE_FALSE(anonymous.ok());
  CHECK(anonymous.error().to_string().find("login") != std::string::npos);

  std::ofstream(tmp / "wrong.json") << R"({"auths":{")" << reg.host() << R"(":{"auth":")"
                                    << base64_encode("pier:wrong") << R"("}}})";
  auto wrong = pull_image(*store, *ref, options_for(reg, tmp / "wrong.json"));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().to_string().find("401") != std::string::npos);

  std::ofstream(tmp / "config.json") << R"({"auths":{")" << reg.host() << R"(":{"auth":")"
                                     << base64_encode("pier:secret") << R"("}}})";
  auto ok = pull_image(*store, *ref, options_for(reg, tmp / "config.json"));
  INFO((ok.ok() ? std::string() : ok.error().to_string()));
  REQUIRE(ok.ok());
  CHECK(store->resolve(reg.host() + "/private/app").ok());
}

TEST_CASE("bearer token from the WWW-Authenticate challenge", "[registry][auth]") {
  test::require_registry_tools();
  TempDir tmp;
  std::filesystem::create_directories(tmp / "token");
  test::TokenServer tokens(tmp / "token");
  test::RegistryAuth auth;
  auth.kind = test::RegistryAuth::Kind::token;
  auth.token_realm = tokens.realm();
  auth.token_cert_path = tokens.cert_path();
  test::Registry reg(tmp / "registry", auth);
  push_image(tmp, reg, "team/tool", "anyone:anything");
  auto store = Store::open(tmp / "root");
  REQUIRE(store.ok());

  auto rec = pull_image(*store, *parse_reference(reg.host() + "/team/tool"), options_for(reg, tmp / "none.json"));
  INFO((rec.ok() ? std::string() : rec.error().to_string()));
  REQUIRE(rec.ok());
  bool asked_for_pull_scope = false;
  for (const auto& line : tokens.requests())
    if (line.find("scope=repository%3Ateam%2Ftool%3Apull") != std::string::npos &&
        line.find("service=pier-test") != std::string::npos)
      asked_for_pull_scope = true;
  CHECK(asked_for_pull_scope);
}

TEST_CASE("credential helpers are run as docker runs them", "[registry][auth]") {
  TempDir tmp;
  std::string helper = tmp / "docker-credential-piertest";
  std::ofstream(helper) << "#!/bin/sh\nread server\n"
                           "[ \"$1\" = get ] && printf '{\"ServerURL\":\"%s\",\"Username\":\"u-%s\",\"Secret\":\"s3cret\"}' "
                           "\"$server\" \"$server\"\n";
  std::filesystem::permissions(helper, std::filesystem::perms::owner_all);
  std::ofstream(tmp / "config.json") << R"({"credHelpers":{"reg.example:5000":"piertest"}})";
  std::string old_path = std::getenv("PATH");
  ::setenv("PATH", (tmp.path() + ":" + old_path).c_str(), 1);
  auto creds = find_credentials("reg.example:5000", tmp / "config.json");
  ::setenv("PATH", old_path.c_str(), 1);
  REQUIRE(creds.ok());
  CHECK(creds->username == "u-reg.example:5000");
  CHECK(creds->password == "s3cret");
}
