// image/registry/auth: what `pier login` and `pier logout` write into the Docker config,
// read back as the registry client reads it.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "image/registry/auth.h"
#include "unit/image/temp_dir.h"

using namespace pier::image;

namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return nlohmann::json::parse(s.str());
}

}  // namespace

TEST_CASE("credentials: login stores auths as docker login does and keeps the rest", "[registry][auth]") {
  pier::test::TempDir dir;
  std::string config = dir / "docker/config.json";
  REQUIRE(store_credentials("localhost:5000", {"me", "pa:ss"}, config).ok());
  struct stat st {};
  REQUIRE(::stat(config.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((dir / "docker").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  auto c = find_credentials("localhost:5000", config);
  REQUIRE(c.ok());
  CHECK(c->username == "me");
  CHECK(c->password == "pa:ss");
  CHECK(read_json(config)["auths"]["localhost:5000"]["auth"] == base64_encode("me:pa:ss"));

  // Another login keeps what else the file holds.
  std::ofstream(config) << R"({"auths": {"localhost:5000": {"auth": "eDp5"}, "other": {"auth": "YTpi"}}, "psFormat": "x"})";
  REQUIRE(store_credentials(auths_key("registry-1.docker.io"), {"hub", "pw"}, config).ok());
  auto j = read_json(config);
  CHECK(j["psFormat"] == "x");
  CHECK(j["auths"]["other"]["auth"] == "YTpi");
  CHECK(j["auths"].contains("https://index.docker.io/v1/"));
  CHECK(find_credentials("registry-1.docker.io", config)->username == "hub");

  auto erased = erase_credentials("localhost:5000", config);
  REQUIRE(erased.ok());
  CHECK(*erased);
  CHECK_FALSE(read_json(config)["auths"].contains("localhost:5000"));
  CHECK(read_json(config)["auths"].contains("other"));
  CHECK_FALSE(*erase_credentials("localhost:5000", config));
  CHECK_FALSE(*erase_credentials("localhost:5000", dir / "none.json"));
}

TEST_CASE("credentials: a config that is not a JSON object is never overwritten", "[registry][auth]") {
  pier::test::TempDir dir;
  std::string config = dir / "config.json";
  std::ofstream(config) << "[1, 2";
  auto st = store_credentials("localhost:5000", {"me", "pw"}, config);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().to_string().find("is not a JSON object") != std::string::npos);
  std::ifstream in(config);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "[1, 2");
}
