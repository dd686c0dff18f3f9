// logging: the options of the container's json-file log (max-size, max-file), which
// the supervisor's log writer applies.
#include "plan/steps.h"

namespace pier::plan::detail {

Status plan_logging(PlanContext& ctx) {
  if (ctx.svc.logging) ctx.plan.log_options = ctx.svc.logging->options;
  return {};
}

}  // namespace pier::plan::detail
