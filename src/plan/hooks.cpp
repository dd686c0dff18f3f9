// post_start and pre_stop: each hook becomes the process the supervisor execs into the
// running container, with the defaults Docker Compose gives an exec'd hook: the
// service's user and working directory, the container's environment with the hook's
// `environment` over it.
#include <fmt/format.h>

#include "plan/steps.h"

namespace pier::plan::detail {

namespace {

std::string variable_of(const std::string& entry) { return entry.substr(0, entry.find('=')); }

Result<std::vector<HookSpec>> plan_hook_list(PlanContext& ctx, std::string_view key,
                                             const std::vector<compose::ServiceHook>& hooks) {
  const runtime::Process& main = ctx.plan.spec.process;
  std::vector<HookSpec> out;
  for (size_t i = 0; i < hooks.size(); ++i) {
    const compose::ServiceHook& h = hooks[i];
    if (h.command.empty()) return ctx.error(key, fmt::format("`{}` hook {} has an empty `command`", key, i + 1));
    // The runtime would refuse it only once the container runs; Docker's exec refuses it too.
    if (!h.working_dir.empty() && h.working_dir[0] != '/')
      return ctx.error(key, fmt::format("`{}` hook {}: working_dir `{}` is not an absolute path", key, i + 1,
                                        h.working_dir));
    HookSpec spec;
    spec.process.argv = h.command;
    spec.process.env = main.env;
    for (const auto& [k, v] : h.environment) {
      std::erase_if(spec.process.env, [&](const std::string& e) { return variable_of(e) == k; });
      spec.process.env.push_back(k + "=" + v);
    }
    spec.process.workdir = !h.working_dir.empty() ? h.working_dir : main.workdir;
    spec.process.user = !h.user.empty() ? h.user : main.user;
    spec.process.group_add = main.group_add;
    spec.privileged = h.privileged.value_or(false);
    out.push_back(std::move(spec));
  }
  return out;
}

}  // namespace

Status plan_hooks(PlanContext& ctx) {
  PIER_TRY(ctx.plan.post_start, plan_hook_list(ctx, "post_start", ctx.svc.post_start));
  PIER_TRY(ctx.plan.pre_stop, plan_hook_list(ctx, "pre_stop", ctx.svc.pre_stop));
  return {};
}

}  // namespace pier::plan::detail
