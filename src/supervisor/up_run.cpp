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
  PIER_TRY(auto deps, graph::from_project(project_));
  std::vector<std::string> wanted = options_.services;
  for (const auto& name : wanted) {
    const auto* service = project_.find_service(name);
    if (!service) return Error("no such service: " + name);
    if (service->disabled) return Error("service " + name + " is not enabled by the active profiles");
  }
  if (wanted.empty())
    for (const auto& [name, service] : project_.services)
      if (!service.disabled) wanted.push_back(name);
  std::set<std::string> chosen(wanted.begin(), wanted.end());
  if (!options_.no_deps) chosen = deps.with_dependencies(wanted);
  PIER_TRY(auto waves, deps.start_waves());
  for (const auto& wave : waves)
    for (const auto& name : wave)
      if (chosen.count(name)) targets_.push_back(name);
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& name : targets_) {
    const auto& service = *project_.find_service(name);
    int replicas = options_.scale.count(name) ? options_.scale.at(name) : static_cast<int>(service.replicas());
    if (!service.container_name.empty() && replicas > 1)
      return Error("service " + name + ": cannot run " + std::to_string(replicas) +
                   " replicas with a fixed container_name `" + service.container_name + "`")
          .hint("remove container_name or scale to 1");
    counts.emplace_back(name, replicas);
  }
  PIER_CHECK(check_host_ports(project_, counts));
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  return check_listener_budget(project_, counts, files.rlim_cur);
}

void UpRun::begin() {
  host_.run_began();
  if (auto st = choose_targets(); !st) return finish(st);
  if (auto st = host_.network().ensure_networks(project_, targets_); !st) return finish(st);
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
    std::string policy_text = !options_.pull.empty() ? options_.pull : service.pull_policy;
    if (policy_text.empty()) policy_text = service.build ? "build" : "missing";
    auto policy = image::parse_pull_policy(policy_text);
    if (!policy) return finish(std::move(policy).error().context("service " + name));
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

// --always-recreate-deps: a dependency that was not named is recreated, as Compose's
// "force" policy for dependencies (the services named follow --force-recreate).
bool UpRun::always_recreate(const std::string& service) const {
  if (!options_.always_recreate_deps || options_.services.empty()) return false;
  return std::find(options_.services.begin(), options_.services.end(), service) == options_.services.end();
}

// Decides, per target service, which containers stay, which are recreated (config
// hash, image or the content of a secret or config changed, or --force-recreate), which go (scale down, orphans) and
// which are new; removals happen first, then the start phase.
void UpRun::plan_containers() {
  phase_ = Phase::removing;
  std::vector<ManagedContainer*> to_remove;
  std::set<std::string> recreated;
  for (const auto& name : targets_) {
    const auto& service = *project_.find_service(name);
    int replicas = options_.scale.count(name) ? options_.scale.at(name) : static_cast<int>(service.replicas());
    std::string hash = compose::service_config_hash(project_, name);
    auto digest = plan::sources_digest(project_, service, &host_.project().tree.environment);
    if (!digest) return finish(std::move(digest).error());
    digests_[name] = *digest;
    const auto& image = images_.at(name);
    for (auto* c : host_.select({name})) {
      if (c->record().oneoff) continue;
      bool changed = c->record().config_hash != hash || c->record().image_id != image.record.id ||
                     c->record().sources_digest != *digest;
      if (c->record().number > replicas) to_remove.push_back(c);
      else if (!options_.no_recreate && (options_.force_recreate || changed || always_recreate(name))) {
        to_remove.push_back(c);
        recreated.insert(name);
      } else if (c->plan().spec.process.argv.empty()) {
        auto plan = host_.plan_for(service, c->record(), image);
        if (!plan) return finish(std::move(plan).error());
        c->replace_plan(std::move(*plan));
      }
    }
  }
  // Those depending on a recreated service are recreated too, so they see it anew.
  if (!recreated.empty() && !options_.no_recreate) {
    auto deps = graph::from_project(project_);
    if (deps) {
      std::set<std::string> extra;
      for (const auto& s : recreated)
        for (const auto& d : deps->dependents_of(s))
          if (!recreated.count(d) && std::find(targets_.begin(), targets_.end(), d) != targets_.end()) extra.insert(d);
      for (const auto& d : extra)
        for (auto* c : host_.select({d}))
          if (!c->record().oneoff && std::find(to_remove.begin(), to_remove.end(), c) == to_remove.end())
            to_remove.push_back(c);
    }
  }
  for (auto* c : host_.select({})) {
    if (c->record().oneoff || project_.services.count(c->service())) continue;
    if (options_.remove_orphans) to_remove.push_back(c);
    else if (!options_.ignore_orphans)
      reply_.event({{"warning", "Found orphan container (" + c->name() +
                                    ") for this project. If you removed or renamed this service in your compose "
                                    "file, you can run this command with the --remove-orphans flag to clean it up."}});
  }
  for (auto* c : to_remove) progress("Container " + c->name(), "Recreate");
  host_.remove_containers(to_remove, [this, alive = alive_](Status st) {
    if (!*alive || finished_) return;
    if (!st) return finish(st);
    // A container whose record no longer parses still holds the name (and cgroup) about
    // to be created: it goes first, as a recreated container does.
    std::set<std::string> missing;
    for (const auto& name : targets_) {
      const auto& service = *project_.find_service(name);
      int replicas = options_.scale.count(name) ? options_.scale.at(name) : static_cast<int>(service.replicas());
      for (int n = 1; n <= replicas; ++n)
        if (std::string cname = container_name(project_, service, n); !host_.has_container(cname)) missing.insert(cname);
    }
    host_.remove_unreadable(reply_, missing, [this, alive](Status st) {
      if (!*alive || finished_) return;
      if (!st) return finish(st);
      create_containers();
    });
  }, reply_);
}

void UpRun::create_containers() {
  IgnoredLimits ignored;
  for (const auto& name : targets_) {
    const auto& service = *project_.find_service(name);
    int replicas = options_.scale.count(name) ? options_.scale.at(name) : static_cast<int>(service.replicas());
    for (int n = 1; n <= replicas; ++n) {
      std::string cname = container_name(project_, service, n);
      if (host_.has_container(cname)) continue;
      auto made = new_record(project_, service, n, cname, host_.paths());
      if (!made) return finish(std::move(made).error());
      state::ContainerRecord record = std::move(*made);
      record.config_hash = compose::service_config_hash(project_, name);
      record.sources_digest = digests_.at(name);
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
    });
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
