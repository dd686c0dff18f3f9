#include "convert/names.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <regex>

#include "base/round.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace pier::convert {

std::string dns_label(const std::string& name) {
  std::string out;
  for (char c : to_lower(name)) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum) out += c;
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  // A Service name must start with a letter (DNS-1035).
  if (out.empty() || !(out[0] >= 'a' && out[0] <= 'z')) out = "s-" + out;
  if (out.size() > 63) out.resize(63);
  while (out.back() == '-') out.pop_back();
  return out;
}

bool valid_label(const std::string& key, const std::string& value) {
  static const std::regex name(R"(([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?)");
  static const std::regex prefix(R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)");
  std::string key_name = key;
  if (auto slash = key.find('/'); slash != std::string::npos) {
    std::string p = key.substr(0, slash);
    if (p.empty() || p.size() > 253 || !std::regex_match(p, prefix)) return false;
    key_name = key.substr(slash + 1);
  }
  return !key_name.empty() && std::regex_match(key_name, name) && value.size() <= 63 &&
         std::regex_match(value, name);
}

std::optional<int64_t> parse_number(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

int64_t seconds(int64_t nanoseconds, int64_t min) {
  int64_t s = (nanoseconds + 999'999'999) / 1'000'000'000;
  return s < min ? min : s;
}

std::string bytes_quantity(int64_t bytes) {
  static constexpr std::pair<int64_t, const char*> units[] = {
      {int64_t(1) << 40, "Ti"}, {int64_t(1) << 30, "Gi"}, {int64_t(1) << 20, "Mi"}, {int64_t(1) << 10, "Ki"}};
  for (const auto& [size, suffix] : units)
    if (bytes > 0 && bytes % size == 0) return std::to_string(bytes / size) + suffix;
  return std::to_string(bytes);
}

std::string cpu_quantity(double cpus) {
  auto milli = round_to_int64(cpus * 1000);
  if (milli % 1000 == 0) return std::to_string(milli / 1000);
  return std::to_string(milli) + "m";
}

std::optional<std::string> read_small_file(const std::string& path, size_t limit) {
  // O_NONBLOCK and the type check: a FIFO or device named as a config file must not
  // hang the conversion or be read without end.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) > limit)
    return std::nullopt;
  std::string data;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return data;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > limit) return std::nullopt;  // grew while being read
  }
}

bool is_text(const std::string& text) {
  return find_invalid_utf8(text) == std::string::npos && text.find('\0') == std::string::npos;
}

std::string base64(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 63];
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (rest == 2) v |= uint8_t(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace pier::convert
