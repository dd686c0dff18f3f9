#include "runtime/rootfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <filesystem>

#include "base/atomic_file.h"
#include "base/dirs.h"
#include "base/strings.h"
#include "runtime/id_map.h"
#include "sys/in_root.h"
#include "sys/user_namespace.h"

namespace pier::runtime {

namespace {

uint32_t host_id(const std::vector<IdMap>& map, uint32_t id) {
  for (const auto& m : map)
    if (id >= m.container_id && id - m.container_id < m.size) return m.host_id + (id - m.container_id);
  return 65534;
}

// The child mounts each image's overlay on a directory of its own here, in its mount
// namespace only. `mode`: as the state dir's, so a user namespace's root reaches it.
Status make_image_mount_dirs(const ContainerSpec& spec, const std::string& dir, mode_t mode) {
  PIER_CHECK(make_dir(dir, mode));
  if (::chmod(dir.c_str(), mode) != 0) return Error::system("chmod", dir, errno);
  PIER_CHECK(make_dir(dir + "/empty", 0755));
  for (size_t i = 0; i < spec.binds.size(); ++i)
    if (!spec.binds[i].image_layers.empty()) PIER_CHECK(make_dir(fmt::format("{}/{}", dir, i), 0755));
  return {};
}

bool has_image_mounts(const ContainerSpec& spec) {
  for (const auto& b : spec.binds)
    if (!b.image_layers.empty()) return true;
  return false;
}

}  // namespace

Result<RootfsLayout> prepare_rootfs(const ContainerSpec& spec) {
  if (spec.state_dir.empty()) return Error("container state dir is not set");
  RootfsLayout l;
  // The state dir holds the writable layer: no other host user may reach into it and
  // run a setuid binary or open a device node the container made there
  // (CVE-2021-41091). With a user namespace the mapped root must traverse to its upper
  // dir. The mode is set even on a dir that exists (the supervisor may have made it).
  const mode_t state_mode = spec.namespaces.user.enabled ? 0711 : 0700;
  PIER_CHECK(make_dir(spec.state_dir, state_mode));
  if (::chmod(spec.state_dir.c_str(), state_mode) != 0) return Error::system("chmod", spec.state_dir, errno);
  l.mountpoint = spec.state_dir + "/rootfs";
  l.files_dir = spec.state_dir + "/files";
  PIER_CHECK(make_dir(l.mountpoint, 0755));
  if (!spec.files.empty()) PIER_CHECK(make_dir(l.files_dir, 0755));
  // Only a mount point: the child mounts the private tmpfs on it in its own namespace.
  if (!spec.private_files.empty()) {
    l.private_dir = spec.state_dir + "/private";
    PIER_CHECK(make_dir(l.private_dir, 0700));
  }
  if (has_image_mounts(spec)) {
    l.image_mounts_dir = spec.state_dir + "/image-mounts";
    PIER_CHECK(make_image_mount_dirs(spec, l.image_mounts_dir, state_mode));
  }
  // The state dir is per-container scratch that a reboot empties (the run directory):
  // no fsync, which costs milliseconds per file on a disk-backed --root.
  for (size_t i = 0; i < spec.files.size(); ++i)
    PIER_CHECK(write_file_atomic(fmt::format("{}/{}", l.files_dir, i), spec.files[i].content, 0644,
                                 Durability::crash_safe));
  if (spec.layers.empty()) {
    struct stat st{};
    if (::stat(spec.rootfs_dir.c_str(), &st) != 0) return Error::system("rootfs", spec.rootfs_dir, errno);
    return l;
  }
  for (const auto& layer : spec.layers)
    if (layer.find_first_of(":,") != std::string::npos)
      return Error(fmt::format("layer path `{}` contains `:` or `,`, which overlayfs cannot take", layer));
  std::string upper = spec.state_dir + "/upper", work = spec.state_dir + "/work";
  // overlayfs shows the upper dir's mode as the container's `/`: 0755 as Docker's diff
  // dir, or no user but root could walk the container's tree. The work dir is the
  // kernel's alone.
  PIER_CHECK(make_dir(upper, 0755));
  PIER_CHECK(make_dir(work, 0700));
  // keep-id over a single-id map has no root: the user (pier's root) keeps them.
  if (spec.namespaces.user.enabled && maps_container_id(spec.namespaces.user.uid_map, 0) &&
      maps_container_id(spec.namespaces.user.gid_map, 0)) {
    // The container's root writes the upper layer: it must own it on the host.
    uid_t uid = host_id(spec.namespaces.user.uid_map, 0);
    gid_t gid = host_id(spec.namespaces.user.gid_map, 0);
    for (const auto& dir : {upper, work})
      if (::chown(dir.c_str(), uid, gid) != 0) return Error::system("chown", dir, errno);
  }
  l.overlay_options = fmt::format("lowerdir={},upperdir={},workdir={}", join(spec.layers, ":"), upper, work);
  // Inside a user namespace overlayfs may use only `user.overlay.*` xattrs, which is
  // where a rootless pier's layers keep their opaque marks (image/overlay_xattr.h).
  if (sys::rootless()) l.overlay_options += ",userxattr";
  if (l.overlay_options.size() >= 4000)
    return Error("overlay options exceed a page").hint("use fewer or shorter layer paths");
  return l;
}

Result<std::string> read_image_file(const ContainerSpec& spec, const std::string& rel) {
  std::vector<std::string> dirs;
  if (spec.layers.empty()) {
    dirs.push_back(spec.rootfs_dir);
  } else {
    dirs.push_back(spec.state_dir + "/upper");
    dirs.insert(dirs.end(), spec.layers.begin(), spec.layers.end());
  }
  for (const auto& dir : dirs) {
    // Each layer is a root of its own: its symlinks resolve inside it, never on the host.
    auto root = sys::ContentRoot::open(dir);
    if (!root) {
      if (sys::is_absent(root.error())) continue;  // no upper dir before the first start
      return std::move(root).error();
    }
    auto st = sys::stat_in_root(*root, rel, sys::LastLink::follow_in_root);
    if (!st) {
      if (sys::is_absent(st.error())) continue;
      return std::move(st).error();
    }
    // overlayfs's whiteout: the container (or a later layer) deleted the file.
    if (S_ISCHR(st->st_mode) && st->st_rdev == 0) return std::string();
    return sys::read_file_in_root(*root, rel, kImageFileLimit);
  }
  return std::string();
}

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mountinfo(std::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      int v = 0;
      bool octal = true;
      for (size_t k = 1; k <= 3; ++k) {
        char c = field[i + k];
        octal &= c >= '0' && c <= '7';
        v = v * 8 + (c - '0');
      }
      if (octal) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

bool is_under(const std::string& path, const std::string& mount) {
  if (mount == "/") return true;
  return path.compare(0, mount.size(), mount) == 0 && (path.size() == mount.size() || path[mount.size()] == '/');
}

}  // namespace

std::string mount_point_of(const std::string& path, std::string_view mountinfo) {
  std::string best;
  for (const auto& line : split(mountinfo, '\n')) {
    auto fields = split(line, ' ');
    if (fields.size() < 5) continue;
    std::string mount = unescape_mountinfo(fields[4]);
    if (is_under(path, mount) && mount.size() >= best.size()) best = mount;
  }
  return best;
}

Status remove_tree(const std::string& path) {
  // Another remover of the same tree (two `down`s at once) makes entries vanish under
  // remove_all, which then fails with ENOENT: what is gone is removed, so go over what
  // is left again. Each pass finds fewer entries; the bound only guards a livelock.
  std::error_code ec;
  for (int pass = 0; pass < 16; ++pass) {
    ec.clear();
    std::filesystem::remove_all(path, ec);
    if (ec.value() != ENOENT) break;
  }
  if (ec) return Error::system("remove", path, ec.value());
  return {};
}

}  // namespace pier::runtime
