// The CDI device names a service asks for (cdi_requests.cpp). Internal to plan/.
#pragma once

#include <string>
#include <vector>

#include "plan/steps.h"

namespace pier::cdi {
struct Registry;
}

namespace pier::plan::detail {

// Whether the service names any CDI device or GPU (so the spec dirs need reading).
bool asks_for_cdi(const compose::Service& s);

// Appends, without repeats, every CDI name the service asks for: its `devices:` CDI
// entries, its device requests in `deploy.resources.reservations.devices`, its `gpus`.
Status cdi_device_names(PlanContext& ctx, const cdi::Registry& registry, std::vector<std::string>& names);

}  // namespace pier::plan::detail
