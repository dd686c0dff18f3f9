#include "compose/units.h"

#include <cctype>

#include "base/round.h"
#include "base/strings.h"

namespace pier::compose {

namespace {

// Nanoseconds per Go duration unit.
int64_t duration_unit(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;
  if (unit == "ms") return 1000000;
  if (unit == "s") return 1000000000LL;
  if (unit == "m") return 60LL * 1000000000LL;
  if (unit == "h") return 3600LL * 1000000000LL;
  return 0;
}

Error duration_error(std::string_view text) {
  return Error("invalid duration `" + std::string(text) + "`")
      .hint("use a number with a unit: 10s, 1m30s, 500ms, 1h");
}

// Formats the fractional part of `value / unit` without trailing zeros (Go's fmtFrac).
std::string format_fraction(int64_t value, int64_t unit, int64_t& whole) {
  whole = value / unit;
  int64_t frac = value % unit;
  if (frac == 0) return "";
  std::string digits = std::to_string(unit + frac).substr(1);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return "." + digits;
}

}  // namespace

Result<int64_t> parse_duration(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) return duration_error(text);
  bool all_digits = true;
  for (char c : s) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  if (all_digits) {
    if (s.size() > 9) return duration_error(text);
    return static_cast<int64_t>(std::stoll(std::string(s))) * 1000000000LL;
  }
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0) return duration_error(text);
    std::string number(s.substr(0, i));
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !std::isdigit(static_cast<unsigned char>(s[j])) && s[j] != '.') ++j;
    int64_t unit = duration_unit(s.substr(0, j));
    if (unit == 0 || number == "." || number.find('.') != number.rfind('.')) return duration_error(text);
    s.remove_prefix(j);
    try {
      total += std::stold(number) * static_cast<long double>(unit);
    } catch (const std::exception&) {
      return duration_error(text);
    }
  }
  if (total > 9.2e18L) return duration_error(text);
  int64_t ns = round_to_int64(total);
  return negative ? -ns : ns;
}

std::string format_duration(int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-ns) : static_cast<uint64_t>(ns);
  int64_t v = static_cast<int64_t>(u);
  int64_t whole = 0;
  if (v < 1000) return sign + std::to_string(v) + "ns";
  if (v < 1000000) {
    std::string frac = format_fraction(v, 1000, whole);
    return sign + std::to_string(whole) + frac + "\xC2\xB5s";
  }
  if (v < 1000000000LL) {
    std::string frac = format_fraction(v, 1000000, whole);
    return sign + std::to_string(whole) + frac + "ms";
  }
  std::string seconds_frac = format_fraction(v, 1000000000LL, whole);
  int64_t secs = whole % 60;
  int64_t mins = (whole / 60) % 60;
  int64_t hours = whole / 3600;
  std::string out = sign;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || mins > 0) out += std::to_string(mins) + "m";
  out += std::to_string(secs) + seconds_frac + "s";
  return out;
}

Result<int64_t> parse_bytes(std::string_view text) {
  std::string s = to_lower(trim(text));
  auto bad = [&] {
    return Error("invalid size `" + std::string(text) + "`")
        .hint("use a number of bytes or a unit: 512m, 1g, 64k, 1gb");
  };
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) return bad();
  long double number = 0;
  try {
    number = std::stold(s.substr(0, i));
  } catch (...) {
    return bad();
  }
  std::string unit(trim(s.substr(i)));
  if (unit.size() == 2 && unit[1] == 'b' && unit != "bb") unit.pop_back();
  if (unit.size() == 3 && unit.substr(1) == "ib") unit = unit.substr(0, 1);
  long double mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k") mult = 1024.0L;
  else if (unit == "m") mult = 1024.0L * 1024;
  else if (unit == "g") mult = 1024.0L * 1024 * 1024;
  else if (unit == "t") mult = 1024.0L * 1024 * 1024 * 1024;
  else if (unit == "p") mult = 1024.0L * 1024 * 1024 * 1024 * 1024;
  else return bad();
  long double bytes = number * mult;
  if (bytes > 9.2e18L) return bad();
  return static_cast<int64_t>(bytes);
}

Result<std::vector<std::string>> shell_split(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0;
      else word += c;
      continue;
    }
    if (c == '\\' && i + 1 < text.size()) {
      char next = text[i + 1];
      // Inside double quotes a backslash only escapes the characters the shell gives meaning to.
      if (quote == '"' && next != '"' && next != '\\' && next != '$' && next != '`') {
        word += c;
      } else {
        word += next;
        ++i;
      }
      in_word = true;
      continue;
    }
    if (quote == '"') {
      if (c == '"') quote = 0;
      else word += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) {
    return Error("unterminated quote in `" + std::string(text) + "`")
        .hint("close the quote or use the list form of the command");
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace pier::compose
