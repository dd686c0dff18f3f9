// Device access rules for the devices cgroup (v1) or the eBPF device program (v2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::runtime {

struct DeviceRule {
  char type = 'a';      // 'a', 'c', 'b'
  int64_t major = -1;   // -1: any
  int64_t minor = -1;
  std::string access = "rwm";
  bool allow = true;

  std::string to_v1() const;  // "c 1:3 rwm"
};

// "c 1:3 rwm", "b 8:* r", "a" (device_cgroup_rules syntax).
Result<DeviceRule> parse_device_rule(const std::string& text);
// Docker's defaults then the given extras; `privileged` allows everything.
std::vector<DeviceRule> default_device_rules(bool privileged);
// Whether the rules take anything away: pier's lists either start by denying all or
// only allow. A backend that cannot enforce rules that do must refuse the container.
bool restricts_devices(const std::vector<DeviceRule>& rules);

}  // namespace pier::runtime
