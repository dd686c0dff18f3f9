#include "image/pull_policy.h"

#include <cctype>
#include <string>

namespace pier::image {

Result<int64_t> parse_duration_seconds(std::string_view text) {
  if (text.empty()) return Error("empty duration");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (start == i || i - start > 9) return Error("invalid duration `" + std::string(text) + "` (use e.g. 12h, 1h30m, 2d)");
    int64_t n = std::stoll(std::string(text.substr(start, i - start)));
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    int64_t mult = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : unit == "w" ? 604800 : 0;
    if (mult == 0) return Error("invalid duration unit `" + std::string(unit) + "` in `" + std::string(text) + "`");
    total += n * mult;
  }
  return total;
}

Result<PullPolicy> parse_pull_policy(std::string_view text) {
  using K = PullPolicy::Kind;
  if (text == "always") return PullPolicy{K::always};
  if (text.empty() || text == "missing" || text == "if_not_present") return PullPolicy{K::missing};
  if (text == "never") return PullPolicy{K::never};
  if (text == "build") return PullPolicy{K::build};
  if (text == "daily") return PullPolicy{K::periodic, 86400};
  if (text == "weekly") return PullPolicy{K::periodic, 7 * 86400};
  if (text.starts_with("every_")) {
    PIER_TRY(int64_t s, parse_duration_seconds(text.substr(6)));
    if (s <= 0) return Error("pull_policy `" + std::string(text) + "` needs a positive duration");
    return PullPolicy{K::periodic, s};
  }
  return Error("unknown pull_policy `" + std::string(text) + "`")
      .hint("use always, missing, never, build, daily, weekly or every_<duration>");
}

PullDecision decide_pull(const PullPolicy& p, std::optional<int64_t> updated, int64_t now) {
  using K = PullPolicy::Kind;
  switch (p.kind) {
    case K::always: return PullDecision::pull;
    case K::never: return updated ? PullDecision::use_local : PullDecision::fail_missing;
    case K::build: return PullDecision::build;
    case K::missing: return updated ? PullDecision::use_local : PullDecision::pull;
    case K::periodic: return !updated || now - *updated >= p.interval_s ? PullDecision::pull : PullDecision::use_local;
  }
  return PullDecision::pull;
}

}  // namespace pier::image
