#include "builder/dockerfile/words.h"

#include <nlohmann/json.hpp>

namespace pier::builder::detail {

namespace {

// Docker's reWhitespace: the characters splitCommand and FROM/EXPOSE/COPY split at.
bool is_token_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

}  // namespace

bool is_space(char c) { return is_token_space(c) || c == '\n'; }

std::string_view trim_left_space(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && is_space(text[i])) ++i;
  return text.substr(i);
}

std::string_view trim_space(std::string_view text) {
  text = trim_left_space(text);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string> split_whitespace(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_token_space(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !is_token_space(text[i])) ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

std::pair<std::string_view, std::string_view> split_first_word(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && !is_token_space(text[i])) ++i;
  std::string_view first = text.substr(0, i);
  while (i < text.size() && is_token_space(text[i])) ++i;
  return {first, text.substr(i)};
}

// A small state machine, as Docker's: spaces between words, a word, a quoted part of a
// word. It stops at the first word that does not start with "--".
FlagWords extract_flags(std::string_view line) {
  enum { spaces, word, quoted } phase = spaces;
  FlagWords out;
  std::string current;
  char quote = 0;
  bool blank_ok = false;
  for (size_t pos = 0; pos <= line.size(); ++pos) {
    bool end = pos == line.size();
    char c = end ? '\0' : line[pos];
    if (phase == spaces) {
      if (end) break;
      if (is_space(c)) continue;
      if (c != '-' || pos + 1 == line.size() || line[pos + 1] != '-') {
        out.rest = line.substr(pos);
        return out;
      }
      phase = word;
    }
    if (end) {
      if (current != "--" && (blank_ok || !current.empty())) out.words.push_back(current);
      break;
    }
    if (phase == word) {
      if (is_space(c)) {
        phase = spaces;
        if (current == "--") {
          out.rest = line.substr(pos);
          return out;
        }
        if (blank_ok || !current.empty()) out.words.push_back(current);
        current.clear();
        blank_ok = false;
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
        blank_ok = true;
        phase = quoted;
        continue;
      }
    } else if (c == quote) {
      phase = word;
      continue;
    }
    if (c == '\\') {
      if (pos + 1 == line.size()) {
        phase = word;
        continue;  // a trailing backslash is dropped
      }
      c = line[++pos];
    }
    current += c;
  }
  out.rest = {};
  return out;
}

std::vector<std::string> parse_words(std::string_view text, char escape) {
  enum { spaces, word, quoted } phase = spaces;
  std::vector<std::string> words;
  std::string current;
  char quote = 0;
  bool blank_ok = false;
  for (size_t pos = 0; pos <= text.size(); ++pos) {
    bool end = pos == text.size();
    char c = end ? '\0' : text[pos];
    if (phase == spaces) {
      if (end) break;
      if (is_space(c)) continue;
      phase = word;
    }
    if (end) {
      if (blank_ok || !current.empty()) words.push_back(current);
      break;
    }
    if (phase == word) {
      if (is_space(c)) {
        phase = spaces;
        if (blank_ok || !current.empty()) words.push_back(current);
        current.clear();
        blank_ok = false;
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
        blank_ok = true;
        phase = quoted;
      }
    } else if (c == quote) {
      phase = word;
    }
    // The escape character keeps itself and the next character, except inside '...'.
    if (c == escape && !(phase == quoted && quote == '\'')) {
      if (pos + 1 == text.size()) {
        if (phase == quoted) phase = word;
        continue;
      }
      current += c;
      c = text[++pos];
    }
    current += c;
  }
  return words;
}

JsonArray parse_json_array(std::string_view text, std::vector<std::string>& out) {
  text = trim_left_space(text);
  if (text.empty() || text[0] != '[') return JsonArray::not_json;
  auto json = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_array()) return JsonArray::not_json;
  out.clear();
  for (const auto& item : json) {
    if (!item.is_string()) return JsonArray::not_strings;
    out.push_back(item.get<std::string>());
  }
  return JsonArray::ok;
}

}  // namespace pier::builder::detail
