#include "runtime/plan_builder.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "runtime/id_map.h"
#include "sys/syscalls.h"

namespace pier::runtime {

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool has_key(const std::vector<std::string>& env, std::string_view key) {
  for (const auto& e : env)
    if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=') return true;
  return false;
}

std::string env_value(const std::vector<std::string>& env, std::string_view key) {
  for (const auto& e : env)
    if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=')
      return e.substr(key.size() + 1);
  return {};
}

// "deny" in /proc/self/setgroups: a user namespace whose gid_map its own process wrote.
bool setgroups_denied() {
  static const bool denied = [] {
    auto text = read_file("/proc/self/setgroups");
    return text.ok() && trim(*text) == "deny";
  }();
  return denied;
}

Status plan_rlimits(ContainerPlan& plan, const std::vector<Rlimit>& limits) {
  bool nofile = false;
  for (const auto& l : limits) {
    if (l.resource < 0 || l.resource >= RLIM_NLIMITS) return Error(fmt::format("unknown rlimit {}", l.resource));
    if (l.soft > l.hard)
      return Error(fmt::format("rlimit {}: soft limit {} exceeds hard limit {}", l.resource, l.soft, l.hard));
    plan.rlimits.push_back({l.resource, {l.soft, l.hard}});
    nofile |= l.resource == RLIMIT_NOFILE;
  }
  if (!nofile) {
    // 1024 soft / 524288 hard (the systemd convention), capped by what this host allows
    // without CAP_SYS_RESOURCE.
    rlimit cur{};
    ::getrlimit(RLIMIT_NOFILE, &cur);
    rlim_t hard = std::min<rlim_t>(524288, cur.rlim_max);
    plan.rlimits.push_back({RLIMIT_NOFILE, {std::min<rlim_t>(1024, hard), hard}});
  }
  return {};
}

}  // namespace

Status plan_process(ContainerPlan& plan, const Process& process, const ResolvedUser& user,
                    const std::string& hostname, bool privileged, SeccompMode seccomp, bool init,
                    const std::string& init_path, const SeccompProfile* custom) {
  if (process.argv.empty() || process.argv[0].empty())
    return Error("no command to run").hint("set an entrypoint or command");
  (void)init_path;
  if (init) plan.argv_storage = {"/sbin/docker-init", "--"};
  plan.argv_storage.insert(plan.argv_storage.end(), process.argv.begin(), process.argv.end());
  std::vector<std::string> env;
  if (!has_key(process.env, "PATH")) env.push_back(std::string("PATH=") + kDefaultPath);
  if (!hostname.empty() && !has_key(process.env, "HOSTNAME")) env.push_back("HOSTNAME=" + hostname);
  if (!has_key(process.env, "HOME")) env.push_back("HOME=" + user.home);
  for (const auto& e : process.env) {
    if (e.find('=') == std::string::npos) return Error(fmt::format("environment entry `{}` has no `=`", e));
    env.push_back(e);
  }
  plan.search_path = has_key(env, "PATH") ? env_value(env, "PATH") : kDefaultPath;
  plan.env_storage = std::move(env);
  plan.workdir = process.workdir.empty() ? "/" : process.workdir;
  if (plan.workdir[0] != '/') return Error(fmt::format("working dir `{}` must be absolute", plan.workdir));
  // The last wall before setresuid: -1 there means "unchanged", so the process would keep
  // the runtime's root (resolve_user refuses it already; nothing else may hand it in).
  if (user.uid == static_cast<uid_t>(-1) || user.gid == static_cast<gid_t>(-1))
    return Error(fmt::format("user {}:{}: uid and gid 4294967295 mean \"unchanged\" to the kernel", user.uid, user.gid));
  for (gid_t g : user.groups)
    if (g == static_cast<gid_t>(-1)) return Error("supplementary group 4294967295 means \"unchanged\" to the kernel");
  plan.uid = user.uid;
  plan.gid = user.gid;
  plan.groups = user.groups;
  plan.setgroups_denied = setgroups_denied();
  if (plan.setgroups_denied && !user.groups.empty())
    return Error(fmt::format("user {}: supplementary groups cannot be set: pier's user namespace denies setgroups, "
                             "as one with a single-id map must",
                             process.user.empty() ? "root" : process.user))
        .hint("add subordinate ids for the user to /etc/subuid and /etc/subgid (newuidmap), or drop group_add and a "
              "user whose groups the image lists");
  PIER_CHECK(plan_rlimits(plan, process.rlimits));
  if (process.oom_score_adj) {
    if (*process.oom_score_adj < -1000 || *process.oom_score_adj > 1000)
      return Error(fmt::format("oom_score_adj {} is outside [-1000, 1000]", *process.oom_score_adj));
    plan.set_oom_score_adj = true;
    fmt::format_to_n(plan.oom_score_adj, sizeof plan.oom_score_adj - 1, "{}", *process.oom_score_adj);
  }
  plan.no_new_privs = process.no_new_privs;
  PIER_TRY(plan.caps, compute_caps(process.cap_add, process.cap_drop, privileged));
  plan.last_cap = last_cap();
  if (CapMask missing = plan.caps & ~available_caps())
    return Error(fmt::format("capabilities {} are not available to pier on this host", join(cap_names(missing), ", ")))
        .hint("pier can only grant what it holds itself");
  if (seccomp == SeccompMode::default_profile && !privileged) {
    PIER_TRY(plan.seccomp, default_seccomp_program(plan.caps));
  } else if (seccomp == SeccompMode::custom) {
    if (!custom) return Error("seccomp: custom mode without a profile");
    PIER_TRY(plan.seccomp, custom_seccomp_program(*custom));
  }
  for (int i = 0; i < 3; ++i) plan.stdio[i] = process.stdio[i];
  plan.tty = process.tty;
  plan.tty_rows = process.tty_rows;
  plan.tty_cols = process.tty_cols;
  return {};
}

