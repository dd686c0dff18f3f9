// The healthcheck: the service's fields over the image's HEALTHCHECK, field by field
// (an unset or zero field takes the image's), then Docker's defaults.
#include <fmt/format.h>

#include "plan/steps.h"

namespace pier::plan::detail {

namespace {

using std::chrono::milliseconds;

constexpr int64_t kNsPerMs = 1000000;

// First non-zero of the service's value and the image's, in nanoseconds; 0 if neither.
int64_t pick(const std::optional<int64_t>& service, int64_t image) {
  if (service && *service != 0) return *service;
  return image;
}

Result<milliseconds> duration(PlanContext& ctx, const char* name, int64_t ns, milliseconds fallback) {
  if (ns == 0) return fallback;
  // Docker refuses anything shorter than a millisecond (container.MinimumDuration).
  if (ns < kNsPerMs) return ctx.error("healthcheck", fmt::format("healthcheck {} must be at least 1ms", name));
  return milliseconds(ns / kNsPerMs);
}

}  // namespace

Status plan_health(PlanContext& ctx) {
  const std::optional<compose::Healthcheck>& svc = ctx.svc.healthcheck;
  const std::optional<image::HealthConfig>& img = ctx.image.healthcheck;
  if (svc && svc->disable) return {};
  std::vector<std::string> test;
  if (svc && svc->test && !svc->test->empty()) test = *svc->test;
  else if (img) test = img->test;
  if (test.empty() || test[0] == "NONE") return {};
  HealthSpec h;
  if (test[0] == "CMD") {
    h.argv.assign(test.begin() + 1, test.end());
  } else if (test[0] == "CMD-SHELL") {
    if (test.size() != 2) return ctx.error("healthcheck", "a CMD-SHELL healthcheck takes exactly one command string");
    h.argv = {"/bin/sh", "-c", test[1]};
  } else {
    return ctx.error("healthcheck", fmt::format("healthcheck test must start with CMD, CMD-SHELL or NONE, got `{}`", test[0]));
  }
  if (h.argv.empty() || h.argv[0].empty()) return ctx.error("healthcheck", "the healthcheck test has no command");
  const image::HealthConfig none{};
  const image::HealthConfig& base = img ? *img : none;
  std::optional<int64_t> unset;
  PIER_TRY(h.interval, duration(ctx, "interval", pick(svc ? svc->interval : unset, base.interval_ns), milliseconds(30000)));
  PIER_TRY(h.timeout, duration(ctx, "timeout", pick(svc ? svc->timeout : unset, base.timeout_ns), milliseconds(30000)));
  PIER_TRY(h.start_period, duration(ctx, "start_period", pick(svc ? svc->start_period : unset, base.start_period_ns), milliseconds(0)));
  PIER_TRY(h.start_interval, duration(ctx, "start_interval", pick(svc ? svc->start_interval : unset, base.start_interval_ns), milliseconds(5000)));
  int64_t retries = svc && svc->retries && *svc->retries != 0 ? static_cast<int64_t>(*svc->retries) : base.retries;
  h.retries = retries > 0 ? static_cast<int>(std::min<int64_t>(retries, 1 << 30)) : 3;
  ctx.plan.health = std::move(h);
  return {};
}

}  // namespace pier::plan::detail
