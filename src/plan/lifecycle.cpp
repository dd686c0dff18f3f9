// restart policy, stop signal and stop grace period.
#include <fmt/format.h>

#include "base/strings.h"
#include "plan/signals.h"
#include "plan/steps.h"

namespace pier::plan::detail {

namespace {

Result<RestartSpec> from_restart(PlanContext& ctx, const std::string& value) {
  RestartSpec r;
  if (value.empty() || value == "no") return r;
  if (value == "always") r.kind = RestartKind::always;
  else if (value == "unless-stopped") r.kind = RestartKind::unless_stopped;
  else if (value == "on-failure") r.kind = RestartKind::on_failure;
  else if (starts_with(value, "on-failure:")) {
    std::string n = value.substr(11);
    if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos)
      return ctx.error("restart", fmt::format("invalid restart policy `{}`", value));
    r.kind = RestartKind::on_failure;
    r.max_retries = std::stoi(n);
  } else {
    return ctx.error("restart", fmt::format("unknown restart policy `{}`", value))
        .hint("use no, always, on-failure[:max-retries] or unless-stopped");
  }
  return r;
}

// deploy.restart_policy replaces `restart`. Its condition defaults to `any` (the
// specification's default); max_attempts only means something with on-failure.
Result<RestartSpec> from_deploy(PlanContext& ctx, const compose::RestartPolicy& p) {
  RestartSpec r;
  const std::string& c = p.condition;
  if (c == "none" || c == "no") r.kind = RestartKind::no;
  else if (c == "on-failure") r.kind = RestartKind::on_failure;
  else if (c.empty() || c == "any" || c == "always") r.kind = RestartKind::always;
  else if (c == "unless-stopped") r.kind = RestartKind::unless_stopped;
  else return ctx.error("deploy", fmt::format("unknown restart_policy condition `{}`", c)).hint("use none, on-failure or any");
  if (p.max_attempts) {
    if (r.kind == RestartKind::on_failure)
      r.max_retries = static_cast<int>(std::min<uint64_t>(*p.max_attempts, 1u << 30));
    else if (r.kind != RestartKind::no)
      ctx.warn("deploy", "restart_policy.max_attempts applies only to condition on-failure and is ignored");
  }
  if (p.delay || p.window)
    ctx.warn("deploy", "restart_policy.delay and window are not applied: pier backs off as Docker does (100ms doubling to 1m)");
  return r;
}

}  // namespace

Status plan_lifecycle(PlanContext& ctx) {
  const compose::Service& s = ctx.svc;
  if (s.deploy && s.deploy->restart_policy) {
    PIER_TRY(ctx.plan.restart, from_deploy(ctx, *s.deploy->restart_policy));
  } else {
    PIER_TRY(ctx.plan.restart, from_restart(ctx, s.restart));
  }
  const std::string& name = s.stop_signal.empty() ? ctx.image.stop_signal : s.stop_signal;
  if (!name.empty()) {
    auto sig = parse_signal(name);
    if (!sig) {
      if (s.stop_signal.empty())
        return ctx.error("image", fmt::format("the image's stop signal `{}` is not a signal", name))
            .hint("set `stop_signal:` in the service");
      return ctx.error("stop_signal", fmt::format("invalid stop_signal `{}`", name))
          .hint("use a name such as SIGTERM, SIGINT or SIGRTMIN+3, or a number");
    }
    ctx.plan.stop_signal = *sig;
  }
  if (s.stop_grace_period) {
    if (*s.stop_grace_period < 0) return ctx.error("stop_grace_period", "`stop_grace_period` must not be negative");
    ctx.plan.stop_grace = std::chrono::milliseconds(*s.stop_grace_period / 1000000);
  }
  return {};
}

}  // namespace pier::plan::detail
