// ContainerSpec: the runtime's only input, plain data. The supervisor translates a
// Compose service into one; the runtime never sees Compose types (design.md).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pier::runtime {

// How one namespace is obtained: a fresh one, the host's, another container's (by the
// pid of a process inside it), or one held by a file (an nsfs bind mount such as the
// supervisor keeps for a network other containers share; `ip netns` files work too).
struct NamespaceMode {
  enum class Kind { private_, host, container, path };
  Kind kind = Kind::private_;
  pid_t pid = 0;     // for `container`: the pid (host view) of a process inside it
  std::string path;  // for `path`: the nsfs file
  // For `path`: the container owns the namespace (others join it), so it sets the
  // hostname in a UTS one and may set `net.*` sysctls in a network one.
  bool owner = false;
  static NamespaceMode host() { return {Kind::host, 0, {}, false}; }
  static NamespaceMode of(pid_t pid) { return {Kind::container, pid, {}, false}; }
  static NamespaceMode at(std::string file, bool owner = false) { return {Kind::path, 0, std::move(file), owner}; }
  // A namespace this container has to itself or owns: private, or a held one it owns.
  bool owned() const { return kind == Kind::private_ || (kind == Kind::path && owner); }
};

struct IdMap {
  uint32_t container_id, host_id, size;
};

// userns_mode: a user namespace with these maps. Container root then owns nothing on the
// host; device nodes are bind-mounted (mknod is refused in a user namespace).
struct UserNamespace {
  bool enabled = false;
  std::vector<IdMap> uid_map, gid_map;
};

struct Namespaces {
  NamespaceMode pid, net, ipc, uts;
  bool cgroup = true;  // a private cgroup namespace rooted at the container's cgroup
  UserNamespace user;
};

enum class Propagation { private_, rprivate, slave, rslave, shared, rshared };

struct BindMount {
  std::string source;  // host path
  std::string target;  // absolute path inside the container
  bool read_only = false;
  bool recursive = true;
  bool create_host_path = false;
  Propagation propagation = Propagation::rprivate;
  // A relative path inside `source` (a volume's `subpath`): looked up beneath `source`
  // only, never as a host path, since another container may have made it a symlink.
  std::string subpath;
  bool nosuid = false, nodev = false, noexec = false;  // CDI mounts ask for these
  // An image mount (`type: image`) when not empty: the source is a read-only overlay of
  // these layer directories (topmost first, as ContainerSpec::layers), made by the child,
  // and `source` is unused. `subpath` is then looked up with the image as its root: a
  // symlink in the image resolves inside the image, never on the host.
  std::vector<std::string> image_layers;
};

struct TmpfsMount {
  std::string target;
  uint64_t size = 0;  // bytes, 0 = kernel default
  unsigned mode = 01777;
};

// A file pier writes per container (/etc/hosts, /etc/hostname, /etc/resolv.conf).
struct GeneratedFile {
  std::string target;
  std::string content;
};

// A secret or config: the container's own copy, written into a tmpfs that is mounted in
// the container's mount namespace only (never on the host, gone with the container) and
// bound read-only onto `target`. The content lives in memory and in that tmpfs, never
// on disk.
struct PrivateFile {
  std::string target;   // absolute, inside the container
  std::string content;
  // Owner: a number taken as is, or a name looked up in the container's /etc/passwd
  // (uid) and /etc/group (gid); empty means 0.
  std::string uid, gid;
  unsigned mode = 0444;
  std::string what;     // how errors name it: "secret `db_password`"
};

struct Device {
  std::string host_path;       // a node, or a directory such as /dev/snd
  std::string container_path;  // empty: same as host_path
  std::string permissions = "rwm";
  // A CDI device node says what to create, as an OCI runtime reads `linux.devices`:
  // `node` set means exactly one node, never a directory. Type and numbers missing from
  // the spec come from the host node; mode and owner default to 0666 root:root.
  struct Node {
    char type = 0;  // 'c' or 'b'; 0: the host node's
    std::optional<int64_t> major, minor;
    std::optional<mode_t> file_mode;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
  };
  std::optional<Node> node;
};

// An OCI hook (runtime-spec config.md#posix-platform-hooks): `path` run with `args`
// (args[0] is its name; empty: the path) and exactly `env`, the container's state JSON
// on stdin, killed after `timeout` seconds.
struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  int timeout = 60;
};

