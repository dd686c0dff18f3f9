#include "supervisor/logs/log_time.h"

#include <time.h>

#include <limits>

#include <fmt/format.h>

#include "base/round.h"

namespace pier::supervisor::logs {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month, day;
};

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// "2026-11-23T10:00:00" and the nanoseconds, for a time in UTC.
std::string format_base(int64_t time_ns, int64_t& nanos) {
  int64_t secs = time_ns / kNsPerSecond;
  nanos = time_ns % kNsPerSecond;
  if (nanos < 0) {
    nanos += kNsPerSecond;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  Civil c = civil_from_days(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", c.year, c.month, c.day, rem / 3600,
                     rem / 60 % 60, rem % 60);
}

// A small cursor over the text being parsed; every read checks the bounds.
struct Cursor {
  std::string_view s;
  size_t i = 0;

  bool done() const { return i == s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  // Exactly `n` digits.
  bool digits(size_t n, int& out) {
    if (s.size() - i < n) return false;
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += n;
    out = v;
    return true;
  }
  // One to nine digits of a fraction, as nanoseconds.
  bool fraction(int64_t& ns) {
    size_t start = i;
    int64_t v = 0;
    while (!done() && s[i] >= '0' && s[i] <= '9' && i - start < 9) v = v * 10 + (s[i++] - '0');
    size_t n = i - start;
    if (n == 0) return false;
    while (!done() && s[i] >= '0' && s[i] <= '9') ++i;  // beyond nanoseconds: dropped, as Go
    for (; n < 9; ++n) v *= 10;
    ns = v;
    return true;
  }
  // "Z", "z" or "+hh:mm"/"-hh:mm" as seconds east of UTC.
  bool zone(int64_t& offset) {
    if (eat('Z') || eat('z')) {
      offset = 0;
      return true;
    }
    char sign = peek();
    if (sign != '+' && sign != '-') return false;
    ++i;
    int hh = 0, mm = 0;
    if (!digits(2, hh) || !eat(':') || !digits(2, mm) || hh > 23 || mm > 59) return false;
    offset = (hh * 3600 + mm * 60) * (sign == '-' ? -1 : 1);
    return true;
  }
};

bool valid_date(int y, int m, int d) {
  return m >= 1 && m <= 12 && d >= 1 && static_cast<unsigned>(d) <= days_in_month(y, m);
}

// Seconds east of UTC of the local zone now (Docker uses the current offset for a
// time given without a zone, not the offset in force at that time).
int64_t local_offset(int64_t now_ns) {
  time_t now = static_cast<time_t>(now_ns / kNsPerSecond);
  struct tm tm {};
  if (!localtime_r(&now, &tm)) return 0;
  return tm.tm_gmtoff;
}

// Docker's accepted timestamp forms: a date, optionally "T" and an hour, minutes,
// seconds and fraction, optionally a zone (local time without one).
std::optional<int64_t> parse_cli_timestamp(std::string_view text, int64_t now_ns) {
  Cursor c{text};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int64_t frac = 0;
  if (!c.digits(4, y) || !c.eat('-') || !c.digits(2, mo) || !c.eat('-') || !c.digits(2, d))
    return std::nullopt;
  if (!valid_date(y, mo, d)) return std::nullopt;
  if (c.eat('T') || c.eat('t')) {
    if (!c.digits(2, h) || h > 23) return std::nullopt;
    if (c.eat(':')) {
      if (!c.digits(2, mi) || mi > 59) return std::nullopt;
      if (c.eat(':')) {
        if (!c.digits(2, s) || s > 59) return std::nullopt;
        if (c.eat('.') && !c.fraction(frac)) return std::nullopt;
      }
    }
  }
  int64_t offset = 0;
  if (c.done()) {
    offset = local_offset(now_ns);
  } else if (!c.zone(offset) || !c.done()) {
    return std::nullopt;
  }
  return civil_to_unix_ns(y, mo, d, h, mi, s) - offset * kNsPerSecond + frac;
}

// "1700000000" or "1700000000.5".
std::optional<int64_t> parse_unix(std::string_view text) {
  Cursor c{text};
  int64_t secs = 0;
  size_t start = c.i;
  while (!c.done() && c.peek() >= '0' && c.peek() <= '9') {
    if (secs > std::numeric_limits<int64_t>::max() / kNsPerSecond / 10) return std::nullopt;
    secs = secs * 10 + (c.s[c.i++] - '0');
  }
  if (c.i == start) return std::nullopt;
  int64_t frac = 0;
  if (c.eat('.') && !c.fraction(frac)) return std::nullopt;
  if (!c.done()) return std::nullopt;
  return secs * kNsPerSecond + frac;
}

// A Go duration ("1h30m", "1.5h", "300ms", "-2m"); nanoseconds.
std::optional<int64_t> parse_go_duration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"ns", 1},           {"us", 1000},          {"\xC2\xB5s", 1000}, {"\xCE\xBCs", 1000},
      {"ms", 1'000'000},   {"s", kNsPerSecond},   {"m", 60 * kNsPerSecond},
      {"h", 3600 * kNsPerSecond}};
  long double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    long double value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') value = value * 10 + (text[i++] - '0');
    bool had_int = i > start;
    bool had_frac = false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        value += (text[i++] - '0') * scale;
        scale /= 10;
        had_frac = true;
      }
    }
    if (!had_int && !had_frac) return std::nullopt;
    size_t unit_start = i;
    while (i < text.size() && text[i] != '.' && (text[i] < '0' || text[i] > '9')) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    int64_t scale = 0;
    for (const auto& [name, ns] : kUnits)
      if (unit == name) scale = ns;
    if (scale == 0) return std::nullopt;  // a missing or unknown unit
    total += value * scale;
  }
  if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  auto ns = round_to_int64(total);
  return negative ? -ns : ns;
}

}  // namespace

