// Container labels: the image's, then the service's, then the com.docker.compose.* set
// Docker Compose writes, so tools that read those labels find pier's containers too.
#include <fmt/format.h>

#include "base/strings.h"
#include "plan/steps.h"

#ifndef PIER_VERSION_STRING
#error "PIER_VERSION_STRING must come from CMake (the project version)"
#endif

namespace pier::plan::detail {

namespace {

// Compose's format: `db:service_healthy:false`, one per dependency, comma-joined (sorted
// here; Compose's order is a Go map's).
std::string depends_on_label(const compose::Service& s) {
  std::vector<std::string> parts;
  for (const auto& [name, dep] : s.depends_on)
    parts.push_back(fmt::format("{}:{}:{}", name, dep.condition, dep.restart ? "true" : "false"));
  return join(parts, ",");
}

}  // namespace

void plan_labels(PlanContext& ctx) {
  auto& labels = ctx.plan.labels;
  const ContainerIdentity& id = ctx.in.id;
  const compose::Project& p = *ctx.in.project;
  for (const auto& [k, v] : ctx.image.labels) labels[k] = v;
  for (const auto& [k, v] : ctx.svc.labels) labels[k] = v;
  labels["com.docker.compose.project"] = id.project;
  labels["com.docker.compose.service"] = id.service;
  labels["com.docker.compose.container-number"] = std::to_string(id.number);
  labels["com.docker.compose.oneoff"] = id.oneoff ? "True" : "False";
  if (id.oneoff) labels["com.docker.compose.slug"] = id.id;
  labels["com.docker.compose.config-hash"] = ctx.in.config_hash;
  labels["com.docker.compose.project.config_files"] = join(p.config_files, ",");
  labels["com.docker.compose.project.working_dir"] = p.working_dir;
  labels["com.docker.compose.version"] = PIER_VERSION_STRING;
  labels["com.docker.compose.image"] = ctx.in.image->record.id;
  labels["com.docker.compose.depends_on"] = depends_on_label(ctx.svc);
}

}  // namespace pier::plan::detail
