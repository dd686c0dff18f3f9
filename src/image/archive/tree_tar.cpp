#include "image/archive/tree_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cerrno>
#include <vector>

namespace pier::image {

struct TreeTar::Impl {
  int fd = -1;
  std::string what;
  uint64_t max_bytes = 0;
  uint64_t bytes = 0;
  uint64_t entries = 0;
  archive* a = nullptr;
  Status write_error;  // from the callback, which can only say -1
  bool one_file_system = false;
  std::optional<uint64_t> top_mount;
  // The first name of each inode with more than one link, so its other names become
  // hard links, as tar writes them.
  std::map<std::pair<dev_t, ino_t>, std::string> links;
  ~Impl() {
    if (a) archive_write_free(a);
  }
};

namespace {

la_ssize_t tree_tar_write(archive*, void* data, const void* buffer, size_t size) {
  auto* impl = static_cast<TreeTar::Impl*>(data);
  const char* p = static_cast<const char*>(buffer);
  size_t left = size;
  while (left > 0) {
    ssize_t n = ::write(impl->fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      impl->write_error = Error::system("write", impl->what, errno);
      return -1;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return static_cast<la_ssize_t>(size);
}

struct TreeEntry {
  archive_entry* e = archive_entry_new();
  ~TreeEntry() { archive_entry_free(e); }
};

void fill_tree_entry(archive_entry* e, const std::string& name, const struct stat& st) {
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, st.st_mode & S_IFMT);
  archive_entry_set_perm(e, st.st_mode & 07777);
  archive_entry_set_uid(e, st.st_uid);
  archive_entry_set_gid(e, st.st_gid);
  archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

// The kernel's own filesystems in a container (its /proc, /sys, cgroups) hold no files of
// the container's: host root reading them would read kernel state, some of it the host's.
// Docker's copies never see them either (it copies from the container's rootfs and
// volumes alone), so their directories travel empty.
bool is_kernel_filesystem(int fd) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return true;
  switch (static_cast<unsigned long>(fs.f_type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case DEBUGFS_MAGIC:
    case SECURITYFS_MAGIC:
    case TRACEFS_MAGIC:
    case BPF_FS_MAGIC:
      return true;
    default:
      return false;
  }
}

std::string member_name(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "/" + name;
}

}  // namespace

TreeTar::TreeTar(TreeTar&&) noexcept = default;
TreeTar& TreeTar::operator=(TreeTar&&) noexcept = default;
TreeTar::~TreeTar() = default;

Result<TreeTar> TreeTar::to_fd(int fd, std::string what, uint64_t max_bytes) {
  TreeTar t;
  t.impl_ = std::make_unique<Impl>();
  t.impl_->fd = fd;
  t.impl_->what = std::move(what);
  t.impl_->max_bytes = max_bytes;
  t.impl_->a = archive_write_new();
  archive_write_set_format_pax_restricted(t.impl_->a);
  archive_write_set_bytes_per_block(t.impl_->a, 10240);
  if (archive_write_open2(t.impl_->a, t.impl_.get(), nullptr, tree_tar_write, nullptr, nullptr) != ARCHIVE_OK)
    return Error("write tar to " + t.impl_->what + ": " + archive_error_string(t.impl_->a));
  return t;
}

#define PIER_TAR_CHECK(call, member)                                                              \
  do {                                                                                            \
    if ((call) < ARCHIVE_WARN) {                                                                  \
      if (!impl_->write_error.ok()) return std::move(impl_->write_error).error();                  \
      return Error("write `" + (member) + "` to " + impl_->what + ": " + archive_error_string(impl_->a)); \
    }                                                                                             \
  } while (0)

void TreeTar::set_one_file_system(bool on) { impl_->one_file_system = on; }

Status TreeTar::add_tree(const sys::ContentRoot& root, std::string_view rel, const std::string& name,
                         sys::LastLink top) {
  if (impl_->one_file_system) {
    PIER_TRY(impl_->top_mount, sys::mount_id_in_root(root, rel, top));
  }
  return add(root, std::string(rel), name, top);
}

Status TreeTar::add(const sys::ContentRoot& root, const std::string& rel, const std::string& name,
                    sys::LastLink last) {
  if (++impl_->entries > limits::kMaxLayerEntries)
    return Error("refusing to copy `" + root.path + rel + "`: more than " +
                 std::to_string(limits::kMaxLayerEntries) + " files");
  PIER_TRY(struct stat st, sys::stat_in_root(root, rel, last));
  if (impl_->one_file_system) {
    PIER_TRY(uint64_t mount, sys::mount_id_in_root(root, rel, last));
    if (mount != *impl_->top_mount) {
      if (!S_ISDIR(st.st_mode)) return {};
      TreeEntry entry;
      fill_tree_entry(entry.e, name + "/", st);
      PIER_TAR_CHECK(archive_write_header(impl_->a, entry.e), name);
      return {};
    }
  }
  if (S_ISDIR(st.st_mode)) return add_directory(root, rel, name, st, last);
  if (S_ISREG(st.st_mode)) return add_regular(root, rel, name, last);
  if (S_ISSOCK(st.st_mode)) return {};  // a tar cannot hold one; Docker leaves them out too
  TreeEntry entry;
  fill_tree_entry(entry.e, name, st);
  if (S_ISLNK(st.st_mode)) {
    PIER_TRY(std::string target, sys::read_link_in_root(root, rel));
    archive_entry_set_symlink(entry.e, target.c_str());
  } else {
    // FIFOs and device nodes travel as entries; nothing here ever opens one.
    archive_entry_set_rdev(entry.e, st.st_rdev);
  }
  PIER_TAR_CHECK(archive_write_header(impl_->a, entry.e), name);
  return {};
}

Status TreeTar::add_directory(const sys::ContentRoot& root, const std::string& rel, const std::string& name,
                              const struct stat& st, sys::LastLink last) {
  if (!name.empty()) {
    TreeEntry entry;
    fill_tree_entry(entry.e, name + "/", st);
    PIER_TAR_CHECK(archive_write_header(impl_->a, entry.e), name);
  }
  PIER_TRY(UniqueFd fd, sys::open_directory_in_root(root, rel, last));
  if (is_kernel_filesystem(fd.get())) return {};
  DIR* dir = ::fdopendir(fd.get());
  if (!dir) return Error::system("list", root.path + rel, errno);
  (void)fd.release();  // the DIR owns it now
  std::vector<std::string> children;
  errno = 0;
  while (dirent* d = ::readdir(dir)) {
    std::string child = d->d_name;
    if (child != "." && child != "..") children.push_back(std::move(child));
  }
  int list_errno = errno;
  ::closedir(dir);
  if (list_errno != 0) return Error::system("list", root.path + rel, list_errno);
  std::sort(children.begin(), children.end());  // the same tree gives the same stream
  for (const auto& child : children)
    PIER_CHECK(add(root, (rel.ends_with('/') ? rel : rel + "/") + child, member_name(name, child), sys::LastLink::refuse));
  return {};
}

Status TreeTar::add_regular(const sys::ContentRoot& root, const std::string& rel, const std::string& name,
                            sys::LastLink last) {
  // The header is written from the opened inode, never from an earlier stat: what the
  // container swapped into the path meanwhile is checked again by the open.
  PIER_TRY(sys::RegularFile file, sys::open_regular_in_root(root, rel, last));
  TreeEntry entry;
  fill_tree_entry(entry.e, name, file.st);
  if (file.st.st_nlink > 1) {
    auto [it, first] = impl_->links.emplace(std::make_pair(file.st.st_dev, file.st.st_ino), name);
    if (!first) {
      archive_entry_set_hardlink(entry.e, it->second.c_str());
      archive_entry_set_size(entry.e, 0);
      PIER_TAR_CHECK(archive_write_header(impl_->a, entry.e), name);
      return {};
    }
  }
  const uint64_t size = static_cast<uint64_t>(file.st.st_size);
  if (size > impl_->max_bytes - impl_->bytes)
    return Error("refusing to copy `" + root.path + rel + "`: it takes the copy past " +
                 limits::byte_count(impl_->max_bytes) + ", pier's limit");
  impl_->bytes += size;
  archive_entry_set_size(entry.e, static_cast<la_int64_t>(size));
  PIER_TAR_CHECK(archive_write_header(impl_->a, entry.e), name);
  std::vector<char> buffer(1 << 17);
  uint64_t left = size;
  while (left > 0) {
    ssize_t n = ::read(file.fd.get(), buffer.data(), std::min<uint64_t>(left, buffer.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("read", root.path + rel, errno);
    if (n == 0) return Error("`" + root.path + rel + "` shrank while it was copied");
    PIER_TAR_CHECK(archive_write_data(impl_->a, buffer.data(), static_cast<size_t>(n)), name);
    left -= static_cast<uint64_t>(n);
  }
  return {};
}

Status TreeTar::close() {
  PIER_TAR_CHECK(archive_write_close(impl_->a), std::string("the end"));
  return {};
}

}  // namespace pier::image
