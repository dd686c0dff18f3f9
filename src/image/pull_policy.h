// Compose's `pull_policy`: always, missing (if_not_present), never, build,
// daily, weekly, every_<duration> (e.g. every_12h, every_1h30m, every_2d).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace pier::image {

struct PullPolicy {
  enum class Kind { always, missing, never, build, periodic };
  Kind kind = Kind::missing;
  int64_t interval_s = 0;  // for periodic
};

enum class PullDecision { pull, use_local, fail_missing, build };

Result<PullPolicy> parse_pull_policy(std::string_view text);
// Go-style durations plus d and w: "90s", "1h30m", "2d", "1w".
Result<int64_t> parse_duration_seconds(std::string_view text);
// `local_updated_at`: when the local image was last pulled, if it is present.
PullDecision decide_pull(const PullPolicy& policy, std::optional<int64_t> local_updated_at, int64_t now);

}  // namespace pier::image
