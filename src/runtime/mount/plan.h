// Builds the mount table for a container from its spec: Docker's API filesystems
// (/dev, /proc with masked and read-only paths, /sys), then devices, generated files,
// user binds and tmpfs mounts, then secrets and configs, in the order the child must
// apply them.
#pragma once

#include <string>

#include "base/result.h"
#include "runtime/mount/op.h"
#include "runtime/spec.h"

namespace pier::runtime {

// Host-side facts the plan needs, gathered once by the caller (so the builder stays
// pure and unit-testable without root).
struct DeviceNode {
  std::string host_path;
  std::string container_path;
  mode_t mode = 0;  // S_IFCHR/S_IFBLK | permission bits
  dev_t dev = 0;
  std::string permissions = "rwm";
  uid_t uid = 0;  // the host node's owner, kept inside as runc does (audio, video, render groups)
  gid_t gid = 0;
};

// Expands `host[:container[:perms]]` entries: a directory brings every node under it.
Result<std::vector<DeviceNode>> expand_devices(const std::vector<Device>& devices);

struct CgroupFs {
  std::string subdir, fstype, options;
};

struct HostFacts {
  std::vector<DeviceNode> devices;
  std::vector<CgroupFs> cgroup_mounts;  // mounted read-only under /sys/fs/cgroup
  // Host-specific masks Docker adds: /sys/devices/system/cpu/cpuN/thermal_throttle.
  std::vector<std::string> extra_masks;
  std::string files_dir;  // where generated files for this container were written
  // Secrets and configs: the (empty) host directory the private tmpfs is mounted on in
  // the child's namespace, and the image's /etc/passwd and /etc/group for their owners.
  std::string private_dir;
  std::string passwd, group;
  // Image mounts: the host directory holding a mount point per image mount (named by
  // the bind's index in spec.binds) and `empty`, an empty layer; and whether overlayfs
  // takes its marks from `user.overlay.*` xattrs, as a rootless pier's layers keep them.
  std::string image_mounts_dir;
  bool overlay_userxattr = false;
  bool init_present = true;
  // pier itself runs in a user namespace (rootless): as in a container's own one, device
  // nodes cannot be made, and sysfs and mqueue mount only over namespaces it owns.
  bool in_user_namespace = false;
  // Whether gid 5 (tty) exists in the namespace that mounts devpts, for its `gid=5`.
  bool tty_gid_mapped = true;
};

Result<MountTable> build_mount_table(const ContainerSpec& spec, const HostFacts& facts);

// Docker's masked and read-only paths (daemon/pkg/oci/defaults.go), as data.
extern const char* const kMaskedPaths[];
extern const char* const kReadonlyPaths[];

}  // namespace pier::runtime
