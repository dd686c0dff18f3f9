// Value syntaxes inside instructions, read as Docker reads them: Go durations
// (HEALTHCHECK), octal modes (--chmod), signal names (STOPSIGNAL).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace pier::builder::detail {

// Go's time.ParseDuration: "1h30m", "1.5s", "300ms", "-2us", "0"; units ns us µs ms s m h.
Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text);
// "755", "0644", "4755": octal digits only, at most 07777.
std::optional<mode_t> parse_octal_mode(std::string_view text);
// Docker's signal names on Linux: with or without SIG, any case, a number from 1 to
// SIGRTMAX, RTMIN+n and RTMAX-n.
bool is_signal(std::string_view text);

}  // namespace pier::builder::detail
