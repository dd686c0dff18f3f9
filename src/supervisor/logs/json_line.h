// Docker's json-file line: {"log":"text\n","stream":"stdout","time":"<RFC3339Nano>"}.
// Encoding is hand-written so the writer can build a whole batch in one buffer without
// a JSON object per line; decoding is a small scanner for the same reason on the
// read side (a rotated set of logs is tens of megabytes).
#pragma once

#include <string>
#include <string_view>

#include "supervisor/logs/log_entry.h"

namespace pier::supervisor::logs {

// Appends `text` as a JSON string body (no quotes), escaped as Docker escapes it:
// `"`, `\`, control characters, `<`, `>`, `&`, U+2028/U+2029; each byte that does not
// start valid UTF-8 becomes U+FFFD.
void append_json_escaped(std::string& out, std::string_view text);

// Appends one line, newline included. `time_json` is format_time_json()'s output.
void append_json_line(std::string& out, Stream stream, std::string_view text,
                      std::string_view time_json);

// Decodes one line (without its newline). False if it is not a JSON object with a
// string `log` and a valid `time`; `stream` other than "stderr" reads as stdout.
// Other keys (Docker's `attrs`) are skipped.
bool parse_json_line(std::string_view line, LogEntry& out);

}  // namespace pier::supervisor::logs
