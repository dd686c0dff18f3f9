#include "base/clock.h"
#include "supervisor/supervisor.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "base/atomic_file.h"
#include "base/log.h"
#include "base/overloaded.h"
#include "supervisor/naming.h"
#include "supervisor/stop_waves.h"
#include "supervisor/up_run.h"

// The supervisor's core: what it is as the host of its containers and `up` runs
// (planning, networking, events, selection). The requests are in supervisor_requests.cpp,
// `run` in supervisor_oneoff.cpp, removal in supervisor_removal.cpp and the adoption
// after a crash in supervisor_recovery.cpp.
namespace pier::supervisor {

Supervisor::Supervisor(event::Loop& loop, state::ProjectPaths paths)
    : Supervisor(loop, paths, SupervisorDrivers{make_runtime_driver(), std::make_unique<Networking>(loop, paths)}) {}

Supervisor::Supervisor(event::Loop& loop, state::ProjectPaths paths, SupervisorDrivers drivers)
    : loop_(loop),
      paths_(paths),
      records_(paths.records_dir()),
      driver_(std::move(drivers.containers)),
      network_driver_(std::move(drivers.network)),
      networking_(*network_driver_),
      workers_(loop, drivers.worker_threads) {}

Supervisor::~Supervisor() = default;

void Supervisor::add_container(std::unique_ptr<ManagedContainer> container) {
  std::string name = container->name();
  containers_[name] = std::move(container);
  containers_changed();
}

void Supervisor::run_ended() {
  busy_--;
  loop_.post([this] { check_idle(); });
}

Status Supervisor::save_source(const ProjectSource& source) {
  std::error_code ec;
  std::filesystem::create_directories(paths_.run, ec);
  // In the run directory, whose containers a reboot ends: crash-safe is enough (no fsync).
  return write_file_atomic(paths_.project_source_file(), to_json(source).dump() + "\n", 0600,
                           Durability::crash_safe);
}

Result<plan::ServicePlan> Supervisor::plan_for(const compose::Service& service, const state::ContainerRecord& record,
                                           const image::ResolvedImage& image) {
  plan::PlanInputs in;
  in.project = &project_->project;
  in.service = &service;
  in.image = &image;
  in.id = plan::ContainerIdentity{record.project, record.service, record.name, record.id, record.number, record.oneoff};
  in.paths = paths_;
  in.config_hash = record.config_hash;
  in.find_pid = [this](const std::string& mode) { return find_pid(mode); };
  in.find_held = [this](const std::string& mode) { return held_namespaces_of(mode); };
  in.find_volumes = [this](const std::string& source) { return volumes_of(source); };
  in.find_image = [this](const std::string& reference) { return mount_image(reference); };
  if (plan::is_namespace_provider(project_->project, service, record.name, record.oneoff)) {
    PIER_TRY(in.held, networking_.hold_namespaces(record.name));
  }
  in.environment = &project_->tree.environment;
  PIER_TRY(plan::ServicePlan plan, plan::plan_container(in));
  network_plans_[record.name] = plan.network;
  PIER_CHECK(plan::prepare_volumes(in, plan));
  return plan;
}

Result<pid_t> Supervisor::running_pid_of(const std::string& mode) const {
  auto colon = mode.find(':');
  std::string kind = mode.substr(0, colon), target = colon == std::string::npos ? "" : mode.substr(colon + 1);
  for (const auto& [name, c] : containers_) {
    bool match = kind == "service" ? c->service() == target && !c->record().oneoff : name == target;
    if (match && c->pid() > 0) return c->pid();
  }
  return Error(fmt::format("`{}`: no running container {} `{}`", mode, kind == "service" ? "of service" : "named", target))
      .hint("start it first (list it in depends_on)");
}

// At plan time the other container may not run yet (`up` creates every container
// before it starts any): 0 then, when the project has it; the start looks again.
Result<pid_t> Supervisor::find_pid(const std::string& mode) const {
  auto running = running_pid_of(mode);
  if (running) return running;
  auto colon = mode.find(':');
  std::string kind = mode.substr(0, colon), target = colon == std::string::npos ? "" : mode.substr(colon + 1);
  if (containers_.count(target) && kind == "container") return pid_t{0};
  if (project_) {
    const compose::Project& project = project_->project;
    if (kind == "service" && project.find_service(target)) return pid_t{0};
    for (const auto& [name, service] : project.services)
      for (int n = 1; kind == "container" && n <= static_cast<int>(service.replicas()); ++n)
        if (container_name(project, service, n) == target) return pid_t{0};
  }
  return running;
}

// The held namespaces of the container a `service:`/`container:` mode names, when it
// is a provider (nothing when it is not, or not of this project: find_pid decides then).
Result<std::optional<plan::PlanInputs::HeldNamespaces>> Supervisor::held_namespaces_of(const std::string& mode) {
  using Held = std::optional<plan::PlanInputs::HeldNamespaces>;
  auto colon = mode.find(':');
  std::string kind = mode.substr(0, colon), target = colon == std::string::npos ? "" : mode.substr(colon + 1);
  const compose::Project& project = project_->project;
  const compose::Service* service = nullptr;
  std::string provider;
  if (kind == "service") {
    service = project.find_service(target);
    if (service) provider = container_name(project, *service, 1);
  } else if (auto c = containers_.find(target); c != containers_.end() && !c->second->record().oneoff) {
    service = project.find_service(c->second->service());
    provider = target;
  }
  if (!service || !plan::is_namespace_provider(project, *service, provider, false)) return Held();
  PIER_TRY(auto held, networking_.hold_namespaces(provider));
  return Held(std::move(held));
}

Result<std::unique_ptr<NetworkDriver::PendingAttach>> Supervisor::prepare_network(const std::string& container) {
  auto it = network_plans_.find(container);
  if (it == network_plans_.end() || !containers_.count(container)) return Error("container " + container + " is not known");
  return networking_.prepare_attach(container, it->second);
}

void Supervisor::finish_network(const std::string& container, NetworkDriver::PendingAttach& pending,
                                const std::optional<NetworkDriver::Attached>& attached) {
  networking_.finish_attach(pending, attached.has_value());
  auto c = containers_.find(container);
  if (!attached || c == containers_.end()) return;
  auto& record = const_cast<state::ContainerRecord&>(c->second->record());
  record.endpoints = attached->endpoints;
}

void Supervisor::release_network(const std::string& container) {
  networking_.release(container);
  if (auto c = containers_.find(container); c != containers_.end()) {
    auto& record = const_cast<state::ContainerRecord&>(c->second->record());
    record.endpoints.clear();
    record.ports.clear();
  }
}

Status Supervisor::publish_ports(ManagedContainer& c) {
  auto it = network_plans_.find(c.name());
  if (it == network_plans_.end()) return {};
  auto& record = const_cast<state::ContainerRecord&>(c.record());
  PIER_TRY(record.ports, networking_.publish(c.name(), c.service(), record.number, it->second, record.endpoints));
  return {};
}

void Supervisor::emit(const ManagedContainer& c, const std::string& action) {
  if (subscribers_.empty()) return;
  const auto& r = c.record();
  auto event = control::to_json(control::ContainerEvent{unix_time_ns(), action, r.id, r.name, r.service, r.state,
                                                         r.health, r.exit_code, r.oneoff});
  std::vector<control::Reply> live;
  for (auto& s : subscribers_)
    if (!s.closed()) {
      s.event(event);
      live.push_back(s);
    }
  subscribers_ = std::move(live);
}

void Supervisor::container_changed(ManagedContainer& c) {
  auto before = last_state_.count(c.name()) ? last_state_[c.name()] : state::ContainerState::created;
  auto now = c.state();
  last_state_[c.name()] = now;
  using S = state::ContainerState;
  if (now != before) {
    if (now == S::running && before == S::paused) emit(c, "unpause");
    else if (now == S::running) emit(c, "start");
    else if (now == S::paused) emit(c, "pause");
    else if (now == S::exited || now == S::restarting) {
      // Docker's order: "oom" as the kernel kills, then "die".
      if (c.record().oom_killed) emit(c, "oom");
      emit(c, "die");
    }
    else if (now == S::removing) emit(c, "destroy");
  } else if (!c.record().health.empty()) {
    emit(c, "health_status: " + c.record().health);
  }
  for (size_t i = 0; i < runs_.size(); ++i) runs_[i]->evaluate();
}

std::vector<ManagedContainer*> Supervisor::select(const std::vector<std::string>& services) const {
  std::vector<ManagedContainer*> out;
  if (services.empty()) {
    for (const auto& [name, c] : containers_) out.push_back(c.get());
  } else {
    if (!by_service_valid_) {
      by_service_.clear();
      for (const auto& [name, c] : containers_) by_service_.emplace(c->service(), c.get());
      by_service_valid_ = true;
    }
    for (const auto& service : std::set<std::string>(services.begin(), services.end())) {
      auto [first, last] = by_service_.equal_range(service);
      for (auto it = first; it != last; ++it) out.push_back(it->second);
    }
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) {
    if (a->service() != b->service()) return a->service() < b->service();
    return a->record().number < b->record().number;
  });
  return out;
}

