#include "app/container_root.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <csignal>

#include "base/dirs.h"
#include "base/strings.h"
#include "image/store/store.h"
#include "sys/syscalls.h"
#include "sys/user_namespace.h"

namespace pier::app {
namespace {

Result<sys::ContentRoot> running_root(const state::ContainerRecord& r) {
  auto not_running = [&] {
    return Error("container " + r.name + " is not running").hint("start it with `pier up -d` or `pier start`");
  };
  UniqueFd pidfd(sys::pidfd_open(r.pid));
  if (!pidfd || !state::process_matches(r.pid, r.pid_start_time)) return not_running();
  std::string link = "/proc/" + std::to_string(r.pid) + "/root";
  UniqueFd root(::open(link.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::system("open the root of container " + r.name + " at", link, errno);
  // The pidfd still names a live process: the pid was not reused between the two opens.
  if (sys::pidfd_send_signal(pidfd.get(), 0) != 0) return not_running();
  return sys::ContentRoot{std::move(root), r.name + ":"};
}

Status set_option(int ctx, const char* key, const std::string& value, const std::string& container) {
  if (sys::fsconfig(ctx, FSCONFIG_SET_STRING, key, value.c_str(), 0) != 0)
    return Error::system(std::string("set overlay option ") + key + " for container " + container + " to", value, errno);
  return {};
}

// The stopped container's overlay, as the runtime mounts it at start (runtime/rootfs.cpp):
// the same layers, upper and work dirs (made here for a container never started).
Result<sys::ContentRoot> stopped_root(const state::ContainerRecord& r, const std::string& pier_root, RootAccess access) {
  PIER_TRY(image::Store store, image::Store::open(pier_root));
  PIER_TRY(image::ResolvedImage image, store.resolve(r.image_id).context("the image of container " + r.name));
  if (image.layer_dirs.empty()) return Error("the image of container " + r.name + " has no layers");
  for (const auto& layer : image.layer_dirs)
    if (layer.find_first_of(":,") != std::string::npos)
      return Error("layer path `" + layer + "` contains `:` or `,`, which overlayfs cannot take");
  const std::string upper = r.scratch_dir + "/upper", work = r.scratch_dir + "/work";
  PIER_CHECK(make_dirs(r.scratch_dir, 0700));
  PIER_CHECK(make_dirs(upper, 0755));
  PIER_CHECK(make_dirs(work, 0700));
  // A user's pier may mount only in a mount namespace its user namespace owns: one of
  // this process's own (nothing is attached to it, so nothing reaches the user's).
  if (sys::rootless() && ::unshare(CLONE_NEWNS) != 0)
    return Error::system("unshare", "a mount namespace to mount container " + r.name, errno);
  UniqueFd ctx(sys::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!ctx) return Error::system("fsopen", "overlay for container " + r.name, errno);
  PIER_CHECK(set_option(ctx.get(), "lowerdir", join(image.layer_dirs, ":"), r.name));
  PIER_CHECK(set_option(ctx.get(), "upperdir", upper, r.name));
  PIER_CHECK(set_option(ctx.get(), "workdir", work, r.name));
  if (sys::rootless() && sys::fsconfig(ctx.get(), FSCONFIG_SET_FLAG, "userxattr", nullptr, 0) != 0)
    return Error::system("set overlay option userxattr for container", r.name, errno);
  if (sys::fsconfig(ctx.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    return Error::system("mount the overlay of stopped container", r.name, errno)
        .hint("another mount of its upper dir (the container starting now?) makes the kernel refuse it");
  unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  if (access == RootAccess::read) attrs |= MOUNT_ATTR_RDONLY;
  UniqueFd mnt(sys::fsmount(ctx.get(), FSMOUNT_CLOEXEC, attrs));
  if (!mnt) return Error::system("fsmount", "the overlay of container " + r.name, errno);
  return sys::ContentRoot{std::move(mnt), r.name + ":"};
}

}  // namespace

Result<sys::ContentRoot> open_container_root(const state::ContainerRecord& r, const std::string& pier_root,
                                             RootAccess access) {
  if (state::is_up(r.state) && state::process_matches(r.pid, r.pid_start_time)) return running_root(r);
  if (state::is_up(r.state))
    return Error("container " + r.name + " is " + state::to_string(r.state) + " but its process is gone")
        .hint("`pier up -d` or `pier start` brings it back");
  return stopped_root(r, pier_root, access);
}

}  // namespace pier::app
