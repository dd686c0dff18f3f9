// One row of the mount table. The parent builds the whole table before clone (design
// rule 2); the child executes it row by row with raw syscalls, relative to the rootfs fd.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace pier::runtime {

enum class OpKind {
  mount,     // mount(source, target, fstype, flags, data): a fresh filesystem
  // bind a host path (source), or `subpath` beneath it, onto target; flags may add
  // MS_RDONLY (recursive with MS_REC); `propagation` is set on the new mount
  bind,
  bind_in,   // bind a path *inside* the rootfs (source, relative) onto target
  mask,      // bind the container's /dev/null over a file, or a ro tmpfs over a dir
  readonly,  // bind target onto itself, then remount ro,nosuid,nodev,noexec
  mknod,     // a device node (mode includes S_IFCHR/S_IFBLK)
  symlink,   // target -> source
  mkdir,     // create a directory (e.g. the working dir)
  write,     // write data into an existing file (namespaced sysctls)
  // Secrets and configs. private_fs mounts a tmpfs on `source`, a host directory outside
  // the rootfs: the mount exists only in the container's mount namespace and leaves its
  // view with the old root after pivot_root. Each private_file writes `data` as the file
  // `source` there (uid, gid, mode), then binds that file read-only onto target.
  private_fs,
  private_file,
  // An image mount: a read-only overlay (`data`: its options) mounted on `source`, a host
  // directory outside the rootfs, in the container's mount namespace only (it leaves the
  // container's view with the old root); then `subpath` of it, looked up with the image
  // as its root, is bound read-only onto target.
  image,
};

enum class Create { none, dir, file };

struct MountOp {
  OpKind kind = OpKind::mount;
  std::string source;
  std::string target;  // absolute, as seen inside the container
  std::string fstype;
  unsigned long flags = 0;
  std::string data;
  // bind: a path inside `source` (a volume another container may write to), resolved by
  // the child beneath `source` by fd, never as a host path: a symlink that leaves the
  // volume fails the mount with EXDEV.
  std::string subpath;
  // bind: MS_SHARED, MS_SLAVE or MS_PRIVATE, with MS_REC for the whole tree; 0 keeps what
  // the clone inherits.
  unsigned long propagation = 0;
  Create create = Create::none;
  bool optional = false;     // a missing target is skipped (masked paths the kernel lacks)
  bool no_symlinks = false;  // refuse a symlink anywhere in target (API filesystems)
  mode_t mode = 0;
  dev_t dev = 0;
  uid_t uid = 0;  // private_file, mknod: the owner
  gid_t gid = 0;
  std::string image;  // image: the image's name, for messages
};

using MountTable = std::vector<MountOp>;

// "mount proc -> /proc", "bind /data -> /var/lib/db": how errors and the debug log name a row.
std::string describe(const MountOp& op);
const char* kind_name(OpKind kind);
// How to fix row `op` failing with `err` in the child, or "" when errno says it all.
std::string failure_hint(const MountOp& op, int err);
// One row per line, numbered, with fstype, options and flags: what `--log-level debug`
// prints for each container the process starts (build_plan).
std::string format_table(const MountTable& table);

}  // namespace pier::runtime
