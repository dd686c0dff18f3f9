// Value syntaxes the Compose file shares across keys: Go-style durations, byte
// sizes with unit suffixes, and shell-word splitting of string commands.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pier::compose {

// "1m30s", "10s", "100ms", "1h", "2us", "1.5s" -> nanoseconds. A bare integer is seconds
// (compose-go accepts it for stop_grace_period and healthcheck durations).
Result<int64_t> parse_duration(std::string_view text);
// Nanoseconds -> Go's time.Duration.String(): "1m30s", "100ms", "0s", "1h0m0s".
std::string format_duration(int64_t nanoseconds);

// "512m", "1gb", "2g", "1024", "10k" -> bytes (binary multiples, as Docker's units).
Result<int64_t> parse_bytes(std::string_view text);

// Splits a string command the way a POSIX shell splits words: blanks separate,
// '...' and "..." quote, backslash escapes. No expansion happens.
Result<std::vector<std::string>> shell_split(std::string_view text);

}  // namespace pier::compose
