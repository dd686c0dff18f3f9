#include "rootless/namespace_use.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "base/unique_fd.h"

namespace pier::rootless {
namespace {

bool same_inode(const struct stat& a, const struct stat& b) { return a.st_ino == b.st_ino && a.st_dev == b.st_dev; }

// Walks up from the user namespace `fd` names; true when `ours` is an ancestor. The
// walk ends with EPERM at the top of what this process may see.
bool nested_in(UniqueFd fd, const struct stat& ours) {
  for (int depth = 0; depth < 32; ++depth) {
    UniqueFd parent(::ioctl(fd.get(), NS_GET_PARENT));
    if (!parent) return false;
    struct stat st {};
    if (::fstat(parent.get(), &st) != 0) return false;
    if (same_inode(st, ours)) return true;
    fd = std::move(parent);
  }
  return false;
}

}  // namespace

bool namespace_in_use(pid_t self) {
  struct stat ours {};
  if (::stat("/proc/self/ns/user", &ours) != 0) return true;  // cannot tell: stay
  DIR* proc = ::opendir("/proc");
  if (!proc) return true;
  bool used = false;
  while (struct dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == self) continue;
    std::string path = std::string("/proc/") + entry->d_name + "/ns/user";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;  // gone, or not ours to look at
    if (same_inode(st, ours)) {
      used = true;
      break;
    }
    UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (ns && nested_in(std::move(ns), ours)) {
      used = true;
      break;
    }
  }
  ::closedir(proc);
  return used;
}

}  // namespace pier::rootless
