// network_mode, pid, ipc, uts, userns_mode and cgroup -> the runtime's namespaces, and
// the hostname Docker would give the container.
#include <unistd.h>

#include <fmt/format.h>

#include "base/strings.h"
#include "plan/steps.h"
#include "runtime/id_map.h"
#include "sys/user_namespace.h"

namespace pier::plan::detail {

namespace {

using runtime::NamespaceMode;

bool names_container(const std::string& mode) {
  return starts_with(mode, "service:") || starts_with(mode, "container:");
}

Result<NamespaceMode> join_namespace_of(PlanContext& ctx, std::string_view key, const std::string& mode) {
  if (!ctx.in.find_pid)
    return ctx.error(key, fmt::format("`{}: {}` needs the other container, and no lookup was given", key, mode));
  auto pid = ctx.in.find_pid(mode);
  if (!pid) return std::move(pid).error().context(fmt::format("`{}: {}`", key, mode)).at(ctx.where(key));
  std::string short_key = key == "network_mode" ? "net" : std::string(key);
  ctx.plan.namespace_joins.push_back({short_key, mode});
  return NamespaceMode::of(*pid);
}

// A container others join gets the namespaces held for it, so it restarts into them.
Result<NamespaceMode> network_mode(PlanContext& ctx) {
  const std::string& mode = ctx.svc.network_mode;
  if (mode.empty() || mode == "none" || mode == "bridge" || mode == "default")
    return ctx.in.held ? NamespaceMode::at(ctx.in.held->net, true) : NamespaceMode{};
  if (mode == "host") return NamespaceMode::host();
  if (names_container(mode)) return join_namespace_of(ctx, "network_mode", mode);
  return ctx.error("network_mode", fmt::format("network_mode `{}` is not supported", mode))
      .hint("use none, bridge, host, service:<name> or container:<name>, or `networks:`");
}

Result<NamespaceMode> pid_mode(PlanContext& ctx) {
  const std::string& mode = ctx.svc.pid;
  if (mode.empty()) return NamespaceMode{};
  if (mode == "host") return NamespaceMode::host();
  if (names_container(mode)) return join_namespace_of(ctx, "pid", mode);
  return ctx.error("pid", fmt::format("pid `{}` is not supported", mode));
}

Result<NamespaceMode> ipc_mode(PlanContext& ctx) {
  const std::string& mode = ctx.svc.ipc;
  // Docker's default is a private namespace; `shareable` only lets others join it, which
  // pier always allows.
  if (mode.empty() || mode == "private" || mode == "shareable") return NamespaceMode{};
  if (mode == "none") {
    ctx.warn("ipc", "`ipc: none` runs with a private IPC namespace and /dev/shm mounted");
    return NamespaceMode{};
  }
  if (mode == "host") return NamespaceMode::host();
  if (names_container(mode)) return join_namespace_of(ctx, "ipc", mode);
  return ctx.error("ipc", fmt::format("ipc `{}` is not supported", mode));
}

std::string host_hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

// Docker: the service's hostname, else the host's with host networking, else the
// first 12 hex digits of the container id. A container that joins another one's network
// shares its UTS namespace here, so both show the same name as in Docker.
Status plan_hostname(PlanContext& ctx, bool joined_net) {
  runtime::ContainerSpec& spec = ctx.plan.spec;
  const compose::Service& s = ctx.svc;
  spec.domainname = s.domainname;
  if (s.hostname.size() > 64)
    return ctx.error("hostname", fmt::format("hostname `{}` is longer than 64 characters", s.hostname));
  if (s.uts == "host") {
    if (!s.hostname.empty())
      return ctx.error("hostname", "`hostname` cannot be set with `uts: host`").hint("remove one of them");
    ctx.hostname_env = host_hostname();
    return {};
  }
  if (joined_net) {
    if (!s.hostname.empty())
      return ctx.error("hostname", fmt::format("`hostname` cannot be set with `network_mode: {}`", s.network_mode))
          .hint("the container takes the hostname of the one whose network it joins");
    return {};
  }
  if (!s.hostname.empty()) spec.hostname = s.hostname;
  else if (s.network_mode == "host") spec.hostname = host_hostname();
  else spec.hostname = ctx.in.id.id.substr(0, 12);
  ctx.hostname_env = spec.hostname;
  return {};
}

}  // namespace

Result<std::string> plan_keep_id(PlanContext& ctx, const compose::Mark& mark, std::string_view what) {
  // Run by root, pier's containers already share root's ids with the host: there is no
  // user of pier's to keep.
  if (!sys::rootless())
    return ctx.error_at(mark, fmt::format("{} needs a rootless pier (one run by a user, not root)", what))
        .hint("remove it, or run pier as the user whose id the container should keep");
  runtime::Namespaces& ns = ctx.plan.spec.namespaces;
  // Its own user namespace mounts /proc only over a PID namespace it owns.
  if (ns.pid.kind != NamespaceMode::Kind::private_)
    return ctx.error_at(mark, fmt::format("{} needs the container's own PID namespace, not `pid: {}`", what,
                                          ctx.svc.pid));
  auto keep = runtime::keep_id();
  if (!keep) return ctx.error_at(mark, fmt::format("{}: {}", what, keep.error().to_string()));
  ns.user = std::move(keep->userns);
  return fmt::format("{}:{}", keep->uid, keep->gid);
}

Status plan_namespaces(PlanContext& ctx) {
  runtime::Namespaces& ns = ctx.plan.spec.namespaces;
  const compose::Service& s = ctx.svc;
  // `service:`/`container:` of a provider whose namespaces are held: join the files, so
  // this container survives the provider's restarts (and restarts itself without it).
  std::optional<PlanInputs::HeldNamespaces> provider;
  if (names_container(s.network_mode) && ctx.in.find_held) {
    auto held = ctx.in.find_held(s.network_mode);
    if (!held)
      return std::move(held).error().context(fmt::format("`network_mode: {}`", s.network_mode)).at(ctx.where("network_mode"));
    provider = *held;
  }
  if (provider) {
    ns.net = NamespaceMode::at(provider->net);
  } else {
    PIER_TRY(ns.net, network_mode(ctx));
  }
  PIER_TRY(ns.pid, pid_mode(ctx));
  PIER_TRY(ns.ipc, ipc_mode(ctx));
  const bool joined_net = names_container(s.network_mode);
  if (s.uts == "host") ns.uts = NamespaceMode::host();
  else if (provider) ns.uts = NamespaceMode::at(provider->uts);
  else if (joined_net) {
    ns.uts = ns.net;
    ctx.plan.namespace_joins.push_back({"uts", s.network_mode});
  }
  else if (ctx.in.held) ns.uts = NamespaceMode::at(ctx.in.held->uts, true);
  if (s.userns_mode == "keep-id") {
    auto it = s.key_marks.find("userns_mode");
    PIER_TRY(ctx.keep_id_user, plan_keep_id(ctx, it == s.key_marks.end() ? s.mark : it->second, "userns_mode `keep-id`"));
  } else if (!s.userns_mode.empty() && s.userns_mode != "host") {
    return ctx.error("userns_mode", fmt::format("userns_mode `{}` is not supported", s.userns_mode))
        .hint("remove it: pier runs containers in the host's user namespace, as Docker does without userns-remap");
  }
  ns.cgroup = s.cgroup != "host";
  return plan_hostname(ctx, joined_net);
}

}  // namespace pier::plan::detail
