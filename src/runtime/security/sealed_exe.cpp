#include "runtime/security/sealed_exe.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/atomic_file.h"
#include "sys/syscalls.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000U
#endif

extern char** environ;

namespace pier::runtime {
namespace {

constexpr const char* kSelfExe = "/proc/self/exe";
// Set across the re-exec only: a process that finds it set but runs from no sealed copy
// stops there instead of re-executing forever.
constexpr const char* kReexecGuard = "PIER_SEALED_REEXEC";
constexpr int kMemfdSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
constexpr unsigned kMfdExec = 0x10;  // MFD_EXEC (Linux 6.3): executable under vm.memfd_noexec=1

// Whether the mount holding `fd` is part of this process's mount namespace. The sealed
// overlay never is; the file system a user installed pier on always is.
bool mount_attached(int fd) {
  struct statx sx {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) != 0 || !(sx.stx_mask & STATX_MNT_ID)) return true;
  auto mountinfo = read_file("/proc/self/mountinfo");
  if (!mountinfo) return true;
  const std::string id = std::to_string(sx.stx_mnt_id) + " ";
  for (size_t line = 0; line < mountinfo->size();) {
    if (mountinfo->compare(line, id.size(), id) == 0) return true;
    size_t end = mountinfo->find('\n', line);
    if (end == std::string::npos) break;
    line = end + 1;
  }
  return false;
}

bool is_sealed(int fd) {
  int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals >= 0) return (seals & kMemfdSeals) == kMemfdSeals;
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return false;
  return fs.f_type == OVERLAYFS_SUPER_MAGIC && (fs.f_flags & ST_RDONLY) && !mount_attached(fd);
}

