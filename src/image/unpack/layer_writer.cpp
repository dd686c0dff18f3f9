#include "image/unpack/layer_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "image/limits.h"
#include "image/overlay_xattr.h"
#include "image/unpack/in_root.h"
#include "sys/user_namespace.h"

namespace pier::image {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

std::string join_parts(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += (i ? "/" : "") + parts[i];
  return out;
}

Status write_all_at(int fd, const char* data, size_t size, off_t offset, const std::string& rel) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("write", rel, errno);
    data += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return {};
}

void entry_times(archive_entry* e, struct timespec out[2]) {
  out[1].tv_sec = archive_entry_mtime(e);
  out[1].tv_nsec = archive_entry_mtime_nsec(e);
  if (archive_entry_atime_is_set(e)) {
    out[0].tv_sec = archive_entry_atime(e);
    out[0].tv_nsec = archive_entry_atime_nsec(e);
  } else {
    out[0] = out[1];
  }
}

// Inside pier's user namespace every id is one of the user's subordinate ids; an id
// past them has no owner on the host, and the kernel says only EINVAL.
Error chown_error(const std::string& rel, archive_entry* e, int err) {
  if (err != EINVAL) return Error::system("chown", rel, err);
  return Error("chown `" + rel + "` to " + std::to_string(archive_entry_uid(e)) + ":" +
               std::to_string(archive_entry_gid(e)) + ": the id is not mapped in pier's user namespace")
      .hint("a user's pier maps ids 1..N to the user's ranges in /etc/subuid and /etc/subgid: give the user "
            "a range that covers this id (docs/rootless.md)");
}

}  // namespace

LayerWriter::LayerWriter(UniqueFd root, uint64_t max_bytes, Whiteouts whiteouts)
    : root_(std::move(root)), whiteouts_(whiteouts), is_root_user_(::geteuid() == 0), max_bytes_(max_bytes) {}

Result<LayerWriter::Target> LayerWriter::open_parent(const std::vector<std::string>& parts) {
  Target t;
  t.name = parts.back();
  t.rel = join_parts(parts, parts.size());
  std::string parent_rel = join_parts(parts, parts.size() - 1);
  if (!cached_parent_ || parent_rel != cached_parent_rel_) {
    PIER_TRY(UniqueFd fd, make_dirs_in_root(root_.get(), parts, parts.size() - 1));
    cached_parent_ = std::move(fd);
    cached_parent_rel_ = parent_rel;
  }
  t.parent = UniqueFd(::fcntl(cached_parent_.get(), F_DUPFD_CLOEXEC, 0));
  if (!t.parent) return Error::system("dup directory fd", parent_rel, errno);
  return t;
}

Status LayerWriter::clear_for(const Target& t, mode_t type) {
  struct stat st {};
  if (::fstatat(t.parent.get(), t.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return {};
    return Error::system("stat", t.rel, errno);
  }
  if (S_ISDIR(st.st_mode) && type == S_IFDIR) return {};  // a duplicate dir entry updates metadata
  // Replacing anything may change what a cached parent path resolves to.
  cached_parent_.reset();
  return remove_at(t.parent.get(), t.name);
}

Status LayerWriter::set_metadata_fd(int fd, archive_entry* e, const std::string& rel) {
  if (::fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) != 0 && is_root_user_)
    return chown_error(rel, e, errno);
  archive_entry_xattr_reset(e);
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    if (is_overlay_xattr(name)) continue;  // only pier's whiteout translation writes them
    if (::fsetxattr(fd, name, value, size, 0) != 0 && errno != ENOTSUP && errno != EPERM)
      return Error::system(std::string("set xattr ") + name + " on", rel, errno);
  }
  // chmod after chown: chown clears the setuid and setgid bits.
  if (::fchmod(fd, archive_entry_perm(e) & 07777) != 0) return Error::system("chmod", rel, errno);
  return {};
}

