// Cross-reference checks over a normalised project: every service, network, volume,
// secret and config a service names must exist, and options must not conflict.
// Dependency cycles are the graph module's job.
#pragma once

#include "base/result.h"
#include "compose/model.h"

namespace pier::compose {

Status validate_project(const Project& project);

}  // namespace pier::compose