// Where each hook runs, as runc runs them: createRuntime in the host's namespaces once
// the container's exist; createContainer in the container's namespaces before
// pivot_root (paths still resolve on the host: the rootfs is at the bundle's
// `root.path`); startContainer in the container (after pivot_root) just before the
// process runs; poststart on the host after it started; poststop on the host when the
// container is destroyed. A failure of the first three fails the start; of the last
// two, is logged.
struct Hooks {
  std::vector<Hook> create_runtime, create_container, start_container, poststart, poststop;
  bool empty() const {
    return create_runtime.empty() && create_container.empty() && start_container.empty() && poststart.empty() &&
           poststop.empty();
  }
};

struct Rlimit {
  int resource;  // RLIMIT_*
  uint64_t soft, hard;
};

struct Resources {
  std::optional<int64_t> memory;          // bytes
  std::optional<int64_t> memory_swap;     // memory+swap bytes, -1 unlimited
  std::optional<int64_t> memory_reservation;
  std::optional<double> cpus;             // 1.5 = 150 ms per 100 ms
  std::optional<uint64_t> cpu_shares;     // v1 shares, 2..262144 (mapped to weight on v2)
  std::string cpuset_cpus, cpuset_mems;
  std::optional<int64_t> pids_limit;      // -1 or 0: unlimited
  std::optional<uint16_t> blkio_weight;   // 10..1000
  std::vector<std::string> device_cgroup_rules;  // "c 1:3 rwm"
};

struct Process {
  std::vector<std::string> argv;  // entrypoint + command, already merged
  std::vector<std::string> env;   // "K=V"
  std::string workdir = "/";
  std::string user;               // "name", "uid", "uid:gid", "name:group"; empty = root
  std::vector<std::string> group_add;
  std::vector<Rlimit> rlimits;
  std::optional<int> oom_score_adj;
  bool no_new_privs = false;
  std::vector<std::string> cap_add, cap_drop;  // "NET_ADMIN" or "CAP_NET_ADMIN", "ALL"
  int stdio[3] = {-1, -1, -1};    // fds in the caller; -1 = /dev/null
  // tty: a pty from the container's own devpts instance becomes stdio and controlling
  // terminal; the caller gets the master (Container/ExecHandle::pty_master).
  bool tty = false;
  uint16_t tty_rows = 24, tty_cols = 80;
};

enum class SeccompMode { default_profile, unconfined, custom };

// A custom seccomp profile as data (the supervisor reads Docker's JSON format into this).
enum class SeccompAction { allow, errno_, kill_process, kill_thread, trap, log };
struct SeccompArg {
  enum class Op { ne, lt, le, eq, ge, gt, masked_eq };
  unsigned index = 0;
  uint64_t value = 0, value_two = 0;  // value_two: the mask-compared value for masked_eq
  Op op = Op::eq;
};
struct SeccompRule {
  std::vector<std::string> names;
  SeccompAction action = SeccompAction::allow;
  int errno_ret = 1;  // EPERM
  std::vector<SeccompArg> args;
};
struct SeccompProfile {
  SeccompAction default_action = SeccompAction::errno_;
  int default_errno = 1;
  std::vector<SeccompRule> rules;
};

struct ContainerSpec {
  std::string project;  // cgroup path pier/<project>/<name>: a kernel name, unique per root
  std::string name;
  // Rootfs: overlay of `layers` (lowest last, like overlayfs lowerdir) with upper/work
  // under `state_dir`, or the plain directory `rootfs_dir` when `layers` is empty.
  std::vector<std::string> layers;
  std::string rootfs_dir;
  std::string state_dir;  // per-container scratch: upper, work, rootfs mountpoint, files, private
  bool read_only_rootfs = false;

  std::string hostname, domainname;
  Namespaces namespaces;
  Process process;
  std::vector<BindMount> binds;
  std::vector<TmpfsMount> tmpfs;
  std::vector<GeneratedFile> files;
  std::vector<PrivateFile> private_files;  // mounted after binds and tmpfs
  std::vector<Device> devices;
  Hooks hooks;
  std::map<std::string, std::string> sysctls;
  uint64_t shm_size = 64ull << 20;
  bool init = false;  // run /usr/bin/tini-static as PID 1
  std::string init_binary = "/usr/bin/tini-static";
  bool privileged = false;
  SeccompMode seccomp = SeccompMode::default_profile;
  SeccompProfile seccomp_profile;  // with SeccompMode::custom
  Resources resources;
};

}  // namespace pier::runtime
