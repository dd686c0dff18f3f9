// ContainerPlan: everything the cloned child needs, computed by the parent before clone
// (design rule 1). The child only reads it: no allocation, no formatting, no locks.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/mount/op.h"
#include "runtime/security/caps.h"
#include "runtime/security/seccomp.h"

namespace pier::runtime {

struct PlannedRlimit {
  int resource;
  rlimit value;
};

struct ContainerPlan {
  // Namespaces. clone_flags excludes CLONE_NEWCGROUP: the child unshares it after the
  // parent moved it into its cgroup, so the namespace is rooted there.
  uint64_t clone_flags = 0;
  bool new_cgroup_ns = false;
  // cgroup v1: the child writes "0" to each of these `tasks` files first, moving itself
  // into its cgroup (CgroupManager::open_for_self_attach says why not the parent).
  static constexpr int kMaxCgroupTasks = 16;
  int cgroup_tasks[kMaxCgroupTasks] = {};
  int cgroup_task_count = 0;
  struct Join {
    int pidfd;
    uint32_t flags;
  };
  Join joins[4] = {};        // setns(pidfd, flags) in the child: another container's net/ipc/uts
  int join_count = 0;
  // Namespaces joined by an intermediate before it clones the child: a PID namespace only
  // applies to children, so the cloning process must be in it already (exec_in joins all).
  int intermediate_pidfd = -1;
  uint32_t intermediate_flags = 0;
  bool exec_mode = false;    // exec_in: join everything, skip rootfs and mounts
  bool user_ns = false;      // CLONE_NEWUSER: the parent writes the maps before `go`
  // With user_ns: the maps give the container a root (keep-id over a single-id map does
  // not: the child then sets up as the user, whose id is mapped, with the capabilities
  // the new namespace gave it).
  bool become_root = false;
  std::string uid_map, gid_map;

  std::string hostname, domainname;

  // Rootfs.
  std::string rootfs_mountpoint;  // host path the rootfs is mounted on (in the child's mount ns)
  std::string overlay_options;    // non-empty: mount overlay with these options
  std::string rootfs_dir;         // else: bind this directory
  unsigned long root_propagation = 0;
  // With a shared root: the host mount holding the state dir, made private in the child's
  // namespace before the rootfs is mounted there, so neither the rootfs nor the private
  // tmpfs of secrets propagates back to the host (runc's rootfsParentMountPrivate).
  std::string rootfs_parent_mount;
  bool read_only_rootfs = false;
  MountTable mounts;

  // Process.
  std::vector<std::string> argv_storage, env_storage;
  std::vector<char*> argv, envp;  // null-terminated, pointing into the storage
  std::string search_path;        // PATH for argv[0] without a slash
  std::string workdir = "/";
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  // pier's user namespace denies setgroups (made without newgidmap: a single-id map):
  // the kernel refuses it to every process below, so the child leaves its groups as
  // they are (plan_process refused any supplementary group the user asked for).
  bool setgroups_denied = false;
  std::vector<PlannedRlimit> rlimits;
  bool set_oom_score_adj = false;
  char oom_score_adj[16] = {};
  bool no_new_privs = false;
  CapMask caps = 0;
  int last_cap = 40;
  std::shared_ptr<const SeccompProgram> seccomp;  // null: unconfined
  int stdio[3] = {-1, -1, -1};
  bool tty = false;
  unsigned short tty_rows = 24, tty_cols = 80;
  bool wait_for_exec = false;  // a hook runs between `ready` and `exec`
  bool wait_before_pivot = false;  // a hook runs between `mounted` and `pivot`

  int sync_fd = -1;  // the child's end
};

// Fills argv/envp pointers from the storage vectors (call after the storage is final).
void finalize_pointers(ContainerPlan& plan);

// The child's entry point after clone: never returns.
[[noreturn]] void run_child(const ContainerPlan& plan);
// Intermediate for a shared PID namespace: setns, clone the real child (CLONE_PARENT),
// send its pid and pidfd to the parent, exit.
[[noreturn]] void run_intermediate(const ContainerPlan& plan);

}  // namespace pier::runtime
