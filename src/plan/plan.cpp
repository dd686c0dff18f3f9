#include "plan/plan.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "plan/steps.h"

namespace pier::plan {

namespace detail {

std::string PlanContext::where(std::string_view key) const {
  auto it = svc.key_marks.find(std::string(key));
  if (it != svc.key_marks.end() && it->second.known()) return it->second.to_string();
  return svc.mark.to_string();
}

Error PlanContext::error(std::string_view key, std::string message) const {
  return Error(std::move(message)).at(where(key));
}

Error PlanContext::error_at(const compose::Mark& mark, std::string message) const {
  return Error(std::move(message)).at(mark.known() ? mark.to_string() : svc.mark.to_string());
}

Status claim_target(PlanContext& ctx, const std::string& target, const compose::Mark& mark, std::string_view what) {
  if (target.empty() || target[0] != '/')
    return ctx.error_at(mark, fmt::format("{} target `{}` is not an absolute path", what, target));
  std::string clean = clean_rooted_path(target);
  if (clean == "/") return ctx.error_at(mark, fmt::format("{} cannot be mounted on `/`", what));
  auto [it, fresh] = ctx.targets.emplace(clean, mark);
  if (!fresh) {
    std::string first = it->second.known() ? " (first at " + it->second.to_string() + ")" : "";
    return ctx.error_at(mark, fmt::format("duplicate mount point `{}`{}", clean, first));
  }
  return {};
}

namespace {
std::string warning_text(const std::string& location, const std::string& service, const std::string& message) {
  std::string out = location.empty() ? "" : location + ": ";
  return out + fmt::format("service \"{}\": {}", service, message);
}
}  // namespace

void PlanContext::warn(std::string_view key, std::string message) {
  plan.warnings.push_back(warning_text(where(key), svc.name, message));
}

void PlanContext::warn_at(const compose::Mark& mark, std::string message) {
  plan.warnings.push_back(warning_text(mark.known() ? mark.to_string() : svc.mark.to_string(), svc.name, message));
}

}  // namespace detail

Result<ServicePlan> plan_container(const PlanInputs& in) {
  if (!in.project || !in.service || !in.image) return Error("plan_container: project, service and image are required");
  ServicePlan plan;
  detail::PlanContext ctx{in, *in.service, in.image->config, plan};
  using Step = Status (*)(detail::PlanContext&);
  static constexpr Step kSteps[] = {
      detail::check_unsupported, detail::plan_rootfs,    detail::plan_namespaces, detail::plan_process,
      detail::plan_limits,       detail::plan_security,  detail::plan_mounts,     detail::plan_files,
      detail::plan_desktop,      detail::plan_devices,   detail::plan_cdi,        detail::order_mounts_step,
      detail::plan_resources,    detail::plan_health,
      detail::plan_lifecycle,    detail::plan_hooks,      detail::plan_networking, detail::plan_logging,
  };
  for (Step step : kSteps) {
    if (auto st = step(ctx); !st) return std::move(st).error().context(fmt::format("service \"{}\"", in.service->name));
  }
  detail::plan_labels(ctx);
  return plan;
}

}  // namespace pier::plan
