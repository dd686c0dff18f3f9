// Decides once which cgroup backend this host needs: pure v2 (/sys/fs/cgroup is cgroup2),
// or v1 controllers (with a v2 hierarchy beside them, as in hybrid setups).
#include <linux/magic.h>
#include <sys/statfs.h>

#include <fmt/format.h>

#include <mutex>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "runtime/cgroup/manager.h"

namespace pier::runtime {

namespace {

// mountinfo: "id parent maj:min root mountpoint opts - fstype source superopts"
std::vector<V1Hierarchy> v1_hierarchies(const std::string& mountinfo, std::string& v2_mount) {
  std::vector<V1Hierarchy> out;
  for (const auto& line : split(mountinfo, '\n')) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto left = split(line.substr(0, dash), ' ');
    auto right = split(line.substr(dash + 3), ' ');
    if (left.size() < 5 || right.size() < 3) continue;
    if (right[0] == "cgroup2" && v2_mount.empty()) v2_mount = left[4];
    if (right[0] != "cgroup") continue;
    std::vector<std::string> controllers;
    for (const auto& opt : split(right[2], ','))
      if (opt != "rw" && opt != "ro" && !starts_with(opt, "name=") && opt.find('=') == std::string::npos &&
          opt != "relatime" && opt != "noprefix" && opt != "clone_children" && opt != "xattr")
        controllers.push_back(opt);
    if (!controllers.empty()) out.push_back({join(controllers, ","), left[4]});
  }
  return out;
}

Result<std::unique_ptr<CgroupManager>> detect() {
  struct statfs fs{};
  if (::statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
    return make_cgroup_v2("/sys/fs/cgroup");
  PIER_TRY(std::string mountinfo, read_file("/proc/self/mountinfo"));
  std::string v2_mount;
  auto v1 = v1_hierarchies(mountinfo, v2_mount);
  if (!v1.empty()) return make_cgroup_v1(std::move(v1));
  if (!v2_mount.empty()) return make_cgroup_v2(v2_mount);
  return Error("no cgroup filesystem is mounted").hint("mount cgroup2 on /sys/fs/cgroup");
}

}  // namespace

Result<CgroupManager*> cgroup_manager() {
  static std::mutex mu;
  static std::unique_ptr<CgroupManager> instance;
  std::lock_guard lock(mu);
  if (!instance) {
    PIER_TRY(instance, detect());
  }
  return instance.get();
}

std::string cgroup_name(const std::string& project, const std::string& container) {
  return fmt::format("pier/{}/{}", project, container);
}

}  // namespace pier::runtime
