#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

#include "base/round.h"

using pier::round_to_int64;

TEST_CASE("round_to_int64: halves away from zero, as llround", "[base][round]") {
  CHECK(round_to_int64(0.0) == 0);
  CHECK(round_to_int64(0.5) == 1);
  CHECK(round_to_int64(-0.5) == -1);
  CHECK(round_to_int64(1.4999) == 1);
  CHECK(round_to_int64(2.5) == 3);
  CHECK(round_to_int64(-2.5) == -3);
  CHECK(round_to_int64(-2.4) == -2);
  // The largest double below 0.5: adding 0.5 and truncating would give 1.
  CHECK(round_to_int64(0.49999999999999994) == 0);
  CHECK(round_to_int64(1.5L * 1e9L) == 1500000000);
  CHECK(round_to_int64(0.333 * 100000) == 33300);
}

TEST_CASE("round_to_int64: agrees with llround where llround is defined", "[base][round]") {
  for (double x : {1e-300, 0.1, 0.7, 12.5, 1e6 + 0.5, 4503599627370495.5, 4503599627370497.0, 9.2e18, -9.2e18})
    CHECK(round_to_int64(x) == std::llround(x));
  for (long double x : {0.5L, 2.5L, 1e18L + 0.5L, 9.2e18L, -3.5L})
    CHECK(round_to_int64(x) == std::llround(x));
}

TEST_CASE("round_to_int64: the ends of the range and NaN", "[base][round]") {
  constexpr auto max = std::numeric_limits<int64_t>::max(), min = std::numeric_limits<int64_t>::min();
  CHECK(round_to_int64(1e19) == max);
  CHECK(round_to_int64(9223372036854775808.0) == max);
  CHECK(round_to_int64(-9223372036854775808.0) == min);
  CHECK(round_to_int64(-1e30L) == min);
  CHECK(round_to_int64(std::numeric_limits<double>::infinity()) == max);
  CHECK(round_to_int64(std::nan("")) == 0);
}
