#include <catch2/catch.hpp>

#include "compose/yaml_loader.h"

using namespace pier::compose;

TEST_CASE("non-UTF-8 input is a located error, not a crash later", "[compose][yaml]") {
  auto r = parse_yaml("services:\n  web:\n    image: b\xffx\n", "c.yaml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().to_string() ==
        "c.yaml:3:13: invalid YAML: the file is not valid UTF-8 text (save the file as UTF-8)");
  CHECK(parse_yaml("services:\n  web:\n    image: caf\xc3\xa9\n", "c.yaml").ok());
}
