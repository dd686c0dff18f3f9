#include "builder/executor/layer_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <vector>

#include "base/unique_fd.h"
#include "image/overlay_xattr.h"
#include "sys/in_root.h"

namespace pier::builder {

struct LayerTar::Impl {
  std::optional<image::BlobWriter> blob;
  archive* a = nullptr;
  Status write_error;  // from the callback
  bool closed = false;
  ~Impl() {
    if (a) archive_write_free(a);
  }
};

namespace {

la_ssize_t write_cb(archive*, void* data, const void* buf, size_t len) {
  auto* impl = static_cast<LayerTar::Impl*>(data);
  if (auto st = impl->blob->write(buf, len); !st) {
    impl->write_error = std::move(st);
    return -1;
  }
  return static_cast<la_ssize_t>(len);
}

int close_cb(archive*, void*) { return ARCHIVE_OK; }

struct EntryPtr {
  archive_entry* e = archive_entry_new();
  ~EntryPtr() { archive_entry_free(e); }
};

}  // namespace

LayerTar::LayerTar(LayerTar&&) noexcept = default;
LayerTar::~LayerTar() = default;

Result<LayerTar> LayerTar::create(const image::Store& store) {
  LayerTar t;
  t.impl_ = std::make_unique<Impl>();
  PIER_TRY(auto blob, store.new_blob());
  t.impl_->blob.emplace(std::move(blob));
  t.impl_->a = archive_write_new();
  archive_write_set_format_pax_restricted(t.impl_->a);
  archive_write_set_bytes_per_block(t.impl_->a, 10240);
  if (archive_write_open2(t.impl_->a, t.impl_.get(), nullptr, write_cb, close_cb, nullptr) != ARCHIVE_OK)
    return Error(std::string("layer tar: ") + archive_error_string(t.impl_->a));
  return t;
}

#define PIER_ARCHIVE_CHECK(call, what)                                                               \
  do {                                                                                              \
    if ((call) < ARCHIVE_WARN) {                                                                     \
      if (!impl_->write_error.ok()) return std::move(impl_->write_error).error();                            \
      return Error(std::string("layer tar: ") + (what) + ": " + archive_error_string(impl_->a));     \
    }                                                                                               \
  } while (0)

namespace {
void fill(archive_entry* e, const std::string& path, mode_t type, mode_t perm, uid_t uid, gid_t gid, int64_t mtime) {
  archive_entry_set_pathname(e, path.c_str());
  archive_entry_set_filetype(e, type);
  archive_entry_set_perm(e, perm & 07777);
  archive_entry_set_uid(e, uid);
  archive_entry_set_gid(e, gid);
  archive_entry_set_mtime(e, mtime, 0);
}
}  // namespace

Status LayerTar::add_dir(const std::string& path, mode_t perm, uid_t uid, gid_t gid, int64_t mtime) {
  EntryPtr e;
  fill(e.e, path.empty() ? "./" : path + "/", AE_IFDIR, perm, uid, gid, mtime);
  PIER_ARCHIVE_CHECK(archive_write_header(impl_->a, e.e), path);
  return {};
}

Status LayerTar::add_data(const std::string& path, const std::string& data, mode_t perm, uid_t uid, gid_t gid,
                          int64_t mtime) {
  EntryPtr e;
  fill(e.e, path, AE_IFREG, perm, uid, gid, mtime);
  archive_entry_set_size(e.e, static_cast<la_int64_t>(data.size()));
  PIER_ARCHIVE_CHECK(archive_write_header(impl_->a, e.e), path);
  if (!data.empty()) PIER_ARCHIVE_CHECK(archive_write_data(impl_->a, data.data(), data.size()), path);
  return {};
}

Status LayerTar::add_file(const std::string& path, int fd, int64_t size, mode_t perm, uid_t uid, gid_t gid,
                          int64_t mtime, const std::string& what) {
  EntryPtr e;
  fill(e.e, path, AE_IFREG, perm, uid, gid, mtime);
  archive_entry_set_size(e.e, size);
  PIER_ARCHIVE_CHECK(archive_write_header(impl_->a, e.e), path);
  std::vector<char> buf(1 << 17);
  int64_t left = size;
  while (left > 0) {
    ssize_t n = ::read(fd, buf.data(), static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(buf.size()))));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("read", what, errno);
    if (n == 0) return Error("`" + what + "` shrank while the build read it");
    PIER_ARCHIVE_CHECK(archive_write_data(impl_->a, buf.data(), static_cast<size_t>(n)), path);
    left -= n;
  }
  return {};
}

Status LayerTar::add_symlink(const std::string& path, const std::string& target, uid_t uid, gid_t gid,
                             int64_t mtime) {
  EntryPtr e;
  fill(e.e, path, AE_IFLNK, 0777, uid, gid, mtime);
  archive_entry_set_symlink(e.e, target.c_str());
  PIER_ARCHIVE_CHECK(archive_write_header(impl_->a, e.e), path);
  return {};
}

Status LayerTar::add_hardlink(const std::string& path, const std::string& target) {
  EntryPtr e;
  archive_entry_set_pathname(e.e, path.c_str());
  archive_entry_set_hardlink(e.e, target.c_str());
  archive_entry_set_size(e.e, 0);
  PIER_ARCHIVE_CHECK(archive_write_header(impl_->a, e.e), path);
  return {};
}

