// Container names, IDs and the fresh record of a new container, as Docker Compose
// makes them: `<project>-<service>-<n>` unless `container_name` says otherwise.
#pragma once

#include <string>

#include "compose/model.h"
#include "image/image_config.h"
#include "state/container_record.h"
#include "state/paths.h"
#include "plan/plan.h"

namespace pier::supervisor {

std::string container_name(const compose::Project& project, const compose::Service& service, int number);
// 64 random hex digits.
std::string random_container_id();
Result<state::ContainerRecord> new_record(const compose::Project& project, const compose::Service& service, int number,
                                  const std::string& name, const state::ProjectPaths& paths);
// The ports the container exposes, as Docker's container list counts them: the image's
// ExposedPorts and the service's `expose` ("8000-8002" expanded), "80/tcp" each, sorted
// and without duplicates.
std::vector<std::string> exposed_ports(const compose::Service& service, const image::ImageConfig& image);
// What `exec` needs later without the compose file: env, user, workdir, security.
void apply_exec_defaults(state::ContainerRecord& record, const plan::ServicePlan& plan);

}  // namespace pier::supervisor
