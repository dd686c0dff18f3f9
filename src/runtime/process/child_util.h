// Async-signal-safe helpers for the cloned child: fd paths, in-root resolution, and the
// error report. Nothing here allocates, locks or formats with stdio.
#pragma once

#include <cerrno>

#include "runtime/mount/op.h"
#include "runtime/process/sync.h"

namespace pier::runtime::child {

// Reports {step, op, errno} on the sync socket and exits; errno defaults to the current one.
[[noreturn]] void fail(int sync_fd, Step step, int op = -1, int err = errno);

// "/proc/self/fd/<fd>" into buf (at least 32 bytes).
const char* fd_path(char* buf, int fd);

// Opens `abs` (a container path) relative to the rootfs fd without escaping it.
int resolve(int root, const char* abs, bool no_symlinks, int oflags);
// Like resolve, creating missing directories (and the last component as `create`).
int ensure(int root, const char* abs, Create create, bool no_symlinks);
// Opens the parent directory of `abs` (creating it) and points *name at the last component.
int open_parent(int root, const char* abs, char* buf, const char** name, bool no_symlinks);

bool write_all(int fd, const void* data, unsigned long size);
unsigned long str_len(const char* s);

}  // namespace pier::runtime::child