Result<UniqueFd> detached_mount(const char* fs_name, const std::vector<int>& lower_layers) {
  UniqueFd ctx(sys::fsopen(fs_name, FSOPEN_CLOEXEC));
  if (!ctx) return Error::system("fsopen", fs_name, errno);
  for (int layer : lower_layers)
    if (sys::fsconfig(ctx.get(), FSCONFIG_SET_FD, "lowerdir+", nullptr, layer) != 0)
      return Error::system("fsconfig lowerdir+", fs_name, errno).hint("needs Linux 6.8 or later");
  // Layers on different file systems would turn on xino, which pier has no use for.
  if (!lower_layers.empty()) (void)sys::fsconfig(ctx.get(), FSCONFIG_SET_STRING, "xino", "off", 0);
  if (sys::fsconfig(ctx.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    return Error::system("fsconfig create", fs_name, errno);
  UniqueFd mnt(sys::fsmount(ctx.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID));
  if (!mnt) return Error::system("fsmount", fs_name, errno);
  return mnt;
}

bool same_file_content(int a, int b) {
  struct statx sa {}, sb {};
  if (::statx(a, "", AT_EMPTY_PATH, STATX_SIZE | STATX_MTIME, &sa) != 0 ||
      ::statx(b, "", AT_EMPTY_PATH, STATX_SIZE | STATX_MTIME, &sb) != 0)
    return false;
  return sa.stx_size == sb.stx_size && sa.stx_mtime.tv_sec == sb.stx_mtime.tv_sec &&
         sa.stx_mtime.tv_nsec == sb.stx_mtime.tv_nsec;
}

// The binary through a read-only overlay of its own directory over an empty tmpfs
// (overlayfs wants two layers when it has no upper one), or `sibling`, another file of
// that directory. Both mounts stay detached; the returned O_PATH handle keeps them
// alive. Their own handles go to `mounts` when given, else they close here.
Result<UniqueFd> sealed_overlay(int self, std::vector<UniqueFd>* mounts, const std::string& sibling = "") {
  char target[4096];
  ssize_t n = ::readlink(kSelfExe, target, sizeof target - 1);
  if (n <= 0) return Error::system("readlink", kSelfExe, errno);
  std::string path(target, static_cast<size_t>(n));
  size_t slash = path.rfind('/');
  if (path[0] != '/' || slash == std::string::npos || path.ends_with(" (deleted)"))
    return Error("the pier binary `" + path + "` is not reachable by its path");
  std::string dir = slash == 0 ? "/" : path.substr(0, slash), name = path.substr(slash + 1);
  UniqueFd dir_fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return Error::system("open", dir, errno);
  if (!sibling.empty()) {
    // Looked up before anything is mounted: most installs have none.
    struct stat st {};
    if (::fstatat(dir_fd.get(), sibling.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return Error::system("find", dir + "/" + sibling, errno);
    if (!S_ISREG(st.st_mode)) return Error("`" + dir + "/" + sibling + "` is not a regular file");
    name = sibling;
  }
  PIER_TRY(UniqueFd empty, detached_mount("tmpfs", {}));
  PIER_TRY(UniqueFd overlay, detached_mount("overlay", {dir_fd.get(), empty.get()}));
  UniqueFd exe(::openat(overlay.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!exe) return Error::system("open through a sealed overlay", dir + "/" + name, errno);
  // The file at that path may have been replaced since this process started.
  if (sibling.empty() && !same_file_content(self, exe.get())) return Error("`" + path + "` changed since pier started");
  if (mounts) {
    mounts->push_back(std::move(overlay));
    mounts->push_back(std::move(empty));
  }
  return exe;
}

Result<UniqueFd> sealed_memfd_copy(int self) {
  struct stat st {};
  if (::fstat(self, &st) != 0) return Error::system("stat", kSelfExe, errno);
  UniqueFd copy(::memfd_create("pier-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING | kMfdExec));
  if (!copy && errno == EINVAL) copy.reset(::memfd_create("pier-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!copy) return Error::system("memfd_create", "pier-sealed", errno);
  off_t offset = 0;
  while (offset < st.st_size) {
    ssize_t sent = ::sendfile(copy.get(), self, &offset, static_cast<size_t>(st.st_size - offset));
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return Error::system("copy the pier binary into a memfd", kSelfExe, sent < 0 ? errno : EIO);
  }
  if (::fchmod(copy.get(), 0555) != 0 || ::fcntl(copy.get(), F_ADD_SEALS, kMemfdSeals) != 0)
    return Error::system("seal the memfd copy of", kSelfExe, errno);
  return copy;
}

Result<std::vector<std::string>> own_argv() {
  PIER_TRY(std::string cmdline, read_file("/proc/self/cmdline"));
  std::vector<std::string> argv;
  for (size_t start = 0; start < cmdline.size();) {
    size_t end = cmdline.find('\0', start);
    if (end == std::string::npos) end = cmdline.size();
    argv.push_back(cmdline.substr(start, end - start));
    start = end + 1;
  }
  if (argv.empty()) return Error("read /proc/self/cmdline: empty");
  return argv;
}

}  // namespace

bool runs_from_sealed_exe() {
  UniqueFd self(::open(kSelfExe, O_RDONLY | O_CLOEXEC));
  return self && is_sealed(self.get());
}

Result<UniqueFd> open_sealed_exe(std::vector<UniqueFd>* mounts) {
  UniqueFd self(::open(kSelfExe, O_RDONLY | O_CLOEXEC));
  if (!self) return Error::system("open", kSelfExe, errno);
  if (is_sealed(self.get())) return self;
  if (auto overlay = sealed_overlay(self.get(), mounts)) return std::move(*overlay);
  return sealed_memfd_copy(self.get());
}

Result<UniqueFd> open_sealed_sibling(const std::string& name, std::vector<UniqueFd>* mounts) {
  UniqueFd self(::open(kSelfExe, O_RDONLY | O_CLOEXEC));
  if (!self) return Error::system("open", kSelfExe, errno);
  if (is_sealed(self.get())) return Error("pier runs from a sealed copy: its directory is not known");
  return sealed_overlay(self.get(), mounts, name);
}

bool reexecuted_for_sealing() { return std::getenv(kReexecGuard) != nullptr; }

Status reexec_sealed() {
  if (runs_from_sealed_exe()) {
    ::unsetenv(kReexecGuard);
    return {};
  }
  if (std::getenv(kReexecGuard))
    return Error("pier re-executed itself from a sealed copy but does not run from one");
  PIER_TRY(UniqueFd exe, open_sealed_exe());
  PIER_TRY(std::vector<std::string> args, own_argv());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::setenv(kReexecGuard, "1", 1);
  ::execveat(exe.get(), "", argv.data(), environ, AT_EMPTY_PATH);
  int err = errno;
  ::unsetenv(kReexecGuard);
  return Error::system("execute a sealed copy of", kSelfExe, err);
}

}  // namespace pier::runtime
