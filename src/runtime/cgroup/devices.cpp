#include "runtime/cgroup/devices.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace pier::runtime {

std::string DeviceRule::to_v1() const {
  auto num = [](int64_t v) { return v < 0 ? std::string("*") : std::to_string(v); };
  if (type == 'a') return "a *:* " + access;
  return fmt::format("{} {}:{} {}", type, num(major), num(minor), access);
}

Result<DeviceRule> parse_device_rule(const std::string& text) {
  auto bad = [&] {
    return Error(fmt::format("device rule `{}`: expected `<a|b|c> <major|*>:<minor|*> <rwm>`", text));
  };
  auto parts = split(trim(text), ' ');
  DeviceRule r;
  if (parts.empty() || parts[0].size() != 1 || std::string("abc").find(parts[0][0]) == std::string::npos)
    return bad();
  r.type = parts[0][0];
  if (r.type == 'a' && parts.size() == 1) return r;
  if (parts.size() != 3) return bad();
  auto mm = split(parts[1], ':');
  if (mm.size() != 2) return bad();
  auto num = [](const std::string& s, int64_t& out) {
    if (s == "*") { out = -1; return true; }
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoll(s);
    return true;
  };
  if (!num(mm[0], r.major) || !num(mm[1], r.minor)) return bad();
  if (parts[2].empty() || parts[2].find_first_not_of("rwm") != std::string::npos) return bad();
  r.access = parts[2];
  return r;
}

std::vector<DeviceRule> default_device_rules(bool privileged) {
  if (privileged) return {DeviceRule{'a', -1, -1, "rwm", true}};
  std::vector<DeviceRule> rules = {{'a', -1, -1, "rwm", false},  // deny all first
                                   {'c', -1, -1, "m", true},     {'b', -1, -1, "m", true}};
  const int64_t nodes[][2] = {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}};
  for (auto& n : nodes) rules.push_back({'c', n[0], n[1], "rwm", true});
  rules.push_back({'c', 136, -1, "rwm", true});  // /dev/pts/*
  return rules;
}

bool restricts_devices(const std::vector<DeviceRule>& rules) {
  for (const auto& r : rules)
    if (!r.allow) return true;
  return false;
}

}  // namespace pier::runtime
