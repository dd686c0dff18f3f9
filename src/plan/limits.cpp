// ulimits -> rlimits and oom_score_adj: only what the service asks for (the runtime
// sets its own RLIMIT_NOFILE default), checked against what pier may grant.
#include <sys/resource.h>

#include <fmt/format.h>

#include "base/strings.h"
#include "plan/host_limits.h"
#include "plan/steps.h"
#include "sys/user_namespace.h"

namespace pier::plan::detail {

namespace {

// -1 means unlimited, as `ulimit` and Docker's parser write it.
Result<uint64_t> limit_value(PlanContext& ctx, const std::string& name, int64_t v) {
  if (v == -1) return static_cast<uint64_t>(RLIM_INFINITY);
  if (v < 0) return ctx.error("ulimits", fmt::format("ulimits.{}: {} is not a valid limit", name, v));
  return static_cast<uint64_t>(v);
}

std::string limit_text(uint64_t v) { return v == RLIM_INFINITY ? "unlimited" : std::to_string(v); }

std::vector<std::string> known_names() {
  return {"as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue",
          "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"};
}

Status plan_ulimit(PlanContext& ctx, const std::string& name, const compose::Ulimit& u) {
  auto resource = rlimit_resource(name);
  if (!resource) {
    Error e = ctx.error("ulimits", fmt::format("unknown ulimit `{}`", name));
    std::string guess = closest_match(name, known_names());
    return guess.empty() ? e : std::move(e).hint("did you mean `" + guess + "`?");
  }
  PIER_TRY(uint64_t soft, limit_value(ctx, name, u.single ? *u.single : u.soft));
  PIER_TRY(uint64_t hard, limit_value(ctx, name, u.single ? *u.single : u.hard));
  if (soft > hard)
    return ctx.error("ulimits", fmt::format("ulimits.{}: soft limit {} is greater than hard limit {}", name,
                                            limit_text(soft), limit_text(hard)));
  uint64_t ceiling = max_hard_rlimit(*resource);
  if (hard > ceiling)
    return ctx.error("ulimits", fmt::format("ulimits.{}: hard limit {} is above this host's limit {}", name,
                                            limit_text(hard), limit_text(ceiling)))
        .hint(fmt::format("use {} or less: pier cannot raise a hard limit without CAP_SYS_RESOURCE{}", limit_text(ceiling),
                          sys::rootless() ? ", which a rootless pier does not have" : ""));
  ctx.plan.spec.process.rlimits.push_back({*resource, soft, hard});
  return {};
}

Status plan_oom_score_adj(PlanContext& ctx) {
  if (!ctx.svc.oom_score_adj) return {};
  int64_t v = *ctx.svc.oom_score_adj;
  if (v < -1000 || v > 1000)
    return ctx.error("oom_score_adj", fmt::format("oom_score_adj {} is outside -1000..1000", v));
  int own = own_oom_score_adj();
  if (v < own && !has_sys_resource())
    return ctx.error("oom_score_adj", fmt::format("oom_score_adj {} is below pier's own ({})", v, own))
        .hint(fmt::format("use {} or more: lowering it needs CAP_SYS_RESOURCE{}", own,
                          sys::rootless() ? ", which a rootless pier does not have" : ""));
  ctx.plan.spec.process.oom_score_adj = static_cast<int>(v);
  return {};
}

}  // namespace

Status plan_limits(PlanContext& ctx) {
  for (const auto& [name, u] : ctx.svc.ulimits) PIER_CHECK(plan_ulimit(ctx, name, u));
  return plan_oom_score_adj(ctx);
}

}  // namespace pier::plan::detail
