#include "runtime/container.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cctype>
#include <filesystem>

#include "base/atomic_file.h"
#include "base/dirs.h"
#include "base/log.h"
#include "base/scope_exit.h"
#include "runtime/hooks.h"
#include "runtime/id_map.h"
#include "runtime/mount/plan.h"
#include "runtime/plan_builder.h"
#include "runtime/rootfs.h"
#include "sys/in_root.h"
#include "sys/syscalls.h"
#include "sys/user_namespace.h"

namespace pier::runtime {

namespace {

std::vector<std::string> thermal_throttle_dirs();

Status check_name(const char* what, const std::string& value) {
  bool ok = !value.empty() && value.size() <= 128 && value[0] != '.';
  for (char c : value) ok &= std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  if (!ok) return Error(fmt::format("{} name `{}` must be 1-128 characters of [A-Za-z0-9_.-]", what, value));
  return {};
}

unsigned long root_propagation(const ContainerSpec& spec) {
  unsigned long p = MS_PRIVATE | MS_REC;
  for (const auto& b : spec.binds) {
    if (b.propagation == Propagation::shared || b.propagation == Propagation::rshared) return MS_SHARED | MS_REC;
    if (b.propagation == Propagation::slave || b.propagation == Propagation::rslave) p = MS_SLAVE | MS_REC;
  }
  return p;
}

Result<std::vector<DeviceRule>> device_rules(const ContainerSpec& spec, const std::vector<DeviceNode>& nodes) {
  auto rules = default_device_rules(spec.privileged);
  for (const auto& n : nodes) {
    char type = S_ISBLK(n.mode) ? 'b' : 'c';
    rules.push_back({type, static_cast<int64_t>(major(n.dev)), static_cast<int64_t>(minor(n.dev)), n.permissions, true});
  }
  for (const auto& text : spec.resources.device_cgroup_rules) {
    PIER_TRY(DeviceRule r, parse_device_rule(text));
    rules.push_back(r);
  }
  return rules;
}

// The host mount holding the container's state dir (rootfs mount point, private tmpfs).
Result<std::string> parent_mount_of(const std::string& state_dir) {
  std::error_code ec;
  std::string canonical = std::filesystem::canonical(state_dir, ec).string();
  if (ec) return Error::system("resolve", state_dir, ec.value());
  PIER_TRY(std::string mountinfo, read_file("/proc/self/mountinfo"));
  std::string mount = mount_point_of(canonical, mountinfo);
  if (mount.empty()) return Error(fmt::format("no mount holds `{}` in /proc/self/mountinfo", canonical));
  return mount;
}

// devpts' gid=5 is a group of the namespace that mounts it: the container's own, or
// pier's when pier runs in one.
bool tty_gid_mapped(const ContainerSpec& spec) {
  if (spec.namespaces.user.enabled) return maps_container_id(spec.namespaces.user.gid_map, 5);
  if (sys::in_initial_user_namespace()) return true;
  auto text = read_file("/proc/self/gid_map");
  if (!text) return false;
  auto map = parse_id_map(*text);
  return map.ok() && maps_inside(*map, 5);
}

Result<ContainerPlan> build_plan(const ContainerSpec& spec, const RootfsLayout& layout,
                                 const std::vector<DeviceNode>& nodes, std::vector<UniqueFd>& fds) {
  ContainerPlan plan;
  PIER_CHECK(plan_namespaces(plan, spec.namespaces, fds));
  bool own_uts = spec.namespaces.uts.owned();
  if (own_uts) {
    plan.hostname = spec.hostname.empty() ? spec.name : spec.hostname;
    plan.domainname = spec.domainname;
  }
  PIER_TRY(std::string passwd, read_image_file(spec, "etc/passwd").context("reading the image's users"));
  PIER_TRY(std::string group, read_image_file(spec, "etc/group").context("reading the image's groups"));
  PIER_TRY(ResolvedUser user, resolve_user(spec.process.user, spec.process.group_add, passwd, group));
  if (spec.init && ::access(spec.init_binary.c_str(), X_OK) != 0)
    return Error::system("init binary", spec.init_binary, errno).hint("install the `tini` package");
  PIER_CHECK(plan_process(plan, spec.process, user, plan.hostname, spec.privileged, spec.seccomp, spec.init,
                          spec.init_binary, &spec.seccomp_profile));
  plan.rootfs_mountpoint = layout.mountpoint;
  plan.overlay_options = layout.overlay_options;
  plan.rootfs_dir = spec.rootfs_dir;
  plan.root_propagation = root_propagation(spec);
  if (plan.root_propagation & MS_SHARED) {
    PIER_TRY(plan.rootfs_parent_mount, parent_mount_of(spec.state_dir));
  }
  plan.read_only_rootfs = spec.read_only_rootfs;
  HostFacts facts;
  facts.devices = nodes;
  facts.extra_masks = thermal_throttle_dirs();
  if (auto cgroups = cgroup_manager(); cgroups.ok())
    for (const auto& m : (*cgroups)->container_mounts()) facts.cgroup_mounts.push_back({m.subdir, m.fstype, m.options});
  facts.in_user_namespace = !sys::in_initial_user_namespace();
  facts.tty_gid_mapped = tty_gid_mapped(spec);
  facts.files_dir = layout.files_dir;
  facts.private_dir = layout.private_dir;
  facts.image_mounts_dir = layout.image_mounts_dir;
  facts.overlay_userxattr = sys::rootless();  // as prepare_rootfs mounts the rootfs
  facts.passwd = std::move(passwd);
  facts.group = std::move(group);
  PIER_TRY(plan.mounts, build_mount_table(spec, facts));
  // Here, in the parent before clone: the child only walks the table and logs nothing
  // (it may call only async-signal-safe functions).
  if (log::level() <= log::Level::debug) {
    std::string table = format_table(plan.mounts);
    if (!table.empty()) table.pop_back();  // the log line ends the last row
    log::debug("container {}: mount table:\n{}", spec.name, table);
  }
  return plan;
}

// Docker masks each CPU's thermal_throttle directory (GHSA-6fw5-f8r9-fgfm).
std::vector<std::string> thermal_throttle_dirs() {
  static const std::vector<std::string> dirs = [] {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/sys/devices/system/cpu", ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind("cpu", 0) != 0 || name.size() < 4 || !std::isdigit(static_cast<unsigned char>(name[3]))) continue;
      if (std::filesystem::exists(e.path() / "thermal_throttle", ec)) out.push_back((e.path() / "thermal_throttle").string());
    }
    return out;
  }();
  return dirs;
}

// privileged: every node of the host's /dev except the per-container API filesystems
// (pts, shm, mqueue) which pier mounts fresh.
void append_host_devices(std::vector<DeviceNode>& nodes) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev", ec)) {
    std::string name = e.path().filename().string();
    if (name == "pts" || name == "shm" || name == "mqueue" || name == "console" || e.is_symlink(ec)) continue;
    auto more = expand_devices({{e.path().string(), "", "rwm"}});
    if (more.ok()) nodes.insert(nodes.end(), more->begin(), more->end());
  }
}