int64_t civil_to_unix_ns(int year, int month, int day, int hour, int minute, int second) {
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return ((days * 24 + hour) * 60 + minute) * 60 * kNsPerSecond + int64_t{second} * kNsPerSecond;
}

std::string format_time_json(int64_t time_ns) {
  int64_t nanos = 0;
  std::string out = format_base(time_ns, nanos);
  if (nanos != 0) {
    std::string frac = fmt::format(".{:09}", nanos);
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  out += 'Z';
  return out;
}

std::string format_time_fixed(int64_t time_ns) {
  int64_t nanos = 0;
  std::string out = format_base(time_ns, nanos);
  return out + fmt::format(".{:09}Z", nanos);
}

std::optional<int64_t> parse_rfc3339(std::string_view text) {
  Cursor c{text};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int64_t frac = 0, offset = 0;
  if (!c.digits(4, y) || !c.eat('-') || !c.digits(2, mo) || !c.eat('-') || !c.digits(2, d) ||
      !(c.eat('T') || c.eat('t')) || !c.digits(2, h) || !c.eat(':') || !c.digits(2, mi) ||
      !c.eat(':') || !c.digits(2, s))
    return std::nullopt;
  if (!valid_date(y, mo, d) || h > 23 || mi > 59 || s > 59) return std::nullopt;
  if (c.eat('.') && !c.fraction(frac)) return std::nullopt;
  if (!c.zone(offset) || !c.done()) return std::nullopt;
  return civil_to_unix_ns(y, mo, d, h, mi, s) - offset * kNsPerSecond + frac;
}

Result<int64_t> parse_log_time(std::string_view text, int64_t now_ns) {
  // Docker tries a duration first; "0" is the unix epoch, not "now".
  if (text != "0") {
    if (auto d = parse_go_duration(text)) return now_ns - *d;
  }
  if (auto t = parse_cli_timestamp(text, now_ns)) return *t;
  if (text.find('-') == std::string_view::npos) {
    if (auto t = parse_unix(text)) return *t;
  }
  return Error(fmt::format("invalid time `{}`", text))
      .hint("use an RFC 3339 time (2026-11-23T10:00:00Z, 2026-11-23), unix seconds "
            "(1700000000), or a duration before now (42m, 1h30m)");
}

}  // namespace pier::supervisor::logs
