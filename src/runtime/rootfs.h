// Host-side rootfs preparation: the per-container state dir (upper, work, mountpoint,
// generated files) and reading image files (passwd, group) through the layer stack.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "runtime/spec.h"

namespace pier::runtime {

struct RootfsLayout {
  std::string mountpoint;  // state_dir/rootfs
  std::string files_dir;   // state_dir/files
  std::string private_dir; // state_dir/private: stays empty on the host (secrets, configs)
  std::string overlay_options;  // empty for a plain directory
  // state_dir/image-mounts, with image mounts: a mount point per image mount (the bind's
  // index) and an empty layer; stays empty on the host.
  std::string image_mounts_dir;
};

Result<RootfsLayout> prepare_rootfs(const ContainerSpec& spec);
// /etc/passwd and /etc/group are parsed on the host: larger ones are refused.
inline constexpr size_t kImageFileLimit = 4u << 20;
// The content of `rel` (e.g. "etc/passwd") as the container will see it, or "" if absent;
// an error when it is there but not a regular file or larger than kImageFileLimit.
Result<std::string> read_image_file(const ContainerSpec& spec, const std::string& rel);
// Removes `path` and everything under it; already gone (or going) is success.
Status remove_tree(const std::string& path);
// The mount point (from mountinfo text) of the mount holding the absolute, canonical `path`.
std::string mount_point_of(const std::string& path, std::string_view mountinfo);

}  // namespace pier::runtime
