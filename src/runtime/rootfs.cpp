#include "runtime/rootfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <filesystem>

#include "base/atomic_file.h"
#include "base/strings.h"

namespace pier::runtime {

namespace {

uint32_t host_id(const std::vector<IdMap>& map, uint32_t id) {
  for (const auto& m : map)
    if (id >= m.container_id && id - m.container_id < m.size) return m.host_id + (id - m.container_id);
  return 65534;
}

Status make_dir(const std::string& path, mode_t mode = 0755) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return Error::system("mkdir", path, errno);
  return {};
}

}  // namespace

Result<RootfsLayout> prepare_rootfs(const ContainerSpec& spec) {
  if (spec.state_dir.empty()) return Error("container state dir is not set");
  RootfsLayout l;
  // With a user namespace the mapped root must traverse to its upper dir.
  PIER_CHECK(make_dir(spec.state_dir, spec.namespaces.user.enabled ? 0711 : 0700));
  if (spec.namespaces.user.enabled) ::chmod(spec.state_dir.c_str(), 0711);
  l.mountpoint = spec.state_dir + "/rootfs";
  l.files_dir = spec.state_dir + "/files";
  PIER_CHECK(make_dir(l.mountpoint));
  if (!spec.files.empty()) PIER_CHECK(make_dir(l.files_dir));
  // Only a mount point: the child mounts the private tmpfs on it in its own namespace.
  if (!spec.private_files.empty()) {
    l.private_dir = spec.state_dir + "/private";
    PIER_CHECK(make_dir(l.private_dir, 0700));
  }
  for (size_t i = 0; i < spec.files.size(); ++i)
    PIER_CHECK(write_file_atomic(fmt::format("{}/{}", l.files_dir, i), spec.files[i].content, 0644));
  if (spec.layers.empty()) {
    struct stat st{};
    if (::stat(spec.rootfs_dir.c_str(), &st) != 0) return Error::system("rootfs", spec.rootfs_dir, errno);
    return l;
  }
  for (const auto& layer : spec.layers)
    if (layer.find_first_of(":,") != std::string::npos)
      return Error(fmt::format("layer path `{}` contains `:` or `,`, which overlayfs cannot take", layer));
  std::string upper = spec.state_dir + "/upper", work = spec.state_dir + "/work";
  PIER_CHECK(make_dir(upper));
  PIER_CHECK(make_dir(work));
  if (spec.namespaces.user.enabled) {
    // The container's root writes the upper layer: it must own it on the host.
    uid_t uid = host_id(spec.namespaces.user.uid_map, 0);
    gid_t gid = host_id(spec.namespaces.user.gid_map, 0);
    for (const auto& dir : {upper, work})
      if (::chown(dir.c_str(), uid, gid) != 0) return Error::system("chown", dir, errno);
  }
  l.overlay_options = fmt::format("lowerdir={},upperdir={},workdir={}", join(spec.layers, ":"), upper, work);
  if (l.overlay_options.size() >= 4000)
    return Error("overlay options exceed a page").hint("use fewer or shorter layer paths");
  return l;
}

std::string read_image_file(const ContainerSpec& spec, const std::string& rel) {
  std::vector<std::string> dirs;
  if (spec.layers.empty()) {
    dirs.push_back(spec.rootfs_dir);
  } else {
    dirs.push_back(spec.state_dir + "/upper");
    dirs.insert(dirs.end(), spec.layers.begin(), spec.layers.end());
  }
  for (const auto& dir : dirs) {
    // The file is parsed as text only; O_NOFOLLOW keeps an image symlink from pointing
    // the parent at a host file.
    std::string path = dir + "/" + rel;
    if (auto text = read_file(path, 4u << 20, O_NOFOLLOW)) return std::move(*text);
  }
  return {};
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
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Error::system("remove", path, ec.value());
  return {};
}

}  // namespace pier::runtime
