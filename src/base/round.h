// Rounding to the nearest integer, halves away from zero, as std::llround rounds. Written
// out because llround was the only function pier's binaries took from libm, and loading
// libm cost every pier process its relocations and 0.3 MiB of a supervisor's Rss
// (cmake/static_linking.cmake). A value beyond int64_t's range gives that end of the
// range, NaN gives 0 (llround leaves both unspecified).
#pragma once

#include <cstdint>
#include <limits>

namespace pier {

template <class Float>
int64_t round_to_int64(Float x) {
  constexpr Float two_to_63 = static_cast<Float>(9223372036854775808.0L);
  if (x != x) return 0;
  if (x >= two_to_63) return std::numeric_limits<int64_t>::max();
  if (x < -two_to_63) return std::numeric_limits<int64_t>::min();
  auto whole = static_cast<int64_t>(x);  // towards zero
  // Exact: below 1 in magnitude `whole` is 0; above, x and `whole` are within a factor
  // of two of each other, and such a difference is exact (Sterbenz).
  Float fraction = x - static_cast<Float>(whole);
  if (fraction >= static_cast<Float>(0.5)) ++whole;
  else if (fraction <= static_cast<Float>(-0.5)) --whole;
  return whole;
}

}  // namespace pier