// create_host_path: Compose creates a missing bind source as a directory.
Status create_host_paths(const ContainerSpec& spec) {
  for (const auto& b : spec.binds) {
    if (!b.create_host_path || ::access(b.source.c_str(), F_OK) == 0) continue;
    // 0755 as Docker makes it: the container's users see this directory.
    PIER_CHECK(make_dirs(b.source, 0755).context("create bind source"));
  }
  return {};
}

// The namespaces a createContainer or startContainer hook joins: all of the container's
// but PID (which would only apply to the hook's children); the user namespace only for
// startContainer, which runs inside the container as its process will.
unsigned hook_namespaces(const ContainerSpec& spec, bool with_user) {
  unsigned flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
  if (spec.namespaces.cgroup) flags |= CLONE_NEWCGROUP;
  if (with_user && spec.namespaces.user.enabled) flags |= CLONE_NEWUSER;
  return flags;
}

// The code the parent runs while the child waits (parent.h): OCI hooks at their stages,
// and the caller's before-exec step (the network attaches there, so a startContainer
// hook already sees it).
LaunchHooks launch_hooks(const ContainerSpec& spec, const SpawnOptions& options) {
  LaunchHooks out;
  const std::string bundle = bundle_dir(spec.state_dir);
  if (!spec.hooks.create_runtime.empty() || !spec.hooks.create_container.empty())
    out.after_mounts = [&spec, bundle](pid_t pid, int pidfd) -> Status {
      HookState state{spec.name, "creating", pid, bundle};
      PIER_CHECK(run_hooks(spec.hooks.create_runtime, "createRuntime", state, {-1, 0, bundle}));
      return run_hooks(spec.hooks.create_container, "createContainer", state,
                       {pidfd, hook_namespaces(spec, false), bundle});
    };
  if (options.before_exec || !spec.hooks.start_container.empty())
    out.before_exec = [&spec, &options, bundle](pid_t pid, int pidfd) -> Status {
      if (options.before_exec) PIER_CHECK(options.before_exec(pid, pidfd).context("before-exec hook"));
      return run_hooks(spec.hooks.start_container, "startContainer", {spec.name, "created", pid, bundle},
                       {pidfd, hook_namespaces(spec, true), "/"});
    };
  return out;
}

}  // namespace

