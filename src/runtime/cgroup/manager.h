// One cgroup interface, two backends (v1: one hierarchy per controller; v2: unified),
// the mode detected once. A container's cgroup is `pier/<project>/<container>` under
// every hierarchy the backend uses; paths below are that relative name.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runtime/cgroup/devices.h"
#include "runtime/spec.h"

namespace pier::runtime {

struct CgroupStats {
  uint64_t memory_usage = 0;
  uint64_t memory_limit = 0;  // 0: unlimited
  // Page cache the kernel can drop at once: `docker stats` leaves it out of MEM USAGE
  // (v1 total_inactive_file, v2 inactive_file of memory.stat).
  uint64_t memory_inactive_file = 0;
  uint64_t cpu_usage_ns = 0;
  uint64_t pids_current = 0;
  uint64_t oom_kills = 0;
  uint64_t io_read_bytes = 0;  // every device, as BLOCK I/O sums them
  uint64_t io_write_bytes = 0;
};

// Bytes read and written, summed over devices, from v2 `io.stat` ("8:0 rbytes=1 wbytes=2
// ...") and from v1 `blkio.throttle.io_service_bytes` ("8:0 Read 1", "8:0 Write 2", "Total").
struct IoBytes {
  uint64_t read = 0, write = 0;
};
IoBytes parse_io_stat(std::string_view text);
IoBytes parse_blkio_service_bytes(std::string_view text);

class CgroupManager {
 public:
  virtual ~CgroupManager() = default;
  virtual const char* name() const = 0;  // "v1", "v2" or "none"
  // Whether each container gets a cgroup that holds its processes. "none" (a rootless
  // pier without a delegated subtree) does not: its containers have no cgroup at all.
  virtual bool tracks_processes() const { return true; }
  // The controllers (v2 names: memory, cpu, cpuset, pids, io, and devices for the
  // device rules) whose limits `create` applies. Rootful: all of them, and a limit the
  // host cannot apply fails by name. Rootless: those delegated and enabled (never
  // devices); create() skips the others, which `up` warns about (ignored_limits).
  virtual std::vector<std::string> limit_controllers() { return {"memory", "cpu", "cpuset", "pids", "io", "devices"}; }

  // Creates the cgroup and applies the limits and device rules; fails naming the file.
  virtual Status create(const std::string& rel, const Resources& res,
                        const std::vector<DeviceRule>& devices) = 0;
  // v2: an O_DIRECTORY fd for CLONE_INTO_CGROUP; v1: -1 (use add_process after clone).
  virtual int open_for_clone(const std::string& rel) = 0;
  // v1: the `tasks` file of the cgroup in every hierarchy, for the child to write "0"
  // (itself) into before it goes on. Writing another process's pid to cgroup.procs takes
  // the kernel's global threadgroup lock for writing, which waits out an RCU grace period
  // (~10 ms on an idle host) unless one just passed; a thread that moves itself skips that
  // lock. Empty: v2 and none (add_process, or born in the cgroup).
  virtual Result<std::vector<UniqueFd>> open_for_self_attach(const std::string&) { return std::vector<UniqueFd>{}; }
  virtual Status add_process(const std::string& rel, pid_t pid) = 0;
  virtual Result<std::vector<pid_t>> processes(const std::string& rel) = 0;
  virtual Result<CgroupStats> stats(const std::string& rel) = 0;
  virtual Status freeze(const std::string& rel, bool frozen) = 0;
  // SIGKILL every process in the cgroup and wait until it is empty (bounded).
  virtual Status kill_all(const std::string& rel) = 0;
  // Removes the cgroup; a missing cgroup is success. Parents stay for the next container.
  virtual Status remove(const std::string& rel) = 0;
  // Removes pier/<project> and pier above `rel` when empty (project teardown).
  virtual void remove_parents(const std::string& rel) = 0;
  virtual bool exists(const std::string& rel) = 0;
  // Filesystems a container with a private cgroup namespace mounts under /sys/fs/cgroup:
  // fstype "cgroup" with its controllers (v1), or one "cgroup2".
  struct FsMount {
    std::string subdir;  // below /sys/fs/cgroup; empty: /sys/fs/cgroup itself
    std::string fstype, options;
  };
  virtual std::vector<FsMount> container_mounts() const = 0;
};

// Detected once per process from /proc/self/mountinfo and statfs(/sys/fs/cgroup).
Result<CgroupManager*> cgroup_manager();

struct V1Hierarchy {
  std::string controllers;  // "memory", "cpu,cpuacct", ...
  std::string root;         // its mount point
};

// Which backend a host needs, decided from data so that every layout is unit-tested:
// whether /sys/fs/cgroup itself is cgroup2, the mount table, and the controllers the
// unified hierarchy offers (its root's cgroup.controllers, read by the caller).
// - /sys/fs/cgroup is cgroup2: v2 (pure unified, most distributions today).
// - a cgroup2 mount that offers memory and pids (a hybrid whose resources moved to
//   v2): v2 there, whatever named or leftover v1 hierarchies exist beside it.
// - else v1 hierarchies with resource controllers: v1 (this machine: v1 controllers
//   with a cgroup2 beside them that holds only e.g. hugetlb, which is no reason to refuse).
// - else a cgroup2 mount: v2; else none (an error naming what is missing).
struct CgroupLayout {
  enum class Kind { none, v1, v2 };
  Kind kind = Kind::none;
  std::string v2_root;  // Kind::v2
  std::vector<V1Hierarchy> v1;  // Kind::v1
};
// `read_controllers(mountpoint)` gives a cgroup2 mount's cgroup.controllers.
CgroupLayout choose_cgroup_layout(bool sys_fs_cgroup_is_v2, const std::string& mountinfo,
                                  const std::function<std::string(const std::string&)>& read_controllers);
std::unique_ptr<CgroupManager> make_cgroup_v1(std::vector<V1Hierarchy> hierarchies);
// `rootless`: `root` is the cgroup delegated to the user; only the controllers it can
// enable there apply, and no device program is attached (loading one needs privileges a
// user namespace does not give; its user namespace keeps the container off the host's
// devices instead: it cannot make nodes and opens only what the user may).
std::unique_ptr<CgroupManager> make_cgroup_v2(std::string root, bool rootless = false);
std::unique_ptr<CgroupManager> make_no_cgroup();

// Rootless: the cgroup v2 directory delegated to this user, or "" when there is none
// (pier then runs containers without cgroups). `v2_mount`: where the unified hierarchy is
// mounted ("" when none is); `proc_self_cgroup`: /proc/self/cgroup; `owned(path)`:
// whether the user owns that file. Delegated means what Podman and crun check: the
// cgroup this process is in, its cgroup.procs and cgroup.subtree_control belong to the
// user (systemd's Delegate=yes does that for user@.service). The answer is the highest
// ancestor of it that is delegated as well: the top of the user's subtree.
std::string delegated_cgroup(const std::string& v2_mount, const std::string& proc_self_cgroup,
                             const std::function<bool(const std::string&)>& owned);
// The names of the limits in `res` that need a controller outside `controllers` (those
// limit_controllers() gives): "memory", "memory_swap", "memory_reservation", "cpus",
// "cpu_shares", "cpuset", "pids_limit", "blkio_weight", "device_cgroup_rules".
std::vector<std::string> ignored_limits(const Resources& res, const std::vector<std::string>& controllers);

std::string cgroup_name(const std::string& project, const std::string& container);

}  // namespace pier::runtime