void Supervisor::stop_in_order(std::vector<ManagedContainer*> targets, std::optional<std::chrono::milliseconds> grace,
                               std::function<void(Status)> done, control::Reply reply, const char* verb) {
  stop_in_waves(project_ ? &project_->project : nullptr, std::move(targets), grace, std::move(done), std::move(reply),
                verb);
}

bool Supervisor::idle() const { return containers_.empty() && busy_ == 0 && runs_.empty(); }

void Supervisor::check_idle() {
  runs_.erase(std::remove_if(runs_.begin(), runs_.end(), [](const auto& r) { return r->finished(); }), runs_.end());
  if (idle() && on_idle_) on_idle_();
  else if (busy_ == 0 && runs_.empty() && on_settled_)
    workers_.run(on_settled_);
}

void Supervisor::handle(const control::Request& request, control::Reply reply) {
  bool starts = std::holds_alternative<control::UpRequest>(request) || std::holds_alternative<control::RunRequest>(request);
  if (starts && downs_ > 0) {
    // After the down, not into the middle of it: the project ends up, as asked last.
    reply.event(control::to_json(control::Progress{"Project " + paths_.project, "Waiting for down"}));
    after_down_.emplace_back(request, reply);
    return;
  }
  std::visit(Overloaded{
                 [&](const control::PingRequest&) { reply.finish({}); },
                 [&](const control::UpRequest& r) { up(r, reply); },
                 [&](const control::RunRequest& r) { run(r, reply); },
                 [&](const control::StopRequest& r) { stop(r, reply); },
                 [&](const control::StartRequest& r) { start(r, reply); },
                 [&](const control::RestartRequest& r) { restart(r, reply); },
                 [&](const control::DownRequest& r) { down(r, reply); },
                 [&](const control::RemoveRequest& r) { remove(r, reply); },
                 [&](const control::SignalRequest& r) { simple(r, reply); },
                 [&](const control::EventsRequest&) { subscribe(reply); },
                 [&](const control::AttachRequest& r) { attach(r, reply); },
             },
             request);
}

}  // namespace pier::supervisor
