#include "sys/syscalls.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>

namespace pier::sys {

pid_t clone3(clone_args* args) {
  return static_cast<pid_t>(::syscall(SYS_clone3, args, sizeof(clone_args)));
}

pid_t clone_with(uint64_t flags, int* pidfd_out, int exit_signal, int cgroup_fd) {
  clone_args args{};
  args.flags = flags;
  args.exit_signal = static_cast<uint64_t>(exit_signal);
  if (pidfd_out != nullptr) {
    args.flags |= CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(pidfd_out);
  }
  if (cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<uint64_t>(cgroup_fd);
  }
  return clone3(&args);
}

int pidfd_open(pid_t pid, unsigned flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}

int pidfd_send_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

int pivot_root(const char* new_root, const char* put_old) {
  return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}

int close_range(unsigned first, unsigned last, unsigned flags) {
  return static_cast<int>(::syscall(SYS_close_range, first, last, flags));
}

int mount_setattr(int dirfd, const char* path, unsigned flags, MountAttr* attr) {
  return static_cast<int>(::syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof(MountAttr)));
}

int openat2(int dirfd, const char* path, OpenHow* how) {
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, how, sizeof(OpenHow)));
}

int open_tree(int dirfd, const char* path, unsigned flags) {
  return static_cast<int>(::syscall(SYS_open_tree, dirfd, path, flags));
}

int move_mount(int from_dirfd, const char* from_path, int to_dirfd, const char* to_path, unsigned flags) {
  return static_cast<int>(::syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags));
}

int fsopen(const char* fs_name, unsigned flags) {
  return static_cast<int>(::syscall(SYS_fsopen, fs_name, flags));
}

int fsconfig(int fs_fd, unsigned cmd, const char* key, const void* value, int aux) {
  return static_cast<int>(::syscall(SYS_fsconfig, fs_fd, cmd, key, value, aux));
}

int fsmount(int fs_fd, unsigned flags, unsigned attr_flags) {
  return static_cast<int>(::syscall(SYS_fsmount, fs_fd, flags, attr_flags));
}

}  // namespace pier::sys
