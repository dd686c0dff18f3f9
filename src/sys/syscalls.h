// Thin wrappers of the syscalls glibc 2.36 lacks or hides. Each returns what the
// kernel returns (-1 and errno on failure) and is async-signal-safe, so the cloned
// child may call them (design rule 1).
#pragma once

#include <linux/sched.h>
#include <sys/types.h>

#include <cstdint>

namespace pier::sys {

// clone3 without a new stack: the child returns 0 on a copy of the caller's stack, like
// fork, but without glibc's atfork handlers (which may take locks another thread holds).
pid_t clone3(clone_args* args);
// Plain fork-like clone3 with extra flags and an optional pidfd out; returns like fork.
pid_t clone_with(uint64_t flags, int* pidfd_out, int exit_signal, int cgroup_fd = -1);

int pidfd_open(pid_t pid, unsigned flags = 0);
int pidfd_send_signal(int pidfd, int sig);
int pivot_root(const char* new_root, const char* put_old);
int close_range(unsigned first, unsigned last, unsigned flags);

struct MountAttr {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};
int mount_setattr(int dirfd, const char* path, unsigned flags, MountAttr* attr);

struct OpenHow {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
int openat2(int dirfd, const char* path, OpenHow* how);

// The new mount API: open_tree(OPEN_TREE_CLONE) makes a detached copy of a mount (tree)
// that mount_setattr can change before move_mount attaches it, so its attributes never
// depend on a second lookup of the target path.
int open_tree(int dirfd, const char* path, unsigned flags);
int move_mount(int from_dirfd, const char* from_path, int to_dirfd, const char* to_path, unsigned flags);
// fsopen/fsconfig/fsmount make mounts that are never attached anywhere (sealed_exe.cpp).
int fsopen(const char* fs_name, unsigned flags);
int fsconfig(int fs_fd, unsigned cmd, const char* key, const void* value, int aux);
int fsmount(int fs_fd, unsigned flags, unsigned attr_flags);

}  // namespace pier::sys
