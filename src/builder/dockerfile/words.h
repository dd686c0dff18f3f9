// How Docker's parser cuts one logical line into pieces before any substitution
// (BuildKit's frontend/dockerfile/parser: splitCommand, extractBuilderFlags,
// parseWords, parseJSON). Quotes and escapes are kept where Docker keeps them, so
// the later substitution sees the same text as Docker's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pier::builder::detail {

// ASCII whitespace as Go's unicode.IsSpace sees it.
bool is_space(char c);
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
std::string_view trim_space(std::string_view text);
std::string_view trim_left_space(std::string_view text);

// Splits at runs of [\t\v\f\r ] (Docker's reWhitespace); no empty words.
std::vector<std::string> split_whitespace(std::string_view text);
// The first word and the rest (leading whitespace of the rest removed).
std::pair<std::string_view, std::string_view> split_first_word(std::string_view text);

// `--name=value` / `--name` words at the start of `line` (quotes removed, `\` escapes
// the next character); `--` alone ends them. `rest` is the text after the flags.
struct FlagWords {
  std::vector<std::string> words;
  std::string_view rest;
};
FlagWords extract_flags(std::string_view line);

// Words separated by unquoted whitespace, quotes and escapes kept (for ENV, LABEL and
// ARG, whose `key=value` pairs are split before substitution).
std::vector<std::string> parse_words(std::string_view text, char escape);

// A JSON array of strings (the exec form). `not_json`: the text is shell form;
// `not_strings`: a JSON array holding something else, which Docker rejects.
enum class JsonArray { ok, not_json, not_strings };
JsonArray parse_json_array(std::string_view text, std::vector<std::string>& out);

}  // namespace pier::builder::detail
