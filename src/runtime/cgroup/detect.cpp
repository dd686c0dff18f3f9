// Decides once which cgroup backend this host needs: pure v2 (/sys/fs/cgroup is cgroup2),
// or v1 controllers (with a v2 hierarchy beside them, as in hybrid setups).
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include <mutex>

#include "base/atomic_file.h"
#include "base/log.h"
#include "base/strings.h"
#include "runtime/cgroup/manager.h"
#include "sys/user_namespace.h"

namespace pier::runtime {

namespace {

// mountinfo: "id parent maj:min root mountpoint opts - fstype source superopts"
std::vector<V1Hierarchy> v1_hierarchies(const std::string& mountinfo, std::vector<std::string>& v2_mounts) {
  std::vector<V1Hierarchy> out;
  for (const auto& line : split(mountinfo, '\n')) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto left = split(line.substr(0, dash), ' ');
    auto right = split(line.substr(dash + 3), ' ');
    if (left.size() < 5 || right.size() < 3) continue;
    if (right[0] == "cgroup2") v2_mounts.push_back(left[4]);
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

bool offers(const std::string& controllers, const char* name) {
  for (const auto& c : split(trim(controllers), ' '))
    if (c == name) return true;
  return false;
}

bool owned_by_us(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && st.st_uid == ::geteuid();
}

// Rootless: the unified hierarchy's subtree delegated to the user, else no cgroups. A
// v1 hierarchy is never used: its directories belong to root, and nothing delegates
// them (Podman makes the same choice).
std::unique_ptr<CgroupManager> detect_rootless(bool is_v2, const std::string& mountinfo) {
  std::string v2_mount = is_v2 ? "/sys/fs/cgroup" : "";
  if (!is_v2) {
    std::vector<std::string> v2_mounts;
    v1_hierarchies(mountinfo, v2_mounts);
    if (!v2_mounts.empty()) v2_mount = v2_mounts.front();
  }
  auto self = read_file("/proc/self/cgroup");
  std::string dir = delegated_cgroup(v2_mount, self ? *self : "", owned_by_us);
  if (dir.empty()) {
    log::debug("cgroups: rootless, and no cgroup v2 subtree is delegated to this user: containers get no cgroup");
    return make_no_cgroup();
  }
  log::debug("cgroups: rootless, using the delegated cgroup {}", dir);
  return make_cgroup_v2(dir, true);
}

Result<std::unique_ptr<CgroupManager>> detect() {
  struct statfs fs{};
  bool is_v2 = ::statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
  std::string mountinfo;
  if (!is_v2) {
    PIER_TRY(mountinfo, read_file("/proc/self/mountinfo"));
  }
  if (sys::rootless()) return detect_rootless(is_v2, mountinfo);
  auto layout = choose_cgroup_layout(is_v2, mountinfo, [](const std::string& mountpoint) {
    auto text = read_file(mountpoint + "/cgroup.controllers");
    return text.ok() ? *text : std::string();
  });
  switch (layout.kind) {
    case CgroupLayout::Kind::v2: return make_cgroup_v2(layout.v2_root);
    case CgroupLayout::Kind::v1: return make_cgroup_v1(std::move(layout.v1));
    case CgroupLayout::Kind::none: break;
  }
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

CgroupLayout choose_cgroup_layout(bool sys_fs_cgroup_is_v2, const std::string& mountinfo,
                                  const std::function<std::string(const std::string&)>& read_controllers) {
  CgroupLayout out;
  if (sys_fs_cgroup_is_v2) {
    out.kind = CgroupLayout::Kind::v2;
    out.v2_root = "/sys/fs/cgroup";
    return out;
  }
  std::vector<std::string> v2_mounts;
  auto v1 = v1_hierarchies(mountinfo, v2_mounts);
  for (const auto& mount : v2_mounts) {
    std::string controllers = read_controllers(mount);
    if (offers(controllers, "memory") && offers(controllers, "pids")) {
      out.kind = CgroupLayout::Kind::v2;
      out.v2_root = mount;
      return out;
    }
  }
  if (!v1.empty()) {
    out.kind = CgroupLayout::Kind::v1;
    out.v1 = std::move(v1);
  } else if (!v2_mounts.empty()) {
    out.kind = CgroupLayout::Kind::v2;
    out.v2_root = v2_mounts.front();
  }
  return out;
}

std::string cgroup_name(const std::string& project, const std::string& container) {
  return fmt::format("pier/{}/{}", project, container);
}

}  // namespace pier::runtime