Status LayerTar::add_special(const std::string& path, const struct stat& st) {
  EntryPtr e;
  mode_t type = S_ISCHR(st.st_mode) ? AE_IFCHR : S_ISBLK(st.st_mode) ? AE_IFBLK : AE_IFIFO;
  fill(e.e, path, type, st.st_mode, st.st_uid, st.st_gid, st.st_mtim.tv_sec);
  if (type != AE_IFIFO) archive_entry_set_rdev(e.e, st.st_rdev);
  PIER_ARCHIVE_CHECK(archive_write_header(impl_->a, e.e), path);
  return {};
}

Status LayerTar::add_whiteout(const std::string& path) {
  auto slash = path.rfind('/');
  std::string wh = slash == std::string::npos ? ".wh." + path : path.substr(0, slash + 1) + ".wh." + path.substr(slash + 1);
  return add_data(wh, "", 0, 0, 0, 0);
}

Status LayerTar::add_opaque(const std::string& dir) {
  return add_data(dir.empty() ? ".wh..wh..opq" : dir + "/.wh..wh..opq", "", 0, 0, 0, 0);
}

namespace {

bool opaque_dir(int fd) {
  char v[4] = {};
  ssize_t n = ::fgetxattr(fd, image::opaque_xattr(), v, sizeof v);
  return n >= 1 && (v[0] == 'y' || v[0] == 'x');
}

Result<std::vector<std::string>> sorted_names(int dir_fd, const std::string& where) {
  int dup = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return Error::system("dup", where, errno);
  DIR* d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return Error::system("opendir", where, errno);
  }
  std::vector<std::string> names;
  while (auto* ent = ::readdir(d)) {
    std::string n = ent->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

// Walks the upper dir with *at() calls (no path is followed through a symlink).
Status LayerTar::add_upper_dir(const std::string& upper) {
  std::map<std::pair<dev_t, ino_t>, std::string> links;
  struct Frame { UniqueFd fd; std::string rel; };
  std::vector<Frame> stack;
  UniqueFd root(::open(upper.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root) return Error::system("open", upper, errno);
  // The RUN step wrote this tree: its files are read as any container content is.
  PIER_TRY(sys::ContentRoot content, sys::ContentRoot::open(upper));
  if (opaque_dir(root.get())) PIER_CHECK(add_opaque(""));
  stack.push_back({std::move(root), ""});
  while (!stack.empty()) {
    Frame frame = std::move(stack.back());
    stack.pop_back();
    PIER_TRY(auto names, sorted_names(frame.fd.get(), upper + "/" + frame.rel));
    std::vector<Frame> subdirs;
    for (const auto& name : names) {
      std::string rel = frame.rel.empty() ? name : frame.rel + "/" + name;
      struct stat st {};
      if (::fstatat(frame.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return Error::system("stat", upper + "/" + rel, errno);
      if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
        PIER_CHECK(add_whiteout(rel));
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        UniqueFd sub(::openat(frame.fd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) return Error::system("open", upper + "/" + rel, errno);
        PIER_CHECK(add_dir(rel, st.st_mode, st.st_uid, st.st_gid, st.st_mtim.tv_sec));
        if (opaque_dir(sub.get())) PIER_CHECK(add_opaque(rel));
        subdirs.push_back({std::move(sub), rel});
        continue;
      }
      if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
        auto key = std::make_pair(st.st_dev, st.st_ino);
        auto it = links.find(key);
        if (it != links.end()) {
          PIER_CHECK(add_hardlink(rel, it->second));
          continue;
        }
        links[key] = rel;
      }
      if (S_ISREG(st.st_mode)) {
        PIER_TRY(sys::RegularFile f, sys::open_regular_in_root(content, rel, sys::LastLink::refuse));
        PIER_CHECK(add_file(rel, f.fd.get(), f.st.st_size, f.st.st_mode, f.st.st_uid, f.st.st_gid,
                            f.st.st_mtim.tv_sec, upper + "/" + rel));
      } else if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(frame.fd.get(), name.c_str(), target.data(), target.size());
        if (n < 0) return Error::system("readlink", upper + "/" + rel, errno);
        target.resize(static_cast<size_t>(n));
        PIER_CHECK(add_symlink(rel, target, st.st_uid, st.st_gid, st.st_mtim.tv_sec));
      } else if (S_ISSOCK(st.st_mode)) {
        continue;  // a socket left by a RUN step is not content
      } else {
        PIER_CHECK(add_special(rel, st));
      }
    }
    // Depth first in name order: push in reverse so the first name comes out first.
    for (auto it = subdirs.rbegin(); it != subdirs.rend(); ++it) stack.push_back(std::move(*it));
  }
  return {};
}

Result<LayerBlob> LayerTar::commit() {
  if (archive_write_close(impl_->a) != ARCHIVE_OK) {
    if (!impl_->write_error.ok()) return std::move(impl_->write_error).error();
    return Error(std::string("layer tar: ") + archive_error_string(impl_->a));
  }
  LayerBlob out;
  out.size = impl_->blob->size();
  PIER_TRY(out.digest, impl_->blob->commit({}));
  return out;
}

}  // namespace pier::builder
