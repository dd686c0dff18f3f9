// Times in container logs: the json-file `time` field (RFC 3339, UTC, nanoseconds) and
// the `--since`/`--until` values `pier logs` accepts, as Docker parses them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::supervisor::logs {

// "2026-11-23T10:00:00.12345Z": Go's RFC3339Nano (trailing zeros of the fraction
// dropped), the form Docker's json-file driver writes.
std::string format_time_json(int64_t time_ns);
// "2026-11-23T10:00:00.123450000Z": nine digits always, as `docker logs -t` prints so
// timestamps line up.
std::string format_time_fixed(int64_t time_ns);

// Strict RFC 3339 with a zone ("Z" or "+01:00") and an optional fraction of up to nine
// digits; nullopt if `text` is anything else. Used for every line read back.
std::optional<int64_t> parse_rfc3339(std::string_view text);

// A `--since`/`--until` value, as Docker's CLI reads it:
//   RFC 3339 with or without fraction and zone ("2026-11-23T10:00:00Z",
//   "2026-11-23T10:00", "2026-11-23"; without a zone it is local time),
//   unix seconds with an optional fraction ("1700000000", "1700000000.5"),
//   or a Go duration meaning that long before `now_ns` ("10m", "1h30m", "1.5h", "42s").
Result<int64_t> parse_log_time(std::string_view text, int64_t now_ns);

// Unix nanoseconds of the civil time given (UTC). No range checks: callers validate.
int64_t civil_to_unix_ns(int year, int month, int day, int hour, int minute, int second);

}  // namespace pier::supervisor::logs
