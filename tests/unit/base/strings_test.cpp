#include <catch2/catch.hpp>

#include "base/result.h"
#include "base/strings.h"

using namespace pier;

TEST_CASE("closest_match suggests plausible typos only", "[base]") {
  std::vector<std::string> keys = {"image", "environment", "depends_on", "volumes"};
  CHECK(closest_match("enviroment", keys) == "environment");
  CHECK(closest_match("depend_on", keys) == "depends_on");
  CHECK(closest_match("zzzzzz", keys).empty());
}

TEST_CASE("split and trim", "[base]") {
  CHECK(split("a:b::c", ':') == std::vector<std::string>{"a", "b", "", "c"});
  CHECK(trim("  x y \n") == "x y");
}

TEST_CASE("Error prints location, frames, reason and hint", "[base]") {
  Error e = Error::system("open", "/nope", ENOENT);
  e.context("service \"db\"").at("compose.yaml:3:5").hint("fix the path");
  CHECK(e.to_string() ==
        "compose.yaml:3:5: service \"db\": open `/nope`: No such file or directory (fix the path)");
}

TEST_CASE("PIER_TRY propagates errors", "[base]") {
  auto inner = [](bool fail) -> Result<int> {
    if (fail) return Error("boom");
    return 7;
  };
  auto outer = [&](bool fail) -> Result<int> {
    PIER_TRY(int v, inner(fail));
    return v + 1;
  };
  CHECK(*outer(false) == 8);
  CHECK(outer(true).error().message() == "boom");
}

TEST_CASE("find_invalid_utf8 finds the first bad byte", "[base]") {
  CHECK(find_invalid_utf8("plain ascii") == std::string_view::npos);
  CHECK(find_invalid_utf8("caf\xc3\xa9 \xe4\xb8\xad\xf0\x9f\x90\xb3") == std::string_view::npos);
  CHECK(find_invalid_utf8("ab\xff") == 2);
  CHECK(find_invalid_utf8("\xc0\x80") == 0);          // overlong NUL
  CHECK(find_invalid_utf8("x\xed\xa0\x80") == 1);     // surrogate
  CHECK(find_invalid_utf8("\xe4\xb8") == 0);          // truncated
}

TEST_CASE("hex_digits writes two lowercase digits per byte", "[base]") {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  CHECK(pier::hex_digits(bytes, sizeof bytes) == "000fa5ff");
  CHECK(pier::hex_digits(bytes, 0).empty());
}