Result<Container> spawn(const ContainerSpec& spec, const SpawnOptions& options) {
  PIER_CHECK(check_name("project", spec.project));
  PIER_CHECK(check_name("container", spec.name));
  PIER_TRY(CgroupManager* cgroups, cgroup_manager());
  const std::string rel = cgroup_name(spec.project, spec.name);
  // Without a cgroup, the PID namespace is what holds the container together: its init
  // dying kills every other process in it, so stop and down leave nothing behind.
  if (!cgroups->tracks_processes() && spec.namespaces.pid.kind != NamespaceMode::Kind::private_)
    return Error(fmt::format("container `{}`: sharing a PID namespace (pid: host, service: or container:) needs a "
                             "cgroup to find and stop every process of the container, and this rootless pier has none",
                             spec.name))
        .hint("drop `pid:` from the service, or delegate a cgroup v2 subtree to the user");
  if (cgroups->exists(rel))
    return Error(fmt::format("container `{}` already exists (cgroup {})", spec.name, rel))
        .hint("destroy it first");
  PIER_CHECK(create_host_paths(spec));
  PIER_TRY(RootfsLayout layout, prepare_rootfs(spec));
  ScopeExit cleanup([&] { (void)destroy(spec.project, spec.name, spec.state_dir); });
  PIER_CHECK(write_bundle(spec, layout.mountpoint));
  PIER_TRY(auto nodes, expand_devices(spec.devices));
  if (spec.privileged) append_host_devices(nodes);
  std::vector<UniqueFd> ns_fds;
  PIER_TRY(ContainerPlan plan, build_plan(spec, layout, nodes, ns_fds));
  PIER_TRY(auto rules, device_rules(spec, nodes));
  PIER_CHECK(cgroups->create(rel, spec.resources, rules).context("cgroup " + rel));
  PIER_TRY(Launched child, launch(plan, cgroups, rel, launch_hooks(spec, options)));
  cleanup.release();
  // The process runs: a failing poststart hook is reported, not fatal (runtime-spec).
  if (auto st = run_hooks(spec.hooks.poststart, "poststart", {spec.name, "running", child.pid, bundle_dir(spec.state_dir)},
                          {-1, 0, bundle_dir(spec.state_dir)});
      !st)
    log::warn("container {}: {}", spec.name, st.error().to_string());
  // No cgroup (rootless without delegation): the record says so, and every later use
  // of the cgroup (pause, stats, top, OOM counts) asks for its name and finds none.
  Container c{spec.project, spec.name, spec.state_dir, cgroups->tracks_processes() ? rel : std::string(), child.pid,
              std::move(child.pidfd), std::move(child.pty_master)};
  c.privileged = spec.privileged;
  c.seccomp = spec.seccomp;
  c.seccomp_profile = spec.seccomp_profile;
  c.cap_add = spec.process.cap_add;
  c.cap_drop = spec.process.cap_drop;
  c.rlimits = spec.process.rlimits;
  c.oom_score_adj = spec.process.oom_score_adj;
  c.no_new_privs = spec.process.no_new_privs;
  return c;
}

namespace {

// A file of the running container, read through its root ("" when absent).
Result<std::string> read_container_file(pid_t pid, const char* rel) {
  PIER_TRY(sys::ContentRoot root, sys::ContentRoot::open(fmt::format("/proc/{}/root", pid)));
  auto text = sys::read_file_in_root(root, rel, kImageFileLimit);
  if (!text && sys::is_absent(text.error())) return std::string();
  return text;
}

Result<bool> has_own_user_namespace(pid_t pid) {
  struct stat theirs{}, ours{};
  std::string path = fmt::format("/proc/{}/ns/user", pid);
  if (::stat(path.c_str(), &theirs) != 0) return Error::system("stat", path, errno);
  if (::stat("/proc/self/ns/user", &ours) != 0) return Error::system("stat", "/proc/self/ns/user", errno);
  return theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev;
}

}  // namespace

