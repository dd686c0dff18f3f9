// Go's path patterns as Docker uses them: filepath.Match for COPY sources (`*`, `?`,
// `[a-z]`, `[^...]`, `\` escapes). filepath.Clean is base/path.h's clean_path.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::builder::detail {

// Whether a COPY source is a pattern (an unescaped *, ? or [).
bool has_glob_meta(std::string_view pattern);
// Go's filepath.ErrBadPattern cases: a `[` class not closed or empty, a range
// without its end, a trailing `\`.
Status check_glob(std::string_view pattern);
// filepath.Match: `*` and `?` never match '/'. The pattern must have passed check_glob.
bool glob_match(std::string_view pattern, std::string_view name);
// A pattern component without metacharacters, its `\` escapes removed.
std::string glob_unescape(std::string_view text);

// One UTF-8 character at text[i]: its code point and length (invalid bytes: U+FFFD, 1).
char32_t decode_utf8(std::string_view text, size_t i, size_t& length);
// The `[...]` class at pattern[open]: whether it matches `c`; returns the index after
// its `]`, or npos when the class is malformed.
size_t match_class(std::string_view pattern, size_t open, char32_t c, bool& matched);

}  // namespace pier::builder::detail
