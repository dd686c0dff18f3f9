// Child side: mounts the rootfs, walks the mount table, pivots. Each row failing reports
// its index so the parent can print "mount /data -> /var/lib/db: <reason>".
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <climits>

#include "runtime/process/child_util.h"
#include "runtime/process/plan.h"
#include "sys/syscalls.h"

namespace pier::runtime::child {

namespace {

struct Ctx {
  const ContainerPlan& plan;
  int root;
  int index;
  int* private_dir;  // the private tmpfs once private_fs has mounted it, else -1
  [[noreturn]] void die(int err = errno) const { fail(plan.sync_fd, Step::mount_op, index, err); }
};

// Clones the mount at `source` (a whole tree when `recursive`), sets `attrs` on the
// copy while it is still detached, attaches it on `target`, then sets `propagation`
// through the same fd, which now names the attached mount. Both fds were resolved once;
// nothing looks a path up again after the mount, so a container that swaps a symlink
// along the target meanwhile cannot send the read-only flag or the propagation elsewhere.
int bind_tree(int source, int target, bool recursive, uint64_t attrs, unsigned long propagation) {
  // move_mount says EINVAL for a directory over a file; say what mount(2) says.
  struct stat from{}, to{};
  if (source != target) {
    if (::fstat(source, &from) < 0 || ::fstat(target, &to) < 0) return -1;
    if (S_ISDIR(from.st_mode) != S_ISDIR(to.st_mode)) {
      errno = ENOTDIR;
      return -1;
    }
  }
  const unsigned rec = recursive ? AT_RECURSIVE : 0;
  int tree = sys::open_tree(source, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
  if (tree < 0) return -1;
  sys::MountAttr set{attrs, 0, 0, 0};
  sys::MountAttr prop{0, 0, propagation & ~MS_REC, 0};
  int rc = 0;
  if (attrs) rc = sys::mount_setattr(tree, "", AT_EMPTY_PATH | rec, &set);
  if (rc == 0) rc = sys::move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
  if (rc == 0 && propagation)
    rc = sys::mount_setattr(tree, "", AT_EMPTY_PATH | ((propagation & MS_REC) ? AT_RECURSIVE : 0), &prop);
  int saved = errno;
  ::close(tree);
  errno = saved;
  return rc;
}

// A bind's source. A subpath is looked up by the child beneath the volume's fd, not by
// the parent before clone: an fd the parent opened names a mount of the host's
// namespace, which open_tree refuses to clone from inside the child's new one. BENEATH
// rather than IN_ROOT: a link out of the volume is refused (EXDEV), not reinterpreted.
int open_source(const MountOp& op) {
  if (op.subpath.empty()) return ::open(op.source.c_str(), O_PATH | O_CLOEXEC);
  int volume = ::open(op.source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (volume < 0) return -1;
  sys::OpenHow how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int fd;
  do fd = sys::openat2(volume, op.subpath.c_str(), &how);
  while (fd < 0 && errno == EAGAIN);  // a rename raced the lookup
  int saved = errno;
  ::close(volume);
  errno = saved;
  return fd;
}

void do_mount(const Ctx& c, const MountOp& op) {
  char p[32];
  int fd = ensure(c.root, op.target.c_str(), op.create, op.no_symlinks);
  if (fd < 0) c.die();
  if (::mount(op.source.c_str(), fd_path(p, fd), op.fstype.c_str(), op.flags, op.data.c_str()) < 0) c.die();
  ::close(fd);
}

// Read-only binds are recursively read-only with MS_REC (Docker's `rro`). A bind never
// lands on procfs: /proc is refused by name before clone, and a symlink on the target's
// path (in a volume another container writes) must not lead there either, where it
// would cover the kernel's files with the container's (runc's checkProcMount).
void do_bind(const Ctx& c, const MountOp& op) {
  int source = open_source(op);
  if (source < 0) c.die();
  int target = ensure(c.root, op.target.c_str(), op.create, op.no_symlinks);
  if (target < 0) c.die();
  struct statfs fs{};
  if (::fstatfs(target, &fs) < 0) c.die();
  if (fs.f_type == PROC_SUPER_MAGIC) fail(c.plan.sync_fd, Step::bind_into_proc, c.index, EPERM);
  const uint64_t attrs = ((op.flags & MS_RDONLY) ? MOUNT_ATTR_RDONLY : 0) | ((op.flags & MS_NOSUID) ? MOUNT_ATTR_NOSUID : 0) |
                         ((op.flags & MS_NODEV) ? MOUNT_ATTR_NODEV : 0) | ((op.flags & MS_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0);
  if (bind_tree(source, target, op.flags & MS_REC, attrs, op.propagation) < 0) c.die();
  ::close(source);
  ::close(target);
}

// An image mount. The overlay of the image's layers goes on a host directory, in this
// namespace only (like the private tmpfs); the subpath is then looked up with the
// overlay as the root, so a symlink in the image (absolute, or with `..`) resolves
// inside the image as it would in a container of that image, never on the host. The
// target becomes a file when the subpath is one.
void do_image(const Ctx& c, const MountOp& op) {
  char p[32];
  int dir = ::open(op.source.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0 || ::mount("overlay", fd_path(p, dir), "overlay", op.flags, op.data.c_str()) < 0) c.die();
  ::close(dir);
  int image = ::open(op.source.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (image < 0) c.die();
  int source = op.subpath.empty() ? image : resolve(image, op.subpath.c_str(), false, O_PATH);
  if (source < 0) c.die();
  struct stat st{};
  if (::fstat(source, &st) < 0) c.die();
  Create create = S_ISDIR(st.st_mode) ? Create::dir : Create::file;
  int target = ensure(c.root, op.target.c_str(), create, op.no_symlinks);
  if (target < 0) c.die();
  struct statfs fs{};
  if (::fstatfs(target, &fs) < 0) c.die();
  if (fs.f_type == PROC_SUPER_MAGIC) fail(c.plan.sync_fd, Step::bind_into_proc, c.index, EPERM);
  if (bind_tree(source, target, true, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, op.propagation) < 0)
    c.die();
  if (source != image) ::close(source);
  ::close(image);
  ::close(target);
}

void do_mask(const Ctx& c, const MountOp& op) {
  char p[32], q[32];
  int fd = resolve(c.root, op.target.c_str(), op.no_symlinks, O_PATH);
  if (fd < 0) {
    if (errno == ENOENT && op.optional) return;
    c.die();
  }
  struct stat st{};
  if (::fstat(fd, &st) < 0) c.die();
  if (S_ISDIR(st.st_mode)) {
    if (::mount("tmpfs", fd_path(p, fd), "tmpfs", MS_RDONLY, "size=0") < 0) c.die();
  } else {
    // Only ever our own /dev/null: a char device 1:3 (runc verifyDevNull, CVE-2025-31133).
    int null_fd = resolve(c.root, "/dev/null", true, O_PATH);
    struct stat ns{};
    if (null_fd < 0 || ::fstat(null_fd, &ns) < 0) c.die();
    if (!S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3)) c.die(EPERM);
    if (::mount(fd_path(q, null_fd), fd_path(p, fd), nullptr, MS_BIND, nullptr) < 0) c.die();
    ::close(null_fd);
  }
  ::close(fd);
}

void do_readonly(const Ctx& c, const MountOp& op) {
  int fd = resolve(c.root, op.target.c_str(), op.no_symlinks, O_PATH);
  if (fd < 0) {
    if (errno == ENOENT && op.optional) return;
    c.die();
  }
  if (bind_tree(fd, fd, true, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0) < 0)
    c.die();
  ::close(fd);
}

void do_node(const Ctx& c, const MountOp& op) {
  char buf[PATH_MAX];
  const char* name = nullptr;
  int dir = open_parent(c.root, op.target.c_str(), buf, &name, op.no_symlinks);
  if (dir < 0) c.die();
  int rc = 0;
  if (op.kind == OpKind::mknod) {
    rc = ::mknodat(dir, name, op.mode, op.dev);
    // A node pier made takes the host node's owner (runc's createDeviceNode), so a
    // group_add of the host's audio or video gid opens it; an existing one is left alone.
    if (rc == 0 && (op.uid != 0 || op.gid != 0)) rc = ::fchownat(dir, name, op.uid, op.gid, AT_SYMLINK_NOFOLLOW);
    else if (rc < 0 && errno == EEXIST && op.optional) rc = 0;
  } else if (op.kind == OpKind::symlink) {
    rc = ::symlinkat(op.source.c_str(), dir, name);
    if (rc < 0 && errno == EEXIST) rc = 0;
  }
  if (rc < 0) c.die();
  ::close(dir);
}

void do_write(const Ctx& c, const MountOp& op) {
  int fd = resolve(c.root, op.target.c_str(), true, O_WRONLY);
  if (fd < 0 || !write_all(fd, op.data.data(), op.data.size())) c.die();
  ::close(fd);
}

// The tmpfs goes on a host directory, in this (the container's) mount namespace only;
// the root's propagation is private or slave by now (mount_rootfs), so the host never
// sees it, and pivot_root's detach of the old root takes it out of the container's view.
void do_private_fs(const Ctx& c, const MountOp& op) {
  char p[32];
  int fd = ::open(op.source.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || ::mount("tmpfs", fd_path(p, fd), "tmpfs", op.flags, op.data.c_str()) < 0) c.die();
  ::close(fd);
  *c.private_dir = ::open(op.source.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*c.private_dir < 0) c.die();
}

void write_private_file(const Ctx& c, const MountOp& op) {
  int fd = ::openat(*c.private_dir, op.source.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || !write_all(fd, op.data.data(), op.data.size())) c.die();
  // Owner first: a chown clears the set-id bits a mode may ask for.
  if (::fchown(fd, op.uid, op.gid) < 0 || ::fchmod(fd, op.mode) < 0) c.die();
  ::close(fd);
}

void do_private_file(const Ctx& c, const MountOp& op) {
  if (*c.private_dir < 0) c.die(EBADF);
  write_private_file(c, op);
  int source = ::openat(*c.private_dir, op.source.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (source < 0) c.die();
  int target = ensure(c.root, op.target.c_str(), op.create, op.no_symlinks);
  if (target < 0) c.die();
  uint64_t attrs = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (op.flags & MS_NOEXEC) attrs |= MOUNT_ATTR_NOEXEC;
  if (bind_tree(source, target, false, attrs, 0) < 0) c.die();
  ::close(source);
  ::close(target);
}

void apply(const Ctx& c, const MountOp& op) {
  switch (op.kind) {
    case OpKind::mount: return do_mount(c, op);
    case OpKind::bind: return do_bind(c, op);
    case OpKind::bind_in: return do_bind(c, op);
    case OpKind::mask: return do_mask(c, op);
    case OpKind::readonly: return do_readonly(c, op);
    case OpKind::mknod:
    case OpKind::symlink: return do_node(c, op);
    case OpKind::mkdir: {
      int fd = ensure(c.root, op.target.c_str(), Create::dir, false);
      if (fd < 0) c.die();
      ::close(fd);
      return;
    }
    case OpKind::write: return do_write(c, op);
    case OpKind::private_fs: return do_private_fs(c, op);
    case OpKind::private_file: return do_private_file(c, op);
    case OpKind::image: return do_image(c, op);
  }
}

}  // namespace

void mount_rootfs(const ContainerPlan& plan) {
  const int s = plan.sync_fd;
  if (::mount(nullptr, "/", nullptr, plan.root_propagation, nullptr) < 0) fail(s, Step::root_propagation);
  if (!plan.rootfs_parent_mount.empty() &&
      ::mount(nullptr, plan.rootfs_parent_mount.c_str(), nullptr, MS_PRIVATE, nullptr) < 0)
    fail(s, Step::root_propagation);
  const char* target = plan.rootfs_mountpoint.c_str();
  int rc = plan.overlay_options.empty()
               ? ::mount(plan.rootfs_dir.c_str(), target, nullptr, MS_BIND | MS_REC, nullptr)
               : ::mount("overlay", target, "overlay", 0, plan.overlay_options.c_str());
  if (rc < 0) fail(s, Step::mount_rootfs);
}

int apply_mounts(const ContainerPlan& plan) {
  int root = ::open(plan.rootfs_mountpoint.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) fail(plan.sync_fd, Step::open_rootfs);
  int private_dir = -1;
  for (size_t i = 0; i < plan.mounts.size(); ++i)
    apply(Ctx{plan, root, static_cast<int>(i), &private_dir}, plan.mounts[i]);
  if (private_dir >= 0) ::close(private_dir);
  return root;
}

void pivot_into(const ContainerPlan& plan, int root) {
  const int s = plan.sync_fd;
  if (::fchdir(root) < 0) fail(s, Step::pivot_root);
  // pivot_root(".", "."): the old root ends up stacked on "."; detach it from there.
  if (sys::pivot_root(".", ".") < 0) fail(s, Step::pivot_root);
  if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) fail(s, Step::detach_old_root);
  if (::umount2(".", MNT_DETACH) < 0) fail(s, Step::detach_old_root);
  if (::chdir("/") < 0) fail(s, Step::pivot_root);
  ::close(root);
  if (plan.read_only_rootfs) {
    sys::MountAttr attr{MOUNT_ATTR_RDONLY, 0, 0, 0};
    if (sys::mount_setattr(AT_FDCWD, "/", 0, &attr) < 0) fail(s, Step::readonly_rootfs);
  }
}

}  // namespace pier::runtime::child