Result<ExecHandle> exec_in(const Container& c, const Process& process) {
  PIER_TRY(CgroupManager* cgroups, cgroup_manager());
  PIER_TRY(std::string passwd, read_container_file(c.pid, "etc/passwd").context("reading the container's users"));
  PIER_TRY(std::string group, read_container_file(c.pid, "etc/group").context("reading the container's groups"));
  PIER_TRY(ResolvedUser user, resolve_user(process.user, process.group_add, passwd, group));
  ContainerPlan plan;
  plan.exec_mode = true;
  plan.intermediate_pidfd = c.pidfd.get();
  plan.intermediate_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
  // A container in a user namespace of its own (keep-id): the process joins it too, or
  // it would run with pier's ids and capabilities over the container's mounts.
  PIER_TRY(bool own_userns, has_own_user_namespace(c.pid));
  if (own_userns) plan.intermediate_flags |= CLONE_NEWUSER;
  // Capabilities and seccomp as for the container's own process (Docker's exec defaults),
  // unless the process names its own.
  Process p = process;
  if (p.cap_add.empty() && p.cap_drop.empty()) {
    p.cap_add = c.cap_add;
    p.cap_drop = c.cap_drop;
  }
  // A process the container's own limits do not bind would be a way around them.
  if (p.rlimits.empty()) p.rlimits = c.rlimits;
  if (!p.oom_score_adj) p.oom_score_adj = c.oom_score_adj;
  p.no_new_privs = p.no_new_privs || c.no_new_privs;
  PIER_CHECK(plan_process(plan, p, user, "", c.privileged, c.seccomp, false, "", &c.seccomp_profile));
  PIER_TRY(Launched child, launch(plan, cgroups, c.cgroup, LaunchHooks{}));
  return ExecHandle{child.pid, std::move(child.pidfd), std::move(child.pty_master)};
}

Result<int> wait(int pidfd) { return wait_pidfd(pidfd); }

namespace {

// A container started without a cgroup (rootless, nothing delegated) has none to use.
Error no_cgroup(const char* operation, const Container& c) {
  return Error(fmt::format("{} {}: the container has no cgroup (pier runs rootless and no cgroup v2 subtree is "
                           "delegated to this user){}",
                           operation, c.name,
                           std::string_view(operation) == "pause" ? ", and freezing needs the cgroup freezer" : ""))
      .hint("run pier from a session whose cgroup the user owns (systemd's user@.service delegates one)");
}

}  // namespace

Status pause(const Container& c) {
  if (c.cgroup.empty()) return no_cgroup("pause", c);
  PIER_TRY(CgroupManager* cgroups, cgroup_manager());
  return cgroups->freeze(c.cgroup, true).context("pause " + c.name);
}

Status resume(const Container& c) {
  if (c.cgroup.empty()) return no_cgroup("unpause", c);
  PIER_TRY(CgroupManager* cgroups, cgroup_manager());
  return cgroups->freeze(c.cgroup, false).context("unpause " + c.name);
}

Result<CgroupStats> stats(const Container& c) {
  if (c.cgroup.empty()) return no_cgroup("read the figures of", c);
  PIER_TRY(CgroupManager* cgroups, cgroup_manager());
  return cgroups->stats(c.cgroup);
}

std::vector<std::string> ignored_limits(const Resources& res) {
  auto cgroups = cgroup_manager();
  return ignored_limits(res, cgroups.ok() ? (*cgroups)->limit_controllers() : std::vector<std::string>{});
}

Status kill(const Container& c, int signal) {
  if (sys::pidfd_send_signal(c.pidfd.get(), signal) < 0 && errno != ESRCH)
    return Error::system(fmt::format("signal {} to container", signal), c.name, errno);
  return {};
}

Status destroy(const std::string& project, const std::string& name, const std::string& state_dir) {
  // An empty or odd name would aim the kill and the rmdir at `pier/<project>/` itself,
  // or at another project's tree: the same wall as spawn's.
  PIER_CHECK(check_name("project", project).context("destroy"));
  PIER_CHECK(check_name("container", name).context("destroy"));
  PIER_TRY(CgroupManager* cgroups, cgroup_manager());
  const std::string rel = cgroup_name(project, name);
  // Every mount of the container lives in its own mount namespace, which the kernel tears
  // down with its last process: killing the cgroup's processes unmounts the rootfs.
  PIER_CHECK(cgroups->kill_all(rel).context("destroy " + name));
  PIER_CHECK(cgroups->remove(rel).context("destroy " + name));
  if (!state_dir.empty()) {
    run_poststop_hooks(state_dir, name);  // the container is gone; its bundle is still there
    PIER_CHECK(remove_tree(state_dir));
  }
  return {};
}

void release_project(const std::string& project) {
  if (!check_name("project", project)) return;
  auto cgroups = cgroup_manager();
  if (cgroups.ok()) (*cgroups)->remove_parents(cgroup_name(project, "x"));
}

}  // namespace pier::runtime
