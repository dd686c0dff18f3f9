// Counts down parallel completions (a wave of stops, starts or removals), keeping the
// first error. Loop thread only.
#pragma once

#include <functional>
#include <optional>

#include "base/result.h"

namespace pier::supervisor {

// Counts down parallel completions, keeping the first error.
struct Join {
  int remaining = 0;
  std::optional<Error> error;
  std::function<void(Status)> done;
  void finish_one(Status st) {
    if (!st && !error) error = std::move(st).error();
    if (--remaining == 0) done(error ? Status(*error) : Status{});
  }
};

}  // namespace pier::supervisor
