#include "sys/user_namespace.h"

#include <unistd.h>

#include <sstream>
#include <string>

#include "base/atomic_file.h"

namespace pier::sys {

bool is_initial_uid_map(std::string_view uid_map) {
  std::istringstream lines{std::string(uid_map)};
  unsigned long inside = 1, outside = 1, count = 0;
  if (!(lines >> inside >> outside >> count)) return false;
  unsigned long more = 0;
  if (lines >> more) return false;  // a second range is never the identity map
  return inside == 0 && outside == 0 && count == 4294967295UL;
}

bool in_initial_user_namespace() {
  // Read once: a process changes user namespace only at start-up (before this is
  // asked), and the answer is consulted on hot paths.
  static const bool initial = [] {
    auto map = read_file("/proc/self/uid_map");
    // Without /proc, assume the initial namespace: pier then behaves as it always has.
    return !map || is_initial_uid_map(*map);
  }();
  return initial;
}

bool rootless() { return ::geteuid() != 0 || !in_initial_user_namespace(); }

}  // namespace pier::sys
