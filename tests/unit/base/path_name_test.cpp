#include <catch2/catch.hpp>

#include <string>

#include "base/path_name.h"

using namespace pier;

TEST_CASE("a path component is one plain name", "[base][path_name]") {
  CHECK(is_path_component("db-data"));
  CHECK(is_path_component(".hidden"));
  CHECK(is_path_component("a..b"));
  CHECK_FALSE(is_path_component(""));
  CHECK_FALSE(is_path_component("."));
  CHECK_FALSE(is_path_component(".."));
  CHECK_FALSE(is_path_component("a/b"));
  CHECK_FALSE(is_path_component("../../../../tmp/victim"));
  CHECK_FALSE(is_path_component(std::string("a\0b", 3)));
}

TEST_CASE("join_beneath stays directly under its parent", "[base][path_name]") {
  CHECK(join_beneath("/var/lib/pier/volumes", "proj_data", "volume").value() == "/var/lib/pier/volumes/proj_data");
  CHECK(join_beneath("/var/lib/pier/volumes/", "x", "volume").value() == "/var/lib/pier/volumes//x");
  CHECK(join_beneath("/", "x", "volume").value() == "//x");
  for (const char* name : {"", ".", "..", "../../../../tmp/victim", "a/../../b", "a/b", "/etc", "x/."}) {
    auto joined = join_beneath("/var/lib/pier/volumes", name, "volume");
    INFO(name);
    REQUIRE_FALSE(joined.ok());
    CHECK_THAT(joined.error().to_string(), Catch::Contains("volume name `" + std::string(name) +
                                                           "` is not a single path component under "
                                                           "`/var/lib/pier/volumes`"));
  }
  CHECK_FALSE(join_beneath("", "x", "container").ok());
}
