// Container names, IDs and the fresh record of a new container, as Docker Compose
// makes them: `<project>-<service>-<n>` unless `container_name` says otherwise.
#pragma once

#include <string>

#include "compose/model.h"
#include "state/container_record.h"
#include "state/paths.h"
#include "plan/plan.h"

namespace pier::supervisor {

std::string container_name(const compose::Project& project, const compose::Service& service, int number);
// 64 random hex digits.
std::string random_container_id();
Result<state::ContainerRecord> new_record(const compose::Project& project, const compose::Service& service, int number,
                                  const std::string& name, const state::ProjectPaths& paths);
// What `exec` needs later without the compose file: env, user, workdir, security.
void apply_exec_defaults(state::ContainerRecord& record, const plan::ServicePlan& plan);

}  // namespace pier::supervisor
