#include "builder/context/glob.h"

namespace pier::builder::detail {

bool has_glob_meta(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') ++i;
    else if (c == '*' || c == '?' || c == '[') return true;
  }
  return false;
}

char32_t decode_utf8(std::string_view text, size_t i, size_t& length) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b = byte(i);
  length = 1;
  if (b < 0x80) return b;
  size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
  if (n == 0 || i + n > text.size()) return 0xFFFD;
  char32_t c = b & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0xFFFD;
    c = (c << 6) | (byte(i + k) & 0x3F);
  }
  length = n;
  return c;
}

namespace {

// One class character, `\` escaping the next: Go's getEsc. npos when malformed.
size_t class_char(std::string_view pattern, size_t i, char32_t& c) {
  if (i >= pattern.size() || pattern[i] == '-' || pattern[i] == ']') return std::string_view::npos;
  if (pattern[i] == '\\' && ++i >= pattern.size()) return std::string_view::npos;
  size_t length = 0;
  c = decode_utf8(pattern, i, length);
  return i + length;
}

}  // namespace

size_t match_class(std::string_view pattern, size_t open, char32_t c, bool& matched) {
  size_t i = open + 1;
  bool negated = i < pattern.size() && pattern[i] == '^';
  if (negated) ++i;
  bool in = false;
  for (int ranges = 0;; ++ranges) {
    if (i < pattern.size() && pattern[i] == ']' && ranges > 0) break;
    char32_t lo = 0, hi = 0;
    i = class_char(pattern, i, lo);
    if (i == std::string_view::npos) return i;
    hi = lo;
    if (i < pattern.size() && pattern[i] == '-') {
      i = class_char(pattern, i + 1, hi);
      if (i == std::string_view::npos) return i;
    }
    in = in || (lo <= c && c <= hi);
  }
  matched = in != negated;
  return i + 1;
}

Status check_glob(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (++i >= pattern.size()) return Error("syntax error in pattern: a trailing `\\`");
    } else if (pattern[i] == '[') {
      bool unused = false;
      size_t end = match_class(pattern, i, 0, unused);
      if (end == std::string_view::npos) return Error("syntax error in pattern: a malformed `[...]` class");
      i = end - 1;
    }
  }
  return {};
}

bool glob_match(std::string_view pattern, std::string_view name) {
  size_t ni = 0;
  for (size_t pi = 0; pi < pattern.size(); ++pi) {
    char p = pattern[pi];
    if (p == '*') {
      std::string_view rest = pattern.substr(pi + 1);
      for (size_t k = ni;; ++k) {
        if (glob_match(rest, name.substr(k))) return true;
        if (k == name.size() || name[k] == '/') return false;
      }
    }
    if (ni >= name.size()) return false;
    size_t length = 0;
    char32_t c = decode_utf8(name, ni, length);
    if (p == '?') {
      if (c == '/') return false;
    } else if (p == '[') {
      bool matched = false;
      pi = match_class(pattern, pi, c, matched) - 1;
      if (!matched) return false;
    } else {
      if (p == '\\') p = pattern[++pi];
      if (name[ni] != p) return false;
      length = 1;
    }
    ni += length;
  }
  return ni == name.size();
}

std::string glob_unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) ++i;
    out += text[i];
  }
  return out;
}

}  // namespace pier::builder::detail
