#include <catch2/catch.hpp>

#include <string>

#include "base/result.h"

using namespace pier;

namespace {

Result<int> parse_port(const std::string& text) {
  if (text != "80") return Error("`" + text + "` is not a port");
  return 80;
}

Status check_port(const std::string& text) {
  PIER_TRY(int port, parse_port(text).context("service \"web\""));
  (void)port;
  return {};
}

}  // namespace

TEST_CASE("context adds an outer frame to a failed Result only", "[base][result]") {
  auto ok = parse_port("80").context("unused");
  REQUIRE(ok.ok());
  CHECK(*ok == 80);

  auto failed = check_port("x");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().to_string() == "service \"web\": `x` is not a port");
}

TEST_CASE("context on a Status", "[base][result]") {
  CHECK(Status().context("unused").ok());
  Status failed = Status(Error("boom")).context("inner").context("outer");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().to_string() == "outer: inner: boom");
}
