#include <catch2/catch.hpp>

#include "base/hash.h"

using namespace pier;

TEST_CASE("fnv1a keeps the values kernel names were made from", "[base]") {
  CHECK(fnv1a("") == 1469598103934665603ull);
  CHECK(fnv1a("a") == 0x44bd8ad473cd9906ull);
  CHECK(fnv1a("foobar") == 0x88fad7c0a8ff07f2ull);
}