Status plan_namespaces(ContainerPlan& plan, const Namespaces& ns, std::vector<UniqueFd>& fds) {
  plan.clone_flags = CLONE_NEWNS;
  struct Row {
    const NamespaceMode& mode;
    uint64_t flag;
    const char* name;
  };
  const Row rows[] = {{ns.net, CLONE_NEWNET, "network"}, {ns.ipc, CLONE_NEWIPC, "ipc"},
                      {ns.uts, CLONE_NEWUTS, "uts"}, {ns.pid, CLONE_NEWPID, "pid"}};
  for (const auto& r : rows) {
    if (r.mode.kind == NamespaceMode::Kind::private_) {
      plan.clone_flags |= r.flag;
      continue;
    }
    if (r.mode.kind == NamespaceMode::Kind::host) continue;
    UniqueFd fd;
    if (r.mode.kind == NamespaceMode::Kind::path) {
      // setns accepts an nsfs fd as it does a pidfd; the kernel checks the type.
      fd = UniqueFd(::open(r.mode.path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) return Error::system(fmt::format("join {} namespace", r.name), r.mode.path, errno);
    } else {
      fd = UniqueFd(sys::pidfd_open(r.mode.pid));
      if (!fd) return Error::system(fmt::format("join {} namespace of pid", r.name), std::to_string(r.mode.pid), errno)
                       .hint("the container to share with must be running");
    }
    if (r.flag == CLONE_NEWPID) {
      plan.intermediate_pidfd = fd.get();
      plan.intermediate_flags = CLONE_NEWPID;
    } else {
      plan.joins[plan.join_count++] = {fd.get(), static_cast<uint32_t>(r.flag)};
    }
    fds.push_back(std::move(fd));
  }
  plan.new_cgroup_ns = ns.cgroup;
  if (ns.user.enabled) {
    if (ns.user.uid_map.empty() || ns.user.gid_map.empty())
      return Error("user namespace: uid and gid maps must not be empty");
    if (plan.intermediate_pidfd >= 0)
      return Error("user namespace: sharing another container's PID namespace is not supported with userns_mode");
    // The child is in its new user namespace from clone on, with no capability over a
    // namespace the supervisor or another container holds: setns would say EPERM.
    for (const auto& r : rows)
      if (r.mode.kind == NamespaceMode::Kind::container || r.mode.kind == NamespaceMode::Kind::path)
        return Error(fmt::format("user namespace: joining another {} namespace (a held one, or another container's) "
                                 "is not supported with a user namespace of the container's own (keep-id)",
                                 r.name))
            .hint("give the service its own network, IPC and UTS namespaces, or drop keep-id");
    plan.clone_flags |= CLONE_NEWUSER;
    plan.user_ns = true;
    plan.become_root = maps_container_id(ns.user.uid_map, 0) && maps_container_id(ns.user.gid_map, 0);
    for (const auto& m : ns.user.uid_map) plan.uid_map += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
    for (const auto& m : ns.user.gid_map) plan.gid_map += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
  }
  return {};
}

}  // namespace pier::runtime
