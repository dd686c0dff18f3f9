#include "builder/dockerfile/values.h"

#include <cctype>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>

#include "base/strings.h"
#include "builder/dockerfile/words.h"

namespace pier::builder::detail {

namespace {

constexpr uint64_t kMaxDuration = uint64_t{1} << 63;

// Nanoseconds per unit; 0 for an unknown unit.
uint64_t unit_nanoseconds(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;  // µ (micro sign, Greek mu)
  if (unit == "ms") return 1000 * 1000;
  if (unit == "s") return 1000 * 1000 * 1000;
  if (unit == "m") return 60ull * 1000 * 1000 * 1000;
  if (unit == "h") return 3600ull * 1000 * 1000 * 1000;
  return 0;
}

Error bad_duration(std::string_view text, std::string_view why) {
  return Error("invalid duration `" + std::string(text) + "`: " + std::string(why))
      .hint("use a number with a unit: 30s, 1m30s, 500ms, 1h");
}

// One "<number>[.<fraction>]<unit>" group; adds its value to `total`.
Status duration_group(std::string_view& s, std::string_view text, uint64_t& total) {
  uint64_t whole = 0, fraction = 0;
  double scale = 1;
  size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (whole > kMaxDuration / 10) return bad_duration(text, "out of range");
    whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
    if (whole > kMaxDuration) return bad_duration(text, "out of range");
  }
  bool digits_before = i > 0;
  bool digits_after = false;
  if (i < s.size() && s[i] == '.') {
    bool overflow = false;
    for (++i; i < s.size() && is_digit(s[i]); ++i) {
      digits_after = true;
      if (overflow) continue;
      uint64_t next = fraction * 10 + static_cast<uint64_t>(s[i] - '0');
      if (fraction > (kMaxDuration - 1) / 10 || next > kMaxDuration) {
        overflow = true;  // later digits are too small to change the value
        continue;
      }
      fraction = next;
      scale *= 10;
    }
  }
  if (!digits_before && !digits_after) return bad_duration(text, "a number is missing");
  size_t unit_start = i;
  while (i < s.size() && s[i] != '.' && !is_digit(s[i])) ++i;
  if (i == unit_start) return bad_duration(text, "missing unit");
  uint64_t unit = unit_nanoseconds(s.substr(unit_start, i - unit_start));
  if (unit == 0) return bad_duration(text, "unknown unit `" + std::string(s.substr(unit_start, i - unit_start)) + "`");
  if (whole > kMaxDuration / unit) return bad_duration(text, "out of range");
  uint64_t value = whole * unit;
  if (fraction > 0) {
    value += static_cast<uint64_t>(static_cast<double>(fraction) * (static_cast<double>(unit) / scale));
    if (value > kMaxDuration) return bad_duration(text, "out of range");
  }
  total += value;
  if (total > kMaxDuration) return bad_duration(text, "out of range");
  s.remove_prefix(i);
  return {};
}

std::optional<int> small_number(std::string_view text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  int n = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

bool is_realtime(std::string_view name) {
  for (auto [base, sign] : {std::pair{std::string_view("RTMIN"), '+'}, std::pair{std::string_view("RTMAX"), '-'}}) {
    if (!starts_with(name, base)) continue;
    std::string_view rest = name.substr(base.size());
    if (rest.empty()) return true;
    auto n = small_number(rest.substr(1));
    return rest[0] == sign && n && *n <= SIGRTMAX - SIGRTMIN;
  }
  return false;
}

}  // namespace

Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return bad_duration(text, "empty");
  uint64_t total = 0;
  while (!s.empty()) {
    if (s[0] != '.' && !is_digit(s[0])) return bad_duration(text, "expected a number");
    PIER_CHECK(duration_group(s, text, total));
  }
  if (negative && total > 0) return std::chrono::nanoseconds(-static_cast<int64_t>(total - 1) - 1);
  if (total > kMaxDuration - 1) return bad_duration(text, "out of range");
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

std::optional<mode_t> parse_octal_mode(std::string_view text) {
  if (text.empty() || text.size() > 11) return std::nullopt;
  uint64_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<uint64_t>(c - '0');
  }
  if (mode > 07777) return std::nullopt;
  return static_cast<mode_t>(mode);
}

bool is_signal(std::string_view text) {
  if (auto n = small_number(text)) return *n >= 1 && *n <= SIGRTMAX;
  std::string name;
  for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view bare(name);
  if (starts_with(bare, "SIG")) bare.remove_prefix(3);
  if (bare.empty()) return false;
  if (bare == "CLD" || bare == "IOT" || bare == "POLL") return true;  // aliases glibc does not name
  for (int sig = 1; sig < SIGRTMIN; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev && bare == abbrev) return true;
  }
  return is_realtime(bare);
}

}  // namespace pier::builder::detail
