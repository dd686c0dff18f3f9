// pre_start: each step is a one-off container of the service (as `pier run --rm` makes
// one) with the step's image, command, user, working_dir, privileged and environment
// over the service's. It joins the service's networks and mounts its volumes, runs to
// completion, and is removed; the next step starts only once it exited 0.
#include <algorithm>

#include <fmt/format.h>

#include "compose/output.h"
#include "image/ensure.h"
#include "image/registry/registry_config.h"
#include "supervisor/naming.h"
#include "supervisor/pre_start.h"
#include "supervisor/supervisor.h"

namespace pier::supervisor {
namespace {

// The service as the step's container runs it: the step's keys over the service's,
// without what belongs to the long-running container (ports, restart, healthcheck,
// hooks, container_name).
compose::Service step_service(const compose::Service& service, const compose::ServiceHook& step) {
  compose::Service s = service;
  if (!step.image.empty()) {
    s.image = step.image;
    s.build.reset();
  }
  // The step's command replaces the service's entrypoint and command, as a hook's does;
  // without one the image's own entrypoint and cmd run.
  if (!step.command.empty()) {
    s.entrypoint = step.command;
    s.command = std::vector<std::string>{};
  } else {
    s.entrypoint.reset();
    s.command.reset();
  }
  if (!step.user.empty()) s.user = step.user;
  if (!step.working_dir.empty()) s.working_dir = step.working_dir;
  if (step.privileged) s.privileged = step.privileged;
  for (const auto& [key, value] : step.environment) {
    s.environment[key] = value;
    s.unset_environment.erase(key);
  }
  s.ports.clear();
  s.healthcheck.reset();
  s.restart.clear();
  if (s.deploy) s.deploy->restart_policy.reset();
  s.container_name.clear();
  s.tty = false;
  s.stdin_open = false;
  s.pre_start.clear();
  s.post_start.clear();
  s.pre_stop.clear();
  return s;
}

std::string step_text(const compose::ServiceHook& step) {
  if (step.command.empty()) return "the image's command";
  std::string out;
  for (const auto& a : step.command) out += (out.empty() ? "" : " ") + a;
  return "`" + out + "`";
}

}  // namespace

bool pre_start_due(const compose::Service& service, const std::vector<ManagedContainer*>& containers) {
  const std::string steps = compose::pre_start_hash(service);
  if (steps.empty()) return false;
  bool to_start = false;
  for (const auto* c : containers) {
    if (c->record().oneoff) continue;
    if (c->record().pre_start_done == steps) return false;
    to_start = to_start || !c->running();
  }
  return to_start;
}

void mark_pre_start_done(const compose::Service& service, const std::vector<ManagedContainer*>& containers) {
  const std::string steps = compose::pre_start_hash(service);
  for (auto* c : containers)
    if (!c->record().oneoff) c->set_pre_start_done(steps);
}

void Supervisor::run_pre_start_due(std::vector<ManagedContainer*> wave, std::function<void(Status)> done) {
  std::vector<std::string> services;
  for (const auto* c : wave)
    if (std::find(services.begin(), services.end(), c->service()) == services.end()) services.push_back(c->service());
  auto next = std::make_shared<std::function<void(size_t)>>();
  *next = [this, services, next, done](size_t index) {
    // The closure ends itself last: `done` is one of its captures.
    if (index >= services.size()) {
      done({});
      *next = nullptr;
      return;
    }
    const compose::Service* service = project_->project.find_service(services[index]);
    auto containers = select_services({services[index]});
    if (!service || !pre_start_due(*service, containers)) return (*next)(index + 1);
    run_pre_start(*service, [this, services, index, next, done](Status st) {
      if (!st) {
        done(st);
        *next = nullptr;
        return;
      }
      if (const auto* s = project_->project.find_service(services[index]))
        mark_pre_start_done(*s, select_services({services[index]}));
      (*next)(index + 1);
    });
  };
  (*next)(0);
}

void Supervisor::run_pre_start(const compose::Service& service, std::function<void(Status)> done) {
  run_pre_start_step(std::make_shared<const compose::Service>(service), 0, std::move(done));
}

void Supervisor::run_pre_start_step(std::shared_ptr<const compose::Service> service, size_t index,
                                    std::function<void(Status)> done) {
  if (index >= service->pre_start.size()) return done({});
  const compose::ServiceHook& step = service->pre_start[index];
  const compose::Project& project = project_->project;
  const std::string what = fmt::format("service {}: pre_start step {} ({})", service->name, index + 1, step_text(step));
  compose::Service s = step_service(*service, step);
  // A step's own image comes as `run` gets one: from the store, else pulled.
  const std::string reference = s.image_or_default(project.name);
  auto image = images_->resolve(reference);
  if (!image) {
    image::PullOptions pull_options;
    auto registries = image::RegistryConfig::load(paths_.root);
    if (!registries) return done(std::move(registries).error().context(what));
    pull_options.registries = std::move(*registries);
    image = image::ensure_image(*images_, reference, *image::parse_pull_policy("missing"), pull_options);
    if (!image) return done(std::move(image).error().context(what));
  }
  std::string id = random_container_id();
  std::string cname = fmt::format("{}-{}-pre_start-{}-{}", project.name, service->name, index + 1, id.substr(0, 12));
  auto made = new_record(project, s, 1, cname, paths_);
  if (!made) return done(std::move(made).error().context(what));
  state::ContainerRecord record = std::move(*made);
  record.id = id;
  record.oneoff = true;
  record.config_hash = compose::service_config_hash(project, service->name);
  record.image_id = image->record.id;
  auto plan = plan_for(s, record, *image);
  if (!plan) return done(std::move(plan).error().context(what));
  plan->restart = plan::RestartSpec{};
  // It answers on the service's networks to its own name only, as a one-off does.
  for (auto& network : plan->network.networks) network.names = {cname};
  network_plans_[cname] = plan->network;
  plan->labels["com.docker.compose.oneoff"] = "True";
  record.labels = plan->labels;
  record.command = plan->command_display;
  apply_exec_defaults(record, *plan);
  auto container = std::make_unique<ManagedContainer>(*this, record, std::move(*plan));
  if (auto st = container->persist_created(); !st) return done(std::move(st).error().context(what));
  auto* c = container.get();
  containers_[cname] = std::move(container);
  containers_changed();
  // The step's container goes whatever its end; `then` comes once it is gone.
  auto remove_then = [this, cname](std::function<void()> then) {
    loop_.post([this, cname, then = std::move(then)] {
      auto it = containers_.find(cname);
      if (it == containers_.end()) return then();
      remove_containers({it->second.get()}, [then](Status) { then(); },
                        control::Reply(std::weak_ptr<control::Connection>()));
    });
  };
  c->start([this, c, service, index, what, done, remove_then](Status st) {
    if (!st) return remove_then([done, what, error = st.error()] { done(Error(error).context(what)); });
    c->on_next_exit([this, service, index, what, done, remove_then](int code) {
      remove_then([this, service, index, what, done, code] {
        if (code != 0) return done(Error(fmt::format("{} exited with status {}", what, code)));
        run_pre_start_step(service, index + 1, done);
      });
    });
  });
}

}  // namespace pier::supervisor
