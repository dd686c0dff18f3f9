#include "runtime/mount/plan.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fmt/format.h>

#include <cerrno>

#include "base/strings.h"
#include "base/unique_fd.h"
#include "runtime/sysctls.h"
#include "runtime/users.h"
#include "sys/syscalls.h"

namespace pier::runtime {

const char* const kMaskedPaths[] = {
    "/proc/acpi",         "/proc/asound",          "/proc/interrupts", "/proc/kcore",
    "/proc/keys",         "/proc/latency_stats",   "/proc/timer_list", "/proc/timer_stats",
    "/proc/sched_debug",  "/proc/scsi",            "/sys/firmware",    "/sys/devices/virtual/powercap",
    nullptr};

const char* const kReadonlyPaths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                      "/proc/sysrq-trigger", nullptr};

namespace {

constexpr unsigned long kNoSuidDevExec = MS_NOSUID | MS_NODEV | MS_NOEXEC;

struct DefaultNode {
  const char* name;
  unsigned major, minor;
};
// The runtime-spec default devices, all 0666.
constexpr DefaultNode kDefaultNodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
                                         {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

struct DefaultLink {
  const char* target;
  const char* link;
};
constexpr DefaultLink kDevLinks[] = {{"/proc/self/fd", "/dev/fd"},
                                     {"/proc/self/fd/0", "/dev/stdin"},
                                     {"/proc/self/fd/1", "/dev/stdout"},
                                     {"/proc/self/fd/2", "/dev/stderr"},
                                     {"pts/ptmx", "/dev/ptmx"},
                                     {"/proc/kcore", "/dev/core"}};

MountOp make_mount(std::string fstype, std::string target, unsigned long flags, std::string data) {
  MountOp op;
  op.kind = OpKind::mount;
  op.source = fstype;
  op.fstype = std::move(fstype);
  op.target = std::move(target);
  op.flags = flags;
  op.data = std::move(data);
  op.create = Create::dir;
  return op;
}

// Whether the container's mounts are made from a user namespace other than the
// initial one: its own (userns_mode), or pier's (rootless).
bool in_user_namespace(const ContainerSpec& spec, const HostFacts& facts) {
  return spec.namespaces.user.enabled || facts.in_user_namespace;
}

void add_dev(MountTable& t, const ContainerSpec& spec, const HostFacts& facts) {
  MountOp dev = make_mount("tmpfs", "/dev", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  dev.no_symlinks = true;  // never honour an image's /dev symlink
  t.push_back(dev);
  const bool userns = in_user_namespace(spec, facts);
  for (const auto& n : kDefaultNodes) {
    MountOp op;
    op.kind = OpKind::mknod;
    op.target = fmt::format("/dev/{}", n.name);
    op.mode = S_IFCHR | 0666;
    op.dev = makedev(n.major, n.minor);
    op.no_symlinks = true;
    if (userns) {  // mknod is refused in a user namespace: bind the host's node
      op.kind = OpKind::bind;
      op.source = op.target;
      op.flags = MS_BIND;
      op.create = Create::file;
    }
    t.push_back(op);
  }
  // gid=5 names a group of the mounting namespace: a single-id map has none (ptys then
  // belong to the process's own group, as with Podman's rootless fallback).
  MountOp pts = make_mount("devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
                           facts.tty_gid_mapped ? "newinstance,ptmxmode=0666,mode=0620,gid=5"
                                                : "newinstance,ptmxmode=0666,mode=0620");
  pts.no_symlinks = true;
  t.push_back(pts);
  for (const auto& l : kDevLinks) {
    MountOp op;
    op.kind = OpKind::symlink;
    op.source = l.target;
    op.target = l.link;
    op.no_symlinks = true;
    t.push_back(op);
  }
  MountOp shm = make_mount("tmpfs", "/dev/shm", kNoSuidDevExec,
                           fmt::format("mode=1777,size={}", spec.shm_size));
  shm.no_symlinks = true;
  t.push_back(shm);
  // mqueue belongs to the IPC namespace; a shared one cannot be mounted from a user namespace.
  if (!userns || spec.namespaces.ipc.kind == NamespaceMode::Kind::private_) {
    MountOp mq = make_mount("mqueue", "/dev/mqueue", kNoSuidDevExec, "");
    mq.no_symlinks = true;
    t.push_back(mq);
  }
}

// /sys/fs/cgroup shows the container's own cgroups (the namespace root), read-only. Only
// with a private cgroup namespace, and not from a user namespace (cgroup v1 refuses it).
void add_cgroup_fs(MountTable& t, const ContainerSpec& spec, const HostFacts& facts) {
  if (!spec.namespaces.cgroup || in_user_namespace(spec, facts) || facts.cgroup_mounts.empty()) return;
  const unsigned long ro = kNoSuidDevExec | (spec.privileged ? 0 : MS_RDONLY);
  if (facts.cgroup_mounts.size() == 1 && facts.cgroup_mounts[0].subdir.empty()) {
    t.push_back(make_mount("cgroup2", "/sys/fs/cgroup", ro, ""));
    return;
  }
  t.push_back(make_mount("tmpfs", "/sys/fs/cgroup", kNoSuidDevExec, "mode=755"));
  for (const auto& m : facts.cgroup_mounts) {
    MountOp op = make_mount(m.fstype, "/sys/fs/cgroup/" + m.subdir, ro, m.options);
    op.source = "cgroup";
    t.push_back(op);
  }
  MountOp seal;
  seal.kind = OpKind::readonly;
  seal.target = "/sys/fs/cgroup";
  if (!spec.privileged) t.push_back(seal);
}

Status add_proc_and_sys(MountTable& t, const ContainerSpec& spec, const HostFacts& facts) {
  MountOp proc = make_mount("proc", "/proc", kNoSuidDevExec, "");
  proc.no_symlinks = true;
  t.push_back(proc);
  // Namespaced sysctls are written before /proc/sys turns read-only.
  for (const auto& [key, value] : spec.sysctls) {
    PIER_CHECK(check_sysctl(key, value, spec.namespaces));
    MountOp op;
    op.kind = OpKind::write;
    op.target = "/proc/sys/" + key;
    for (char& c : op.target)
      if (c == '.') c = '/';
    op.data = value;
    t.push_back(op);
  }
  // Writable only when privileged, as in Docker.
  MountOp sys = make_mount("sysfs", "/sys", kNoSuidDevExec | (spec.privileged ? 0 : MS_RDONLY), "");
  sys.no_symlinks = true;
  if (in_user_namespace(spec, facts) && spec.namespaces.net.kind != NamespaceMode::Kind::private_) {
    // sysfs needs a network namespace owned by our user namespace: bind the host's, ro.
    sys.kind = OpKind::bind;
    sys.source = "/sys";
    sys.flags = MS_BIND | MS_REC | MS_RDONLY;
  }
  t.push_back(sys);
  add_cgroup_fs(t, spec, facts);
  if (spec.privileged) return {};
  for (int i = 0; kMaskedPaths[i]; ++i) {
    MountOp op;
    op.kind = OpKind::mask;
    op.target = kMaskedPaths[i];
    op.optional = true;
    op.no_symlinks = true;
    t.push_back(op);
  }
  for (const auto& path : facts.extra_masks) {
    MountOp op;
    op.kind = OpKind::mask;
    op.target = path;
    op.optional = true;
    op.no_symlinks = true;
    t.push_back(op);
  }
  for (int i = 0; kReadonlyPaths[i]; ++i) {
    MountOp op;
    op.kind = OpKind::readonly;
    op.target = kReadonlyPaths[i];
    op.optional = true;
    op.no_symlinks = true;
    t.push_back(op);
  }
  return {};
}

unsigned long propagation_flags(Propagation p) {
  switch (p) {
    case Propagation::private_: return MS_PRIVATE;
    case Propagation::rprivate: return MS_PRIVATE | MS_REC;
    case Propagation::slave: return MS_SLAVE;
    case Propagation::rslave: return MS_SLAVE | MS_REC;
    case Propagation::shared: return MS_SHARED;
    case Propagation::rshared: return MS_SHARED | MS_REC;
  }
  return MS_PRIVATE | MS_REC;
}

// Whether a subpath is a directory, to create the target as one. Only that: the child
// looks the subpath up again by fd and that lookup is the one that counts (a link may be
// made in between), so a lookup failing here is left for the child to report.
bool subpath_is_dir(const BindMount& b) {
  UniqueFd volume(::open(b.source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  sys::OpenHow how{O_PATH | O_CLOEXEC, 0, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
  UniqueFd fd(volume ? sys::openat2(volume.get(), b.subpath.c_str(), &how) : -1);
  struct stat st{};
  return !fd || ::fstat(fd.get(), &st) != 0 || S_ISDIR(st.st_mode);
}

// An image mount, mounted by the child on its own directory under the state dir. The
// empty layer beneath makes a one-layer image a valid overlay: with no upper dir,
// overlayfs wants two lower ones.
Result<MountOp> image_mount_op(const BindMount& b, size_t index, const HostFacts& facts) {
  if (facts.image_mounts_dir.empty())
    return Error(fmt::format("image {} -> {}: no directory to mount the image on", b.source, b.target));
  for (const auto& layer : b.image_layers)
    if (layer.find_first_of(":,") != std::string::npos)
      return Error(fmt::format("image {} -> {}: layer path `{}` contains `:` or `,`, which overlayfs cannot take",
                               b.source, b.target, layer));
  std::vector<std::string> lower = b.image_layers;
  if (lower.size() == 1) lower.push_back(facts.image_mounts_dir + "/empty");
  MountOp op;
  op.kind = OpKind::image;
  op.source = fmt::format("{}/{}", facts.image_mounts_dir, index);
  op.image = b.source;
  op.fstype = "overlay";
  op.data = "lowerdir=" + join(lower, ":") + (facts.overlay_userxattr ? ",userxattr" : "");
  if (op.data.size() >= 4000)
    return Error(fmt::format("image {} -> {}: overlay options exceed a page", b.source, b.target))
        .hint("use an image with fewer layers");
  op.subpath = b.subpath;
  op.target = b.target;
  // Content of another image: never read-write, and no setuid programs or device nodes
  // from it gain anything in this container.
  op.flags = MS_RDONLY | MS_NOSUID | MS_NODEV;
  op.propagation = propagation_flags(b.propagation);
  op.create = Create::dir;  // the child makes a file instead when the subpath is one
  return op;
}

Status add_binds(MountTable& t, const ContainerSpec& spec, const HostFacts& facts) {
  for (size_t i = 0; i < spec.binds.size(); ++i) {
    const BindMount& b = spec.binds[i];
    if (b.target.empty() || b.target[0] != '/')
      return Error(fmt::format("bind {} -> {}: target must be an absolute path", b.source, b.target));
    if (b.target == "/proc" || b.target.rfind("/proc/", 0) == 0)
      return Error(fmt::format("bind {} -> {}: mounts on or inside /proc are refused", b.source, b.target));
    if (!b.image_layers.empty()) {
      PIER_TRY(MountOp op, image_mount_op(b, i, facts));
      t.push_back(std::move(op));
      continue;
    }
    struct stat st{};
    bool is_dir = true;
    if (!b.subpath.empty()) {
      is_dir = subpath_is_dir(b);
    } else if (::stat(b.source.c_str(), &st) == 0) {
      is_dir = S_ISDIR(st.st_mode);
    } else if (!b.create_host_path) {
      return Error::system(fmt::format("bind {} ->", b.source), b.target, errno)
          .hint("create the source or set create_host_path");
    }
    MountOp op;
    op.kind = OpKind::bind;
    op.source = b.source;
    op.subpath = b.subpath;
    op.target = b.target;
    op.flags = MS_BIND | (b.recursive ? MS_REC : 0) | (b.read_only ? MS_RDONLY : 0) | (b.nosuid ? MS_NOSUID : 0) |
               (b.nodev ? MS_NODEV : 0) | (b.noexec ? MS_NOEXEC : 0);
    op.propagation = propagation_flags(b.propagation);
    op.create = is_dir ? Create::dir : Create::file;
    t.push_back(op);
  }
  return {};
}

void add_tmpfs(MountTable& t, const ContainerSpec& spec) {
  for (const auto& m : spec.tmpfs) {
    std::string data = fmt::format("mode={:o}", m.mode);
    if (m.size) data += fmt::format(",size={}", m.size);
    t.push_back(make_mount("tmpfs", m.target, MS_NOSUID | MS_NODEV | MS_NOEXEC, data));
  }
}

void add_devices(MountTable& t, const ContainerSpec& spec, const HostFacts& facts) {
  for (const auto& d : facts.devices) {
    MountOp op;
    op.kind = OpKind::mknod;
    op.target = d.container_path;
    op.mode = d.mode;
    op.dev = d.dev;
    op.uid = d.uid;
    op.gid = d.gid;
    op.no_symlinks = true;
    op.optional = true;  // a node of the default set (privileged brings all of /dev) already exists
    if (in_user_namespace(spec, facts)) {
      op.kind = OpKind::bind;
      op.source = d.host_path;
      op.flags = MS_BIND;
      op.create = Create::file;
    }
    t.push_back(op);
  }
}

void add_files(MountTable& t, const ContainerSpec& spec, const HostFacts& facts) {
  for (size_t i = 0; i < spec.files.size(); ++i) {
    MountOp op;
    op.kind = OpKind::bind;
    op.source = fmt::format("{}/{}", facts.files_dir, i);
    op.target = spec.files[i].target;
    op.flags = MS_BIND;
    op.create = Create::file;
    t.push_back(op);
  }
}

// Room for every file's pages plus one, and an inode each: nothing else is ever written
// there (the container sees only the read-only binds).
std::string private_fs_options(const std::vector<PrivateFile>& files) {
  uint64_t pages = 1;
  for (const auto& f : files) pages += (f.content.size() + 4095) / 4096;
  return fmt::format("mode=0700,size={},nr_inodes={}", pages * 4096, files.size() + 2);
}

Status add_private_files(MountTable& t, const ContainerSpec& spec, const HostFacts& facts) {
  if (spec.private_files.empty()) return {};
  if (facts.private_dir.empty()) return Error("secrets and configs need the container's private directory");
  MountOp fs;
  fs.kind = OpKind::private_fs;
  fs.source = facts.private_dir;
  fs.fstype = "tmpfs";
  fs.flags = MS_NOSUID | MS_NODEV;
  fs.data = private_fs_options(spec.private_files);
  t.push_back(fs);
  for (size_t i = 0; i < spec.private_files.size(); ++i) {
    const PrivateFile& f = spec.private_files[i];
    if (f.target.empty() || f.target[0] != '/')
      return Error(fmt::format("{}: target `{}` must be an absolute path", f.what, f.target));
    if (f.target == "/proc" || f.target.rfind("/proc/", 0) == 0)
      return Error(fmt::format("{}: mounts on or inside /proc are refused", f.what));
    if (f.mode > 07777) return Error(fmt::format("{}: mode {:o} is not a file mode", f.what, f.mode));
    auto owner = resolve_file_owner(f.uid, f.gid, facts.passwd, facts.group);
    if (!owner) return std::move(owner).error().context(f.what);
    MountOp op;
    op.kind = OpKind::private_file;
    op.source = std::to_string(i);
    op.target = f.target;
    op.data = f.content;
    op.mode = static_cast<mode_t>(f.mode);
    op.uid = owner->uid;
    op.gid = owner->gid;
    // Read-only; executable only when the mode asks for it (a config may be a script).
    op.flags = MS_BIND | MS_RDONLY | ((f.mode & 0111) ? 0 : MS_NOEXEC);
    op.create = Create::file;
    t.push_back(op);
  }
  return {};
}

}  // namespace

Result<MountTable> build_mount_table(const ContainerSpec& spec, const HostFacts& facts) {
  MountTable t;
  add_dev(t, spec, facts);
  PIER_CHECK(add_proc_and_sys(t, spec, facts));
  add_devices(t, spec, facts);
  add_files(t, spec, facts);
  if (spec.init) {
    MountOp op;
    op.kind = OpKind::bind;
    op.source = spec.init_binary;
    op.target = "/sbin/docker-init";
    op.flags = MS_BIND | MS_RDONLY;
    op.create = Create::file;
    t.push_back(op);
  }
  PIER_CHECK(add_binds(t, spec, facts));
  add_tmpfs(t, spec);
  // After volumes and tmpfs, so that one on /run does not hide /run/secrets/<name>.
  PIER_CHECK(add_private_files(t, spec, facts));
  if (!spec.process.workdir.empty() && spec.process.workdir != "/") {
    MountOp op;
    op.kind = OpKind::mkdir;
    op.target = spec.process.workdir;
    op.create = Create::dir;
    t.push_back(op);
  }
  return t;
}

const char* kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::mount: return "mount";
    case OpKind::bind: return "bind";
    case OpKind::bind_in: return "bind";
    case OpKind::mask: return "mask";
    case OpKind::readonly: return "readonly";
    case OpKind::mknod: return "mknod";
    case OpKind::symlink: return "symlink";
    case OpKind::mkdir: return "mkdir";
    case OpKind::write: return "write";
    case OpKind::private_fs: return "private tmpfs";
    case OpKind::private_file: return "private file";
    case OpKind::image: return "image";
  }
  return "?";
}

std::string format_table(const MountTable& table) {
  std::string out;
  for (size_t i = 0; i < table.size(); ++i) {
    const MountOp& op = table[i];
    out += fmt::format("{:3} {}", i, describe(op));
    if (!op.fstype.empty()) out += " type=" + op.fstype;
    // A private file's data is a secret: its size only.
    if (op.kind == OpKind::private_file)
      out += fmt::format(" bytes={} uid={} gid={} mode={:o}", op.data.size(), op.uid, op.gid, op.mode);
    else if (!op.data.empty())
      out += " data=" + op.data;
    if (op.flags) out += fmt::format(" flags={:#x}", op.flags);
    if (op.propagation) out += fmt::format(" propagation={:#x}", op.propagation);
    if (op.optional) out += " optional";
    if (op.no_symlinks) out += " no-symlinks";
    out += "\n";
  }
  return out;
}

std::string failure_hint(const MountOp& op, int err) {
  if (op.kind == OpKind::image) return err == ENOENT && !op.subpath.empty() ? "the image has no such path" : "";
  if (op.kind != OpKind::bind || op.subpath.empty()) return {};
  if (err == EXDEV) return "a symlink in the volume leads outside it; pier mounts only what lies inside";
  if (err == ENOENT) return "create the subpath in the volume first";
  return {};
}

std::string describe(const MountOp& op) {
  switch (op.kind) {
    case OpKind::bind:
      if (!op.subpath.empty())
        return fmt::format("{} {} subpath {} -> {}", kind_name(op.kind), op.source, op.subpath, op.target);
      return fmt::format("{} {} -> {}", kind_name(op.kind), op.source, op.target);
    case OpKind::mount:
    case OpKind::bind_in:
    case OpKind::symlink:
      return fmt::format("{} {} -> {}", kind_name(op.kind), op.source, op.target);
    case OpKind::private_fs:
      return fmt::format("{} on {}", kind_name(op.kind), op.source);
    case OpKind::image:
      if (!op.subpath.empty()) return fmt::format("image {} subpath {} -> {}", op.image, op.subpath, op.target);
      return fmt::format("image {} -> {}", op.image, op.target);
    default:
      return fmt::format("{} {}", kind_name(op.kind), op.target);
  }
}

namespace {

Status expand_one(const std::string& host, const std::string& ctr, const std::string& perms,
                  std::vector<DeviceNode>& out, int depth) {
  struct stat st{};
  if (::stat(host.c_str(), &st) != 0) return Error::system("device", host, errno);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    out.push_back({host, ctr, st.st_mode & (S_IFMT | 07777), st.st_rdev, perms, st.st_uid, st.st_gid});
    return {};
  }
  if (!S_ISDIR(st.st_mode) || depth > 8)
    return Error(fmt::format("device `{}`: not a device node or directory", host));
  DIR* dir = ::opendir(host.c_str());
  if (!dir) return Error::system("opendir", host, errno);
  Status status;
  while (dirent* e = ::readdir(dir)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat cst{};
    std::string child = host + "/" + n;
    if (::lstat(child.c_str(), &cst) != 0 || S_ISLNK(cst.st_mode)) continue;
    if (S_ISDIR(cst.st_mode) || S_ISCHR(cst.st_mode) || S_ISBLK(cst.st_mode)) {
      status = expand_one(child, ctr + "/" + n, perms, out, depth + 1);
      if (!status) break;
    }
  }
  ::closedir(dir);
  return status;
}

// A CDI node: what the spec gives wins; the host node (when there is one) fills the
// rest and must be of the type the spec says (a spec for a block device must not open a
// char device of the same numbers). Mode and owner are the spec's or 0666 root:root, as
// an OCI runtime creates `linux.devices`, not the host node's.
Result<DeviceNode> described_node(const Device& d, const std::string& ctr) {
  const Device::Node& n = *d.node;
  struct stat st{};
  bool on_host = ::stat(d.host_path.c_str(), &st) == 0;
  int host_errno = errno;
  if (on_host && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
    return Error(fmt::format("CDI device node `{}`: `{}` is not a device node", ctr, d.host_path));
  char host_type = on_host ? (S_ISBLK(st.st_mode) ? 'b' : 'c') : 0;
  if (n.type && on_host && n.type != host_type)
    return Error(fmt::format("CDI device node `{}`: the spec says type {}, `{}` is type {}", ctr, n.type, d.host_path,
                             host_type));
  if (!on_host && (!n.type || !n.major || !n.minor))
    return Error::system(fmt::format("CDI device node `{}`: stat", ctr), d.host_path, host_errno)
        .hint("the spec gives no type and major/minor numbers, so the host node must exist");
  DeviceNode out;
  out.host_path = d.host_path;
  out.container_path = ctr;
  char type = n.type ? n.type : host_type;
  mode_t perms = n.file_mode.value_or(0666) & 07777;
  out.mode = (type == 'b' ? S_IFBLK : S_IFCHR) | perms;
  out.dev = n.major ? makedev(static_cast<unsigned>(*n.major), static_cast<unsigned>(n.minor.value_or(0))) : st.st_rdev;
  out.permissions = d.permissions.empty() ? "rwm" : d.permissions;
  out.uid = n.uid.value_or(0);
  out.gid = n.gid.value_or(0);
  return out;
}

}  // namespace

Result<std::vector<DeviceNode>> expand_devices(const std::vector<Device>& devices) {
  std::vector<DeviceNode> out;
  for (const auto& d : devices) {
    std::string ctr = d.container_path.empty() ? d.host_path : d.container_path;
    if (d.node) {
      PIER_TRY(DeviceNode node, described_node(d, ctr));
      out.push_back(std::move(node));
      continue;
    }
    PIER_CHECK(expand_one(d.host_path, ctr, d.permissions.empty() ? "rwm" : d.permissions, out, 0));
  }
  return out;
}

}  // namespace pier::runtime
