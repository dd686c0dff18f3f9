#include "rootless/private_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace pier::rootless {
namespace {

std::string octal(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace

Result<bool> ensure_private_dir(const std::string& path) {
  // mkdir never follows a symlink at `path`: a name someone else made first is EEXIST,
  // and then checked below.
  bool created = ::mkdir(path.c_str(), 0700) == 0;
  if (!created && errno != EEXIST) return Error::system("create directory", path, errno);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return Error::system("stat", path, errno);
  auto refuse = [&](const std::string& why) {
    return Error("refusing pier's run directory `" + path + "`: " + why)
        .hint("another local user may have made it to read or redirect pier's state; remove it, or set "
              "XDG_RUNTIME_DIR to a private directory");
  };
  if (S_ISLNK(st.st_mode)) return refuse("it is a symbolic link");
  if (!S_ISDIR(st.st_mode)) return refuse("it is not a directory");
  if (st.st_uid != ::geteuid())
    return refuse("it is owned by uid " + std::to_string(st.st_uid) + ", not by uid " + std::to_string(::geteuid()));
  if ((st.st_mode & 07777) != 0700) return refuse("its mode is " + octal(st.st_mode) + ", not 0700");
  return created;
}

}  // namespace pier::rootless