// A regular file is charged its size from the header before anything is
// written: for a sparse file that is its apparent size, holes included. A header
// claiming more than the layer has left is refused at once, and its data blocks
// may then only fill what was admitted (checked as each block is written).
Result<uint64_t> LayerWriter::admit_bytes(archive_entry* e, const std::string& rel) {
  la_int64_t size = archive_entry_size(e);
  if (size < 0) return Error("refusing `" + rel + "`: its header gives a negative size");
  if (static_cast<uint64_t>(size) > max_bytes_ - bytes_) {
    bool sparse = archive_entry_sparse_count(e) > 0;
    return Error("refusing `" + rel + "`: its " + std::to_string(size) + " bytes" +
                 (sparse ? " (the apparent size of a sparse file)" : "") + " take the layer past " +
                 limits::byte_count(max_bytes_) + " of files, pier's limit for a layer");
  }
  bytes_ += static_cast<uint64_t>(size);
  return static_cast<uint64_t>(size);
}

Status LayerWriter::write_regular(archive* reader, archive_entry* e, const Target& t) {
  PIER_TRY(uint64_t admitted, admit_bytes(e, t.rel));
  UniqueFd fd(::openat(t.parent.get(), t.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return Error::system("create", t.rel, errno);
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  for (;;) {
    int rc = archive_read_data_block(reader, &block, &size, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) return Error("read data of `" + t.rel + "`: " + archive_error_string(reader));
    if (offset < 0 || static_cast<uint64_t>(offset) > admitted || size > admitted - static_cast<uint64_t>(offset))
      return Error("refusing `" + t.rel + "`: its data runs past the " + std::to_string(admitted) +
                   " bytes its header gives");
    PIER_CHECK(write_all_at(fd.get(), static_cast<const char*>(block), size, offset, t.rel));
  }
  // Sparse members may end in a hole.
  if (::ftruncate(fd.get(), static_cast<off_t>(admitted)) != 0) return Error::system("truncate", t.rel, errno);
  PIER_CHECK(set_metadata_fd(fd.get(), e, t.rel));
  struct timespec times[2];
  entry_times(e, times);
  if (::futimens(fd.get(), times) != 0) return Error::system("set times of", t.rel, errno);
  return {};
}

Status LayerWriter::make_directory(archive_entry* e, const Target& t, const std::vector<std::string>& parts) {
  if (::mkdirat(t.parent.get(), t.name.c_str(), 0700) != 0 && errno != EEXIST)
    return Error::system("create directory", t.rel, errno);
  UniqueFd fd(::openat(t.parent.get(), t.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return Error::system("open directory", t.rel, errno);
  PIER_CHECK(set_metadata_fd(fd.get(), e, t.rel));
  DirTimes d;
  d.parts = parts;
  entry_times(e, d.times);
  dir_times_.push_back(std::move(d));
  return {};
}

Status LayerWriter::make_hardlink(archive_entry* e, const Target& t) {
  PIER_TRY(auto target, clean_member_path(archive_entry_hardlink(e)));
  if (target.empty()) return Error("refusing hard link `" + t.rel + "` to the layer root");
  // The target is looked up inside the layer, so `/etc/passwd` means the
  // layer's own file; a target that is not there is an error, never the host's.
  std::string target_dir = target.size() > 1 ? join_parts(target, target.size() - 1) : std::string(".");
  PIER_TRY(UniqueFd target_parent, open_in_root(root_.get(), target_dir, O_PATH | O_DIRECTORY));
  if (::linkat(target_parent.get(), target.back().c_str(), t.parent.get(), t.name.c_str(), 0) != 0)
    return Error::system("hard link `" + t.rel + "` to", join_parts(target, target.size()), errno);
  return {};
}

Status LayerWriter::make_special(archive_entry* e, const Target& t) {
  mode_t type = archive_entry_filetype(e);
  if (type == AE_IFLNK) {
    if (::symlinkat(archive_entry_symlink(e), t.parent.get(), t.name.c_str()) != 0)
      return Error::system("create symlink", t.rel, errno);
  } else {
    dev_t dev = type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
    if (::mknodat(t.parent.get(), t.name.c_str(), type | (archive_entry_perm(e) & 07777), dev) != 0) {
      // A user namespace may not make device nodes, and a container of one could not open
      // them (its mounts are nodev): a user's pier leaves them out, as containers/storage
      // does rootless.
      if (errno == EPERM && type != AE_IFIFO && sys::rootless()) return {};
      return Error::system("create device node", t.rel, errno);
    }
  }
  if (::fchownat(t.parent.get(), t.name.c_str(), archive_entry_uid(e), archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) != 0 &&
      is_root_user_)
    return chown_error(t.rel, e, errno);
  if (type != AE_IFLNK && ::fchmodat(t.parent.get(), t.name.c_str(), archive_entry_perm(e) & 07777, 0) != 0)
    return Error::system("chmod", t.rel, errno);
  struct timespec times[2];
  entry_times(e, times);
  if (::utimensat(t.parent.get(), t.name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
    return Error::system("set times of", t.rel, errno);
  return {};
}

Status LayerWriter::apply_whiteout(const std::vector<std::string>& parts, const std::string& name) {
  PIER_TRY(Target t, open_parent(parts));
  if (name == kOpaqueMarker) {
    UniqueFd dir(::openat(t.parent.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::fsetxattr(dir.get(), opaque_xattr(), "y", 1, 0) != 0)
      return Error::system("mark opaque", join_parts(parts, parts.size() - 1), errno);
    return {};
  }
  if (name.starts_with(".wh..wh.")) return {};  // aufs metadata (.wh..wh.plnk etc.): not content
  t.name = name.substr(kWhiteoutPrefix.size());
  if (t.name.empty() || t.name == "." || t.name == "..") return Error("refusing whiteout `" + t.rel + "`");
  // A whiteout hides what lower layers have under that name, never what this
  // layer wrote there itself (OCI image-spec, "Whiteouts"): that stays.
  struct stat st {};
  if (::fstatat(t.parent.get(), t.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return {};
  if (errno != ENOENT) return Error::system("stat", t.rel, errno);
  // overlayfs whiteout: a 0:0 character device.
  if (::mknodat(t.parent.get(), t.name.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
    return Error::system("create whiteout", t.rel, errno);
  return {};
}

Status LayerWriter::apply(archive* reader, archive_entry* e) {
  PIER_TRY(auto parts, clean_member_path(archive_entry_pathname(e) ? archive_entry_pathname(e) : ""));
  if (parts.empty()) return {};  // "./": the layer root itself stays as pier made it
  const std::string& base = parts.back();
  if (whiteouts_ == Whiteouts::apply && base.starts_with(kWhiteoutPrefix)) return apply_whiteout(parts, base);
  PIER_TRY(Target t, open_parent(parts));
  if (archive_entry_hardlink(e)) {
    PIER_CHECK(clear_for(t, S_IFREG));
    return make_hardlink(e, t);
  }
  mode_t type = archive_entry_filetype(e);
  PIER_CHECK(clear_for(t, type));
  switch (type) {
    case AE_IFREG: return write_regular(reader, e, t);
    case AE_IFDIR: return make_directory(e, t, parts);
    case AE_IFLNK:
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
      if (type == AE_IFLNK) cached_parent_.reset();
      return make_special(e, t);
    default: return {};  // sockets and unknown types carry no content
  }
}

Status LayerWriter::finish() {
  for (auto it = dir_times_.rbegin(); it != dir_times_.rend(); ++it) {
    std::string rel = join_parts(it->parts, it->parts.size());
    auto fd = open_in_root(root_.get(), rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (!fd) continue;  // replaced by a later member
    if (::futimens(fd->get(), it->times) != 0) return Error::system("set times of", rel, errno);
  }
  return {};
}

}  // namespace pier::image
