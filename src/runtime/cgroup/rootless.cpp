// What a rootless pier may do with cgroups: use the subtree delegated to its user, or
// none, and which of a container's limits then go unapplied.
#include <fmt/format.h>

#include <algorithm>

#include "base/strings.h"
#include "runtime/cgroup/manager.h"

namespace pier::runtime {

std::string delegated_cgroup(const std::string& v2_mount, const std::string& proc_self_cgroup,
                             const std::function<bool(const std::string&)>& owned) {
  if (v2_mount.empty()) return {};
  for (const auto& line : split(proc_self_cgroup, '\n')) {
    // The unified hierarchy's line is "0::/path"; v1 lines name their controllers.
    if (!starts_with(line, "0::/")) continue;
    std::string path = line.substr(3);
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    // A path with `..` or a deleted cgroup is nothing to build on.
    if (path.find("/..") != std::string::npos || path.find(" (deleted)") != std::string::npos) return {};
    auto delegated = [&](const std::string& dir) {
      return owned(dir) && owned(dir + "/cgroup.procs") && owned(dir + "/cgroup.subtree_control");
    };
    std::string dir = path == "/" ? v2_mount : v2_mount + path;
    if (!delegated(dir)) return {};
    // Up to the top of the delegation (user@<uid>.service rather than the scope pier was
    // started in): no process sits there, so it can hand controllers down (a cgroup
    // holding processes cannot: the no-internal-processes rule), and a move between any
    // two cgroups below it needs only its cgroup.procs.
    while (dir.size() > v2_mount.size()) {
      std::string parent = dir.substr(0, dir.rfind('/'));
      if (parent.size() < v2_mount.size() || !delegated(parent)) break;
      dir = parent;
    }
    return dir;
  }
  return {};
}

std::vector<std::string> ignored_limits(const Resources& res, const std::vector<std::string>& controllers) {
  auto has = [&](const char* c) { return std::find(controllers.begin(), controllers.end(), c) != controllers.end(); };
  std::vector<std::string> out;
  auto check = [&](bool set, const char* controller, const char* name) {
    if (set && !has(controller)) out.push_back(name);
  };
  check(res.memory.has_value(), "memory", "memory");
  check(res.memory_swap.has_value(), "memory", "memory_swap");
  check(res.memory_reservation.has_value(), "memory", "memory_reservation");
  check(res.cpus.has_value(), "cpu", "cpus");
  check(res.cpu_shares.has_value(), "cpu", "cpu_shares");
  check(!res.cpuset_cpus.empty() || !res.cpuset_mems.empty(), "cpuset", "cpuset");
  check(res.pids_limit.has_value(), "pids", "pids_limit");
  check(res.blkio_weight.has_value(), "io", "blkio_weight");
  check(!res.device_cgroup_rules.empty(), "devices", "device_cgroup_rules");
  return out;
}

}  // namespace pier::runtime
