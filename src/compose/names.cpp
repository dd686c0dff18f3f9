#include "compose/names.h"

#include <fmt/format.h>

#include <charconv>

namespace pier::compose {

namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_name_char(char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; }

bool all_name_chars(std::string_view s) {
  for (char c : s)
    if (!is_name_char(c)) return false;
  return true;
}

bool is_number(std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos; }

}  // namespace

bool is_restricted_name(std::string_view name) {
  return name.size() >= 2 && is_alnum(name[0]) && all_name_chars(name);
}

bool is_resource_key(std::string_view key) {
  return !key.empty() && key != "." && key != ".." && all_name_chars(key);
}

bool is_network_name(std::string_view name) { return !name.empty() && is_alnum(name[0]) && all_name_chars(name); }

bool is_interface_name(std::string_view name) {
  return !name.empty() && name.size() <= 15 && is_alnum(name[0]) && all_name_chars(name);
}

Status check_id(std::string_view value, std::string_view what) {
  if (!is_number(value)) return {};
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
  if (ec == std::errc() && end == value.data() + value.size() && id <= kMaxId) return {};
  return Error(fmt::format("{} `{}` is out of range: ids go from 0 to {}", what, value, kMaxId))
      .hint("ids are 32 bits, and 4294967295 is (uid_t)-1, which the kernel reads as \"unchanged\"");
}

Status check_user_ids(std::string_view user) {
  auto colon = user.find(':');
  PIER_CHECK(check_id(user.substr(0, colon), "uid"));
  if (colon != std::string_view::npos) PIER_CHECK(check_id(user.substr(colon + 1), "gid"));
  return {};
}

}  // namespace pier::compose
