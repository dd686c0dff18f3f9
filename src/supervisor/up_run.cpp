#include "supervisor/up_run.h"

#include <sys/resource.h>

#include <algorithm>
#include <cctype>

#include "base/log.h"
#include "compose/output.h"
#include "graph/from_project.h"
#include "image/ensure.h"
#include "supervisor/ignored_limits.h"
#include "supervisor/port_conflicts.h"
#include "supervisor/pre_start.h"
#include "supervisor/worker_pool.h"
#include "supervisor/naming.h"

namespace pier::supervisor {
namespace {

// " (last health check: exit 1: broken-db)": why the container is unhealthy, in the
// error `up` reports, from the results the container keeps.
std::string last_probe_text(const ManagedContainer& c) {
  if (c.probe_results().empty()) return "";
  const auto& last = c.probe_results().back();
  std::string output = last.output;
  while (!output.empty() && std::isspace(static_cast<unsigned char>(output.back()))) output.pop_back();
  return " (last health check: exit " + std::to_string(last.exit_code) + (output.empty() ? "" : ": " + output) + ")";
}

}  // namespace

UpRun::UpRun(UpHost& host, UpOptions options, control::Reply reply)
    : host_(host), options_(std::move(options)), reply_(std::move(reply)), project_(host.project().project) {}

UpRun::~UpRun() { *alive_ = false; }

void UpRun::progress(const std::string& subject, const std::string& status) {
  reply_.event({{"progress", subject}, {"status", status}});
}

void UpRun::finish(Status status) {
  if (finished_) return;
  finished_ = true;
  phase_ = Phase::done;
  wait_timer_.reset();
  if (on_done_) on_done_(status);
  else reply_.finish(status);
  host_.run_ended();
}

Status UpRun::choose_targets() {
  PIER_TRY(targets_, up_targets(project_, options_));
  PIER_TRY(auto counts, checked_replicas(project_, targets_, options_));
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  return check_listener_budget(project_, counts, files.rlim_cur);
}

void UpRun::begin() {
  host_.run_began();
  if (auto st = choose_targets(); !st) return finish(st);
  auto changed = host_.network().ensure_networks(project_, targets_, NetworkDriver::OnChange::report);
  if (!changed) return finish(std::move(changed).error());
  changed_networks_.insert(changed->begin(), changed->end());
  pull_images();
}

// Every target's image, resolved (pulled or loaded per pull_policy) in parallel.
void UpRun::pull_images() {
  phase_ = Phase::images;
  std::set<std::string> refs;
  std::map<std::string, image::PullPolicy> policies;
  for (const auto& name : targets_) {
    const auto& service = *project_.find_service(name);
    std::string ref = service.image_or_default(project_.name);
    auto policy = up_pull_policy(service, options_);
    if (!policy) return finish(std::move(policy).error().context("service " + name));
    // The images it mounts come as its own does; `build` is for its own image only: a
    // mounted one is pulled when missing.
    image::PullPolicy mount_policy = *policy;
    if (mount_policy.kind == image::PullPolicy::Kind::build) mount_policy.kind = image::PullPolicy::Kind::missing;
    for (const auto& mounted : plan::mounted_images(service))
      if (refs.insert(mounted).second) policies[mounted] = mount_policy;
    if (policy->kind == image::PullPolicy::Kind::build) {
      // The CLI built what `up` had to build before asking; the image is in the store.
      if (host_.images().find(ref)) policy->kind = image::PullPolicy::Kind::never;
      else
        return finish(Error("service " + name + ": image `" + ref + "` must be built and is not in the store")
                          .hint("run `pier build " + name + "` or `pier up --build` (not --no-build)"));
    }
    if (refs.insert(ref).second) policies[ref] = *policy;
  }
  pending_ = static_cast<int>(refs.size());
  if (pending_ == 0) return plan_containers();
  auto results = std::make_shared<std::map<std::string, image::ResolvedImage>>();
  auto failed = std::make_shared<std::optional<Error>>();
  // Mirrors, insecure registries and certs.d, as `pier pull` reads them.
  image::PullOptions pull_options;
  auto registries = image::RegistryConfig::load(host_.paths().root);
  if (!registries) return finish(std::move(registries).error());
  pull_options.registries = std::move(*registries);
  for (const auto& ref : refs) {
    const image::Store* store = &host_.images();
    image::PullPolicy policy = policies[ref];
    bool will_pull = !store->find(ref).ok() && policy.kind != image::PullPolicy::Kind::never;
    if (will_pull && !options_.quiet_pull) progress("Image " + ref, "Pulling");
    host_.workers().run<Result<image::ResolvedImage>>(
        [store, ref, policy, pull_options] { return image::ensure_image(*store, ref, policy, pull_options); },
        [this, alive = alive_, ref, results, failed, will_pull](Result<image::ResolvedImage> resolved) {
          if (!*alive || finished_) return;
          if (!resolved) {
            if (!*failed) *failed = std::move(resolved).error().context("image " + ref);
          } else {
            if (will_pull && !options_.quiet_pull) progress("Image " + ref, "Pulled");
            (*results)[ref] = std::move(*resolved);
          }
          if (--pending_ > 0) return;
          if (*failed) return finish(**failed);
          for (const auto& name : targets_)
            images_[name] = results->at(project_.find_service(name)->image_or_default(project_.name));
          plan_containers();
        });
  }
}

// The create/recreate/remove decisions (up_decisions.h) over the targets as the file
// wants them and the containers there are (a network made anew makes those on it
// obsolete); removals happen first, then the start phase.
void UpRun::plan_containers() {
  phase_ = Phase::removing;
  std::vector<WantedService> wanted;
  for (const auto& name : targets_) {
    auto w = wanted_service(project_, *project_.find_service(name), &host_.project().tree.environment,
                            images_.at(name).record.id, options_);
    if (!w) return finish(std::move(w).error());
    digests_[name] = w->sources_digest;
    wanted.push_back(std::move(*w));
  }
  std::vector<ExistingContainer> existing;
  std::map<std::string, ManagedContainer*> by_name;
  for (auto* c : host_.select({})) {
    const auto& r = c->record();
    existing.push_back(
        {r.name, r.service, r.number, r.oneoff, r.config_hash, r.image_id, r.sources_digest, r.volumes_hash,
         on_changed_network(*c)});
    by_name[r.name] = c;
  }
  std::map<std::string, std::set<std::string>> dependents;
  if (auto deps = graph::from_project(project_); deps.ok())
    for (const auto& name : targets_) dependents[name] = deps->dependents_of(name);
  std::set<std::string> services;
  for (const auto& [name, _] : project_.services) services.insert(name);
  decisions_ = decide_up(wanted, existing, services, dependents, options_);
  // A container that stays may have been adopted after a crash, without a plan.
  for (const auto& name : decisions_.kept) {
    auto* c = by_name.at(name);
    if (!c->plan().spec.process.argv.empty()) continue;
    auto plan = host_.plan_for(*project_.find_service(c->service()), c->record(), images_.at(c->service()));
    if (!plan) return finish(std::move(plan).error());
    c->replace_plan(std::move(*plan));
  }
  if (!options_.ignore_orphans)
    for (const auto& name : decisions_.orphans_left)
      reply_.event({{"warning", orphan_warning(name)}});
  std::vector<ManagedContainer*> to_remove;
  for (const auto& removed : decisions_.removed) {
    to_remove.push_back(by_name.at(removed.name));
    progress("Container " + removed.name, "Recreate");
  }
  // What else is on a network about to be made anew stops first, as Compose stops
  // it: a container of a service this run does not recreate, a one-off.
  std::vector<ManagedContainer*> to_stop;
  for (auto* c : host_.select({}))
    if (on_changed_network(*c) && std::find(to_remove.begin(), to_remove.end(), c) == to_remove.end())
      to_stop.push_back(c);
  host_.remove_containers(to_remove, [this, alive = alive_, to_stop](Status st) {
    if (!*alive || finished_) return;
    if (!st) return finish(st);
    host_.stop_containers(to_stop, [this, alive](Status st) {
      if (!*alive || finished_) return;
      if (!st) return finish(st);
      if (auto made = recreate_networks(); !made) return finish(made);
      create_missing();
    }, reply_);
  }, reply_);
}

// Compose's lines for a network whose configuration changed: removed, then made anew.
Status UpRun::recreate_networks() {
  for (const auto& name : changed_networks_) {
    auto declared = project_.networks.find(name);
    const std::string subject = "Network " + (declared != project_.networks.end() ? declared->second.name : name);
    if (auto st = host_.network().recreate_network(project_, name); !st) {
      progress(subject, "Error");
      return st;
    }
    progress(subject, "Removed");
    progress(subject, "Creating");
    progress(subject, "Created");
  }
  return {};
}

bool UpRun::on_changed_network(const ManagedContainer& c) const {
  if (changed_networks_.empty()) return false;
  for (const auto& ep : c.record().endpoints)
    if (changed_networks_.count(ep.network)) return true;
  const auto* service = project_.find_service(c.service());
  return service && attaches_to(*service, changed_networks_);
}

void UpRun::create_missing() {
  // A container whose record no longer parses still holds the name (and cgroup) about
  // to be created: it goes first, as a recreated container does.
  std::set<std::string> missing;
  for (const auto& created : decisions_.created) missing.insert(created.name);
  host_.remove_unreadable(reply_, missing, [this, alive = alive_](Status st) {
    if (!*alive || finished_) return;
    if (!st) return finish(st);
    create_containers();
  });
}

void UpRun::create_containers() {
  IgnoredLimits ignored;
  for (const auto& [name, number, cname] : decisions_.created) {
    // Another `up` of the same project, running beside this one, may have made it.
    if (host_.has_container(cname)) continue;
    const auto& service = *project_.find_service(name);
    auto made = new_record(project_, service, number, cname, host_.paths());
    if (!made) return finish(std::move(made).error());
    state::ContainerRecord record = std::move(*made);
    record.config_hash = compose::service_config_hash(project_, name);
    record.sources_digest = digests_.at(name);
    record.volumes_hash = compose::service_volumes_hash(project_, name);
    record.image_id = images_.at(name).record.id;
    auto plan = host_.plan_for(service, record, images_.at(name));
    if (!plan) return finish(std::move(plan).error());
    record.labels = plan->labels;
    record.command = plan->command_display;
    record.exposed = exposed_ports(service, images_.at(name).config);
    apply_exec_defaults(record, *plan);
    for (const auto& w : plan->warnings) reply_.event({{"warning", "service " + name + ": " + w}});
    ignored.add(name, host_.driver().ignored_limits(plan->spec.resources));
    auto c = std::make_unique<ManagedContainer>(host_, record, std::move(*plan));
    if (auto st = c->persist_created(); !st) return finish(st);
    host_.add_container(std::move(c));
    progress("Container " + cname, "Created");
  }
  // Once per run, for the whole project: which limits the containers start without.
  if (std::string w = ignored.warning(); !w.empty()) reply_.event({{"warning", w}});
  if (options_.no_start) return finish({});
  phase_ = Phase::starting;
  for (const auto& name : targets_) services_[name] = ServiceStart::pending;
  if (options_.wait && options_.wait_timeout_s > 0) {
    wait_timer_ = host_.loop().create_timer([this] {
      finish(Error("timed out after " + std::to_string(options_.wait_timeout_s) +
                   " s waiting for the project's services to be running and healthy"));
    });
    wait_timer_->start(std::chrono::seconds(options_.wait_timeout_s));
  }
  evaluate();
}

UpRun::Gate UpRun::gate(const std::string& service, const std::string& dependency,
                        const compose::DependsOn& dep) const {
  auto it = services_.find(dependency);
  if (it == services_.end()) return {};  // not part of this run (--no-deps)
  if (it->second != ServiceStart::started) return {Gate::wait, ""};
  for (auto* c : host_.select({dependency})) {
    if (c->record().oneoff) continue;
    const auto& r = c->record();
    if (dep.condition == "service_healthy") {
      if (!c->has_health())
        return {Gate::fail, "dependency " + dependency + " has no healthcheck, so service_healthy cannot hold"};
      if (r.state == state::ContainerState::exited)
        return {Gate::fail, "dependency failed to start: container " + c->name() + " exited (" +
                                std::to_string(r.exit_code) + ")"};
      if (r.health == "unhealthy")
        return {Gate::fail, "dependency failed to start: container " + c->name() + " is unhealthy" + last_probe_text(*c)};
      if (r.health != "healthy") return {Gate::wait, ""};
    } else if (dep.condition == "service_completed_successfully") {
      if (r.state != state::ContainerState::exited || c->starting()) return {Gate::wait, ""};
      if (r.exit_code != 0)
        return {Gate::fail, "service \"" + dependency + "\" didn't complete successfully: exit " +
                                std::to_string(r.exit_code)};
    }
  }
  (void)service;
  return {};
}

void UpRun::evaluate() {
  if (finished_) return;
  if (phase_ == Phase::waiting) return check_wait();
  if (phase_ != Phase::starting) return;
  bool all_started = true;
  for (const auto& name : targets_) {
    auto& state = services_[name];
    if (state == ServiceStart::started) continue;
    all_started = false;
    if (!can_start(state)) continue;
    const auto& service = *project_.find_service(name);
    bool ready = true;
    for (const auto& [dep_name, dep] : service.depends_on) {
      auto g = gate(name, dep_name, dep);
      if (g.kind == Gate::wait) {
        ready = false;
        break;
      }
      if (g.kind == Gate::fail) {
        if (!dep.required) {
          reply_.event({{"warning", "service " + name + ": optional " + g.why}});
          continue;
        }
        return finish(Error(g.why).context("service " + name));
      }
    }
    if (ready) start_service(name);
  }
  if (!all_started) return;
  if (!options_.wait) return finish({});
  phase_ = Phase::waiting;
  check_wait();
}

bool UpRun::move_service(const std::string& name, ServiceStart to) {
  auto& state = services_[name];
  if (!can_move(state, to)) {
    finish(Error("service " + name + ": cannot go from " + to_string(state) + " to " + to_string(to)));
    return false;
  }
  state = to;
  return true;
}

void UpRun::start_service(const std::string& name) {
  if (!move_service(name, ServiceStart::starting)) return;
  const auto& service = *project_.find_service(name);
  if (!pre_start_due(service, host_.select({name}))) return start_containers(name);
  host_.run_pre_start(service, [this, alive = alive_, name](Status st) {
    if (!*alive || finished_) return;
    if (!st) return finish(st);
    mark_pre_start_done(*project_.find_service(name), host_.select({name}));
    start_containers(name);
  });
}

void UpRun::start_containers(const std::string& name) {
  auto containers = host_.select({name});
  auto remaining = std::make_shared<int>(0);
  for (auto* c : containers)
    if (!c->record().oneoff) ++*remaining;
  if (*remaining == 0) {
    if (!move_service(name, ServiceStart::started)) return;
    return host_.loop().post([this, alive = alive_] {
      if (*alive) evaluate();
    });
  }
  for (auto* c : containers) {
    if (c->record().oneoff) continue;
    bool already = c->running();
    if (!already) progress("Container " + c->name(), "Starting");
    c->start([this, alive = alive_, name, cname = c->name(), already, remaining](Status st) {
      if (!*alive || finished_) return;
      if (!st) return finish(st);
      if (!already) progress("Container " + cname, "Started");
      else progress("Container " + cname, "Running");
      if (--*remaining == 0 && move_service(name, ServiceStart::started)) evaluate();
    }, ManagedContainer::Hooks::run);
  }
}

// --wait: every container running (and healthy when it has a check), or exited 0.
void UpRun::check_wait() {
  bool all = true;
  for (const auto& name : targets_)
    for (auto* c : host_.select({name})) {
      const auto& r = c->record();
      if (r.oneoff) continue;
      if (r.state == state::ContainerState::exited) {
        if (r.exit_code != 0)
          return finish(Error("container " + c->name() + " exited (" + std::to_string(r.exit_code) + ")"));
        continue;
      }
      if (r.health == "unhealthy") return finish(Error("container " + c->name() + " is unhealthy" + last_probe_text(*c)));
      if (r.state != state::ContainerState::running || (c->has_health() && r.health != "healthy")) all = false;
    }
  if (all) {
    for (const auto& name : targets_)
      for (auto* c : host_.select({name}))
        if (c->has_health()) progress("Container " + c->name(), "Healthy");
    finish({});
  }
}

}  // namespace pier::supervisor
