// Small string helpers shared by every module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pier {

std::vector<std::string> split(std::string_view text, char sep);
std::string_view trim(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);
bool ends_with(std::string_view text, std::string_view suffix);
std::string to_lower(std::string_view text);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Two lowercase hex digits per byte.
std::string hex_digits(const unsigned char* bytes, size_t size);
// Offset of the first byte that does not start a valid UTF-8 sequence (overlong
// forms and surrogates are invalid), or npos when the whole text is valid.
size_t find_invalid_utf8(std::string_view text);
// Damerau-free Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a plausible typo.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace pier
