#include <catch2/catch.hpp>

#include <stdlib.h>
#include <time.h>

#include <optional>
#include <string>

#include "supervisor/logs/log_time.h"

using namespace pier::supervisor::logs;

namespace {

constexpr int64_t kSec = 1'000'000'000;

// Sets TZ for one test and puts the previous value back.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = ::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTz() {
    if (old_) ::setenv("TZ", old_->c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("log times are written as Go's RFC3339Nano in UTC", "[logs]") {
  CHECK(format_time_json(0) == "1970-01-01T00:00:00Z");
  CHECK(format_time_json(1700000000 * kSec + 123456789) == "2023-11-14T22:13:20.123456789Z");
  CHECK(format_time_json(1700000000 * kSec + 120000000) == "2023-11-14T22:13:20.12Z");
  CHECK(format_time_json(-1) == "1969-12-31T23:59:59.999999999Z");
  CHECK(format_time_json(civil_to_unix_ns(2024, 2, 29, 23, 59, 59)) == "2024-02-29T23:59:59Z");
  CHECK(format_time_fixed(1700000000 * kSec + 120000000) == "2023-11-14T22:13:20.120000000Z");
  CHECK(format_time_fixed(0) == "1970-01-01T00:00:00.000000000Z");
}

TEST_CASE("RFC 3339 times read back exactly, zones applied", "[logs]") {
  for (int64_t t : {int64_t{0}, 1700000000 * kSec + 123456789, 4102444800 * kSec + 1, -86400 * kSec}) {
    INFO(t);
    CHECK(parse_rfc3339(format_time_json(t)) == t);
    CHECK(parse_rfc3339(format_time_fixed(t)) == t);
  }
  CHECK(parse_rfc3339("2023-11-14T23:13:20+01:00") == 1700000000 * kSec);
  CHECK(parse_rfc3339("2023-11-14T17:13:20.5-05:00") == 1700000000 * kSec + 500000000);
  CHECK(parse_rfc3339("2023-11-14t22:13:20z") == 1700000000 * kSec);
  // More than nine fraction digits: the rest is dropped, as Go does.
  CHECK(parse_rfc3339("2023-11-14T22:13:20.1234567891Z") == 1700000000 * kSec + 123456789);
}

TEST_CASE("malformed RFC 3339 times are refused", "[logs]") {
  for (const char* bad : {"", "2023-11-14", "2023-11-14T22:13:20", "2023-13-01T00:00:00Z",
                          "2023-02-29T00:00:00Z", "2023-11-14T24:00:00Z", "2023-11-14T22:60:00Z",
                          "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20Zjunk", "2023-11-14T22:13:20+0100",
                          "2023-1-14T22:13:20Z", "20231114T221320Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
}

TEST_CASE("since and until take RFC 3339, dates, unix seconds and durations", "[logs]") {
  ScopedTz tz("UTC");
  const int64_t now = 1700000000 * kSec;
  auto parse = [&](const char* text) {
    auto r = parse_log_time(text, now);
    INFO(text << ": " << (r ? std::string() : r.error().to_string()));
    REQUIRE(r);
    return *r;
  };
  CHECK(parse("2026-11-23T10:00:00Z") == civil_to_unix_ns(2026, 11, 23, 10, 0, 0));
  CHECK(parse("2026-11-23T10:00:00.25Z") == civil_to_unix_ns(2026, 11, 23, 10, 0, 0) + 250000000);
  CHECK(parse("2026-11-23T11:00:00+01:00") == civil_to_unix_ns(2026, 11, 23, 10, 0, 0));
  CHECK(parse("2026-11-23T10:00:00") == civil_to_unix_ns(2026, 11, 23, 10, 0, 0));
  CHECK(parse("2026-11-23T10:30") == civil_to_unix_ns(2026, 11, 23, 10, 30, 0));
  CHECK(parse("2026-11-23T10") == civil_to_unix_ns(2026, 11, 23, 10, 0, 0));
  CHECK(parse("2026-11-23") == civil_to_unix_ns(2026, 11, 23, 0, 0, 0));
  CHECK(parse("1700000000") == now);
  CHECK(parse("1700000000.5") == now + 500000000);
  CHECK(parse("1700000000.000000001") == now + 1);
  CHECK(parse("0") == 0);  // the epoch, not "zero seconds ago"
  CHECK(parse("42s") == now - 42 * kSec);
  CHECK(parse("10m") == now - 600 * kSec);
  CHECK(parse("1h30m") == now - 5400 * kSec);
  CHECK(parse("1.5h") == now - 5400 * kSec);
  CHECK(parse("300ms") == now - 300'000'000);
  CHECK(parse("-1h") == now + 3600 * kSec);
}

TEST_CASE("a time without a zone is local time", "[logs]") {
  ScopedTz tz("EST5");  // UTC-5, no daylight saving
  auto r = parse_log_time("2026-11-23", 1700000000 * kSec);
  REQUIRE(r);
  CHECK(*r == civil_to_unix_ns(2026, 11, 23, 5, 0, 0));
  auto z = parse_log_time("2026-11-23T00:00:00Z", 1700000000 * kSec);
  REQUIRE(z);
  CHECK(*z == civil_to_unix_ns(2026, 11, 23, 0, 0, 0));
}

TEST_CASE("a value that is no time says what is accepted", "[logs]") {
  for (const char* bad : {"yesterday", "", "2026-11-23T25:00", "2026-11-31", "10x", "1h30",
                          "1700000000.", "12:00", "2026-11-23 10:00"}) {
    INFO(bad);
    auto r = parse_log_time(bad, 0);
    REQUIRE_FALSE(r);
    CHECK(r.error().to_string().find(std::string("invalid time `") + bad + "`") != std::string::npos);
    CHECK(r.error().to_string().find("RFC 3339") != std::string::npos);
  }
}
