// devices, device_cgroup_rules and sysctls.
#include <sys/stat.h>

#include <fmt/format.h>

#include "base/strings.h"
#include "cdi/names.h"
#include "runtime/cgroup/devices.h"
#include "runtime/sysctls.h"
#include "plan/steps.h"

namespace pier::plan::detail {

Status plan_devices(PlanContext& ctx) {
  runtime::ContainerSpec& spec = ctx.plan.spec;
  for (const auto& d : ctx.svc.devices) {
    if (cdi::looks_qualified(d.source)) continue;  // plan_cdi's
    if (d.source[0] != '/' || d.target.empty() || d.target[0] != '/')
      return ctx.error("devices", fmt::format("device `{}:{}`: both paths must be absolute", d.source, d.target));
    struct stat st{};
    if (::stat(d.source.c_str(), &st) != 0)
      return ctx.error("devices", fmt::format("device `{}` does not exist on this host", d.source));
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode) && !S_ISDIR(st.st_mode))
      return ctx.error("devices", fmt::format("`{}` is not a device node or a directory of them", d.source));
    spec.devices.push_back({d.source, d.target, d.permissions});
  }
  for (const auto& rule : ctx.svc.device_cgroup_rules) {
    if (auto parsed = runtime::parse_device_rule(rule); !parsed)
      return std::move(parsed).error().context(fmt::format("device_cgroup_rules `{}`", rule)).at(ctx.where("device_cgroup_rules"));
    spec.resources.device_cgroup_rules.push_back(rule);
  }
  // Checked here against the namespaces planned above, so the error points at the file;
  // the runtime checks again when it builds the mount table.
  for (const auto& [k, v] : ctx.svc.sysctls) {
    if (auto st = runtime::check_sysctl(k, v, spec.namespaces); !st)
      return std::move(st).error().context("sysctls").at(ctx.where("sysctls"));
    spec.sysctls[k] = v;
  }
  return {};
}

}  // namespace pier::plan::detail
