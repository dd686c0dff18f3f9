// BuildContext::digest: what the layer cache compares to tell a changed COPY source
// from an unchanged one. Each field is length-prefixed so no two different entry lists
// hash the same text.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "base/unique_fd.h"
#include "builder/context/context.h"
#include "image/digest.h"
#include "image/unpack/in_root.h"

namespace pier::builder {

namespace {

void field(image::Sha256& hash, std::string_view value) {
  std::string prefix = std::to_string(value.size()) + ":";
  hash.update(prefix);
  hash.update(value);
}

char type_of(mode_t mode) {
  if (S_ISREG(mode)) return 'f';
  if (S_ISDIR(mode)) return 'd';
  if (S_ISLNK(mode)) return 'l';
  if (S_ISFIFO(mode)) return 'p';
  if (S_ISCHR(mode)) return 'c';
  if (S_ISBLK(mode)) return 'b';
  return '?';
}

// The content's own sha256, so a file's bytes need no framing.
Result<std::string> content_digest(int root, const std::string& dir, const ContextEntry& entry) {
  std::string where = entry.rel == "." ? dir : dir + "/" + entry.rel;
  auto opened = image::open_in_root(root, entry.rel, O_RDONLY | O_NOFOLLOW);
  if (!opened) return Error::system("open", where, opened.error().errnum());
  UniqueFd fd = std::move(opened).value();
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Error::system("stat", where, errno);
  if (!S_ISREG(st.st_mode)) return Error("`" + where + "` changed while the build read it (no longer a file)");
  image::Sha256 hash;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::system("read", where, errno);
    }
    if (n == 0) break;
    hash.update(buf, static_cast<size_t>(n));
  }
  return hash.finish();
}

Status hash_entry(image::Sha256& hash, int root, const std::string& dir, const ContextEntry& entry) {
  field(hash, entry.match);
  field(hash, entry.below);
  char mode[16];
  std::snprintf(mode, sizeof mode, "%c%04o", type_of(entry.mode), static_cast<unsigned>(entry.mode & 07777));
  field(hash, mode);
  if (S_ISLNK(entry.mode)) {
    char target[4096];
    ssize_t n = ::readlinkat(root, entry.rel.c_str(), target, sizeof target);
    if (n < 0) return Error::system("readlink", dir + "/" + entry.rel, errno);
    field(hash, std::string_view(target, static_cast<size_t>(n)));
  } else if (S_ISREG(entry.mode)) {
    PIER_TRY(std::string content, content_digest(root, dir, entry));
    field(hash, content);
  } else if (S_ISCHR(entry.mode) || S_ISBLK(entry.mode)) {
    struct stat st;
    if (::fstatat(root, entry.rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return Error::system("stat", dir + "/" + entry.rel, errno);
    field(hash, std::to_string(major(st.st_rdev)) + "," + std::to_string(minor(st.st_rdev)));
  }
  return {};
}

}  // namespace

Result<std::string> BuildContext::digest(const std::vector<ContextEntry>& entries) const {
  UniqueFd root(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::system("open the build context", dir_, errno);
  image::Sha256 hash;
  for (const auto& entry : entries) PIER_CHECK(hash_entry(hash, root.get(), dir_, entry));
  return hash.finish();
}

}  // namespace pier::builder
