// Test helpers: a compose file (through the real loader and normaliser) plus a
// hand-made image -> PlanInputs -> ServicePlan.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "state/paths.h"
#include "plan/plan.h"
#include "unit/compose/model/helpers.h"

namespace pier::plan::test {

inline const std::string kId = "3f2a9c1b7d4e" + std::string(52, '0');

inline image::ImageConfig busybox_config() {
  image::ImageConfig c;
  c.cmd = {"sh"};
  c.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  return c;
}

struct Setup {
  compose::Project project;
  image::ResolvedImage image;
  compose::Environment environment;
  PlanInputs in;
};

// Keeps the project and image alive behind the raw pointers PlanInputs holds.
inline std::unique_ptr<Setup> setup(const std::string& yaml, image::ImageConfig config = busybox_config(),
                                    const std::string& service = "app") {
  auto project = compose::test::normalize(yaml);
  if (!project) throw std::runtime_error(project.error().to_string());
  auto s = std::make_unique<Setup>();
  s->project = std::move(*project);
  s->image.record.name = "docker.io/library/busybox:latest";
  s->image.record.id = "sha256:" + std::string(64, 'b');
  s->image.config = std::move(config);
  s->image.layer_dirs = {"/var/lib/pier/images/layers/top/root", "/var/lib/pier/images/layers/base/root"};
  s->environment = {{"DB_PASSWORD", "s3cret"}};
  PlanInputs& in = s->in;
  in.project = &s->project;
  in.service = s->project.find_service(service);
  if (!in.service) throw std::runtime_error("no service " + service);
  in.image = &s->image;
  in.id = {"proj", service, "proj-" + service + "-1", kId, 1, false};
  in.paths = state::project_paths("/tmp/pier-plan-test-root", "proj").value();
  in.config_hash = "cafe";
  in.environment = &s->environment;
  in.find_pid = [](const std::string& mode) -> Result<pid_t> {
    if (mode == "service:db" || mode == "container:legacy") return pid_t{4242};
    return Error("no running container for `" + mode + "`");
  };
  return s;
}

inline ServicePlan plan_of(const std::string& yaml, image::ImageConfig config = busybox_config()) {
  auto s = setup(yaml, std::move(config));
  auto plan = plan_container(s->in);
  if (!plan) throw std::runtime_error(plan.error().to_string());
  return std::move(*plan);
}

inline std::string error_of(const std::string& yaml, image::ImageConfig config = busybox_config()) {
  auto s = setup(yaml, std::move(config));
  auto plan = plan_container(s->in);
  if (plan) return "<no error>";
  return plan.error().to_string();
}

inline bool has_env(const ServicePlan& p, const std::string& entry) {
  for (const auto& e : p.spec.process.env)
    if (e == entry) return true;
  return false;
}

inline std::string warnings_of(const ServicePlan& p) {
  std::string out;
  for (const auto& w : p.warnings) out += w + "\n";
  return out;
}

}  // namespace pier::plan::test
