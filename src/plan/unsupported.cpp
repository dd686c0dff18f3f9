// Keys pier parses but cannot honour. What changes how the service behaves in a way its
// author relies on (a different OCI runtime, a Docker API socket) is an
// error; what only tunes or is Windows/Swarm-only is a warning, as Docker on Linux
// itself discards cpu_count/cpu_percent with a warning.
#include <fmt/format.h>

#include "plan/steps.h"

namespace pier::plan::detail {

namespace {

bool is_oci_runtime_alias(const std::string& runtime) {
  return runtime == "runc" || runtime == "crun" || runtime == "io.containerd.runc.v2";
}

Status check_errors(PlanContext& ctx) {
  const compose::Service& s = ctx.svc;
  if (!s.runtime.empty() && !is_oci_runtime_alias(s.runtime))
    return ctx.error("runtime", fmt::format("runtime `{}` is not supported: pier runs containers itself", s.runtime))
        .hint("remove `runtime`");
  if (!s.isolation.empty() && s.isolation != "default")
    return ctx.error("isolation", fmt::format("isolation `{}` is not supported on Linux", s.isolation))
        .hint("only `default` is valid on Linux");
  // Devices are reserved, not limited (the Compose spec has them under `reservations`).
  if (s.deploy && s.deploy->limits && s.deploy->limits->devices && !s.deploy->limits->devices->empty())
    return ctx.error("deploy", "device requests belong under `deploy.resources.reservations.devices`, not `limits`");
  if (s.use_api_socket.value_or(false))
    return ctx.error("use_api_socket", "`use_api_socket` is not supported: pier has no Docker API socket to share");
  return {};
}

void check_warnings(PlanContext& ctx) {
  const compose::Service& s = ctx.svc;
  if (!s.runtime.empty())
    ctx.warn("runtime", fmt::format("`runtime: {}` is ignored: pier runs containers with its own runtime", s.runtime));
  if (s.cpu_count) ctx.warn("cpu_count", "`cpu_count` is Windows-only and ignored (use `cpus`)");
  if (s.cpu_percent) ctx.warn("cpu_percent", "`cpu_percent` is Windows-only and ignored (use `cpus`)");
  if (s.cpu_rt_runtime) ctx.warn("cpu_rt_runtime", "`cpu_rt_runtime` is not applied: pier sets no real-time CPU budget");
  if (s.cpu_rt_period) ctx.warn("cpu_rt_period", "`cpu_rt_period` is not applied: pier sets no real-time CPU budget");
  if (s.mem_swappiness) ctx.warn("mem_swappiness", "`mem_swappiness` is not applied");
  if (s.oom_kill_disable.value_or(false)) ctx.warn("oom_kill_disable", "`oom_kill_disable` is not applied");
  if (!s.cgroup_parent.empty())
    ctx.warn("cgroup_parent", "`cgroup_parent` is ignored: pier places containers under pier/<project>/<container>");
  if (!s.storage_opt.empty()) ctx.warn("storage_opt", "`storage_opt` is not applied: pier sets no disk quota");
  if (s.credential_spec) ctx.warn("credential_spec", "`credential_spec` is Windows-only and ignored");
}

}  // namespace

Status check_unsupported(PlanContext& ctx) {
  PIER_CHECK(check_errors(ctx));
  check_warnings(ctx);
  return {};
}

Status plan_rootfs(PlanContext& ctx) {
  runtime::ContainerSpec& spec = ctx.plan.spec;
  spec.project = ctx.in.paths.kernel_name;
  spec.name = ctx.in.id.name;
  if (ctx.in.image->layer_dirs.empty())
    return ctx.error("image", fmt::format("image `{}` has no layers", ctx.in.image->record.name))
        .hint("pull or load the image again");
  // ResolvedImage keeps overlayfs's lowerdir order (topmost first), which is what the
  // runtime takes too.
  spec.layers = ctx.in.image->layer_dirs;
  PIER_TRY(spec.state_dir, ctx.in.paths.scratch_dir(ctx.in.id.name));
  spec.read_only_rootfs = ctx.svc.read_only.value_or(false);
  return {};
}

}  // namespace pier::plan::detail
