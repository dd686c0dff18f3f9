#include "base/clock.h"
#include "supervisor/supervisor.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "base/atomic_file.h"
#include "base/log.h"
#include "compose/names.h"
#include "compose/output.h"
#include "graph/from_project.h"
#include "image/ensure.h"
#include "runtime/container.h"
#include "supervisor/container_teardown.h"
#include "supervisor/naming.h"
#include "supervisor/plan/signals.h"
#include "supervisor/run_overrides.h"
#include "supervisor/up_run.h"

namespace pier::supervisor {
namespace {

std::optional<std::chrono::milliseconds> grace_of(const std::optional<int>& timeout_s) {
  if (!timeout_s) return std::nullopt;
  return std::chrono::seconds(*timeout_s);
}

// Counts down parallel completions, keeping the first error.
struct Join {
  int remaining = 0;
  std::optional<Error> error;
  std::function<void(Status)> done;
  void finish_one(Status st) {
    if (!st && !error) error = std::move(st).error();
    if (--remaining == 0) done(error ? Status(*error) : Status{});
  }
};

}  // namespace

Supervisor::Supervisor(event::Loop& loop, state::ProjectPaths paths)
    : loop_(loop),
      paths_(paths),
      records_(paths.records_dir()),
      workers_(loop, 4),
      networking_(loop, paths) {}

Supervisor::~Supervisor() = default;

Status Supervisor::save_source(const ProjectSource& source) {
  std::error_code ec;
  std::filesystem::create_directories(paths_.run, ec);
  return write_file_atomic(paths_.project_source_file(), to_json(source).dump() + "\n", 0600);
}

Result<ContainerPlan> Supervisor::plan_for(const compose::Service& service, const state::ContainerRecord& record,
                                           const image::ResolvedImage& image) {
  PlanInputs in;
  in.project = &project_->project;
  in.service = &service;
  in.image = &image;
  in.id = ContainerIdentity{record.project, record.service, record.name, record.id, record.number, record.oneoff};
  in.paths = paths_;
  in.config_hash = record.config_hash;
  in.find_pid = [this](const std::string& mode) { return find_pid(mode); };
  in.find_held = [this](const std::string& mode) { return held_namespaces_of(mode); };
  if (is_namespace_provider(project_->project, service, record.name, record.oneoff)) {
    PIER_TRY(in.held, networking_.hold_namespaces(record.name));
  }
  in.environment = &project_->tree.environment;
  PIER_TRY(ContainerPlan plan, plan_container(in));
  PIER_TRY(auto net_plan, plan_network(project_->project, service, record.name, plan.spec.hostname));
  // none: the hook only brings loopback up.
  plan.network_attach = net_plan.mode == NetworkPlan::Mode::bridge || net_plan.mode == NetworkPlan::Mode::none;
  if (service.logging) plan.log_options = service.logging->options;
  // /etc/hosts and resolv.conf are rewritten in place once the addresses are known
  // (files are bind-mounted by inode, so the content must change, not the file).
  if (net_plan.mode != NetworkPlan::Mode::shared) {
    PIER_TRY(auto files, networking_.files_without_bridge(net_plan));
    plan.spec.files.push_back({"/etc/hosts", files.hosts});
    plan.spec.files.push_back({"/etc/resolv.conf", files.resolv_conf});
    plan.spec.files.push_back({"/etc/hostname", plan.spec.hostname + "\n"});
  }
  network_plans_[record.name] = std::move(net_plan);
  PIER_CHECK(prepare_volumes(in, plan));
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
Result<std::optional<PlanInputs::HeldNamespaces>> Supervisor::held_namespaces_of(const std::string& mode) {
  using Held = std::optional<PlanInputs::HeldNamespaces>;
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
  if (!service || !is_namespace_provider(project, *service, provider, false)) return Held();
  PIER_TRY(auto held, networking_.hold_namespaces(provider));
  return Held(std::move(held));
}

Status Supervisor::attach_network(const std::string& container, pid_t pid) {
  auto it = network_plans_.find(container);
  auto c = containers_.find(container);
  if (it == network_plans_.end() || c == containers_.end()) return Error("container " + container + " is not known");
  PIER_TRY(auto attached, networking_.attach(container, pid, it->second));
  auto& record = const_cast<state::ContainerRecord&>(c->second->record());
  record.endpoints = attached.endpoints;
  // Files 0 and 1 are /etc/hosts and /etc/resolv.conf (plan_for): rewrite in place.
  std::string dir = record.scratch_dir + "/files/";
  for (auto [index, text] : {std::pair{0, &attached.hosts}, {1, &attached.resolv_conf}}) {
    std::string path = dir + std::to_string(index);
    FILE* f = std::fopen(path.c_str(), "r+");
    if (!f) return Error::system("write", path, errno);
    std::fwrite(text->data(), 1, text->size(), f);
    std::fflush(f);
    if (::ftruncate(fileno(f), static_cast<off_t>(text->size())) != 0) {
      std::fclose(f);
      return Error::system("truncate", path, errno);
    }
    std::fclose(f);
  }
  return {};
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
  for (const auto& [name, c] : containers_)
    if (services.empty() || std::find(services.begin(), services.end(), c->service()) != services.end())
      out.push_back(c.get());
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) {
    if (a->service() != b->service()) return a->service() < b->service();
    return a->record().number < b->record().number;
  });
  return out;
}

// Reverse dependency order: dependents stop before what they depend on; each wave in
// parallel. Containers of services the project no longer has go first.
void Supervisor::stop_in_order(std::vector<ManagedContainer*> targets, std::optional<std::chrono::milliseconds> grace,
                               std::function<void()> done, control::Reply reply, const char* verb) {
  std::vector<std::vector<ManagedContainer*>> waves;
  std::set<ManagedContainer*> placed;
  if (project_) {
    if (auto deps = graph::from_project(project_->project); deps.ok())
      if (auto stop_waves = deps->stop_waves(); stop_waves.ok()) {
        waves.emplace_back();  // orphans
        for (const auto& wave : *stop_waves) {
          waves.emplace_back();
          for (auto* c : targets)
            if (std::find(wave.begin(), wave.end(), c->service()) != wave.end()) {
              waves.back().push_back(c);
              placed.insert(c);
            }
        }
      }
  }
  if (waves.empty()) waves.emplace_back();
  for (auto* c : targets)
    if (!placed.count(c)) waves.front().push_back(c);
  auto shared_waves = std::make_shared<std::vector<std::vector<ManagedContainer*>>>(std::move(waves));
  auto step = std::make_shared<std::function<void(size_t)>>();
  std::string verb_text = verb;
  *step = [this, shared_waves, step, grace, done, reply, verb_text](size_t index) {
    if (index >= shared_waves->size()) {
      done();
      *step = nullptr;  // break the self-reference
      return;
    }
    auto& wave = (*shared_waves)[index];
    std::vector<ManagedContainer*> active;
    for (auto* c : wave)
      if (c->running() || c->starting() || c->restart_pending()) active.push_back(c);
    if (active.empty()) return (*step)(index + 1);
    auto join = std::make_shared<Join>();
    join->remaining = static_cast<int>(active.size());
    join->done = [step, index](Status) { (*step)(index + 1); };
    for (auto* c : active) {
      reply.event({{"progress", "Container " + c->name()}, {"status", verb_text + "ing"}});
      c->stop(grace, [join, reply, name = c->name(), verb_text](Status st) {
        reply.event({{"progress", "Container " + name}, {"status", verb_text == "Stopp" ? "Stopped" : verb_text + "ed"}});
        join->finish_one(std::move(st));
      });
    }
  };
  (*step)(0);
}

void Supervisor::remove_containers(std::vector<ManagedContainer*> targets, std::function<void(Status)> done,
                                   control::Reply reply) {
  if (targets.empty()) return done({});
  auto join = std::make_shared<Join>();
  join->remaining = static_cast<int>(targets.size());
  join->done = std::move(done);
  stop_in_order(targets, std::nullopt, [this, targets, join, reply] {
    for (auto* c : targets) {
      std::string name = c->name();
      c->remove([this, join, reply, name](Status st) {
        reply.event({{"progress", "Container " + name}, {"status", "Removed"}});
        network_plans_.erase(name);
        last_state_.erase(name);
        // Destroy on the next turn: we are inside the container's own callback.
        auto node = containers_.extract(name);
        if (!node.empty()) {
          struct Holder : event::DeferredDeletable {
            std::unique_ptr<ManagedContainer> c;
          };
          auto holder = std::make_unique<Holder>();
          holder->c = std::move(node.mapped());
          loop_.defer_delete(std::move(holder));
        }
        join->finish_one(std::move(st));
      });
    }
  }, reply, "Stopp");
}

void Supervisor::remove_unreadable(control::Reply reply, std::optional<std::set<std::string>> only,
                                   std::function<void(Status)> done) {
  auto scanned = records_.scan();
  if (!scanned) return done(std::move(scanned).error());
  std::vector<std::string> names;
  for (const auto& name : scanned->unreadable)
    if (!containers_.count(name) && (!only || only->count(name))) names.push_back(name);
  if (names.empty()) return done({});
  auto join = std::make_shared<Join>();
  join->remaining = static_cast<int>(names.size());
  join->done = std::move(done);
  for (const auto& name : names) {
    auto scratch = paths_.scratch_dir(name);
    if (!scratch) {
      join->finish_one(std::move(scratch).error().context("remove container " + name));
      continue;
    }
    reply.event({{"warning", "container " + name + ": its record does not parse; removing the container by its name"}});
    workers_.run<Status>([paths = paths_, name, dir = *scratch] { return destroy_container(paths, name, dir); },
                         [this, join, reply, name](Status st) {
                           // Kept while its container may still be there: a later `down` retries.
                           if (st) {
                             (void)records_.remove(name);
                             reply.event({{"progress", "Container " + name}, {"status", "Removed"}});
                           }
                           join->finish_one(std::move(st));
                         });
  }
}

std::vector<ManagedContainer*> Supervisor::select_for(const control::SignalRequest& request) const {
  if (!request.containers) return select(request.services);
  std::vector<ManagedContainer*> out;
  for (const auto& name : *request.containers)
    if (auto it = containers_.find(name); it != containers_.end()) out.push_back(it->second.get());
  return out;
}

bool Supervisor::idle() const { return containers_.empty() && busy_ == 0 && runs_.empty(); }

void Supervisor::check_idle() {
  runs_.erase(std::remove_if(runs_.begin(), runs_.end(), [](const auto& r) { return r->finished(); }), runs_.end());
  if (idle() && on_idle_) on_idle_();
}

namespace {

// std::visit over one lambda per alternative: a request kind without a handler does not
// compile.
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace

void Supervisor::handle(const control::Request& request, control::Reply reply) {
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
             },
             request);
}

Status Supervisor::take_project(const ProjectSource& source) {
  PIER_TRY(auto loaded, load_project(source));
  if (!images_) {
    PIER_TRY(auto store, image::Store::open(paths_.root));
    images_ = std::move(store);
  }
  project_ = std::move(loaded);
  return {};
}

void Supervisor::up(const control::UpRequest& request, control::Reply reply) {
  if (auto st = take_project(request.source); !st) return reply.finish(st);
  {
    // Secrets' values stay in memory: after a crash, a container whose secret comes from
    // the environment keeps running and is planned again by the next `up`.
    ProjectSource source = request.source;
    for (const auto& name : secret_source_variables(project_->project, source.load)) source.load.environment.erase(name);
    (void)save_source(source);
  }
  auto run = std::make_unique<UpRun>(*this, request.options, reply);
  auto* raw = run.get();
  runs_.push_back(std::move(run));
  raw->begin();
}

void Supervisor::stop(const control::StopRequest& request, control::Reply reply) {
  busy_++;
  stop_in_order(select(request.services), grace_of(request.timeout_s), [this, reply] {
    reply.finish({});
    busy_--;
    check_idle();
  }, reply, "Stopp");
}

void Supervisor::start(const control::StartRequest& request, control::Reply reply) {
  auto targets = select(request.services);
  if (targets.empty()) return reply.finish(Error("no containers to start").hint("run `pier up` first"));
  auto join = std::make_shared<Join>();
  join->remaining = static_cast<int>(targets.size());
  join->done = [reply](Status st) { reply.finish(st); };
  for (auto* c : targets) {
    reply.event({{"progress", "Container " + c->name()}, {"status", "Starting"}});
    c->start([join, reply, name = c->name()](Status st) {
      if (st) reply.event({{"progress", "Container " + name}, {"status", "Started"}});
      join->finish_one(std::move(st));
    });
  }
}

// Services that declared `depends_on: {x: {restart: true}}` on a restarted x are
// restarted with it (after it, by the start order), as Docker Compose does.
std::vector<std::string> Supervisor::with_restart_dependents(std::vector<std::string> services) const {
  if (services.empty() || !project_) return services;
  for (size_t i = 0; i < services.size(); ++i)
    for (const auto& [name, service] : project_->project.services) {
      auto it = service.depends_on.find(services[i]);
      if (it != service.depends_on.end() && it->second.restart &&
          std::find(services.begin(), services.end(), name) == services.end())
        services.push_back(name);
    }
  return services;
}

void Supervisor::restart(const control::RestartRequest& request, control::Reply reply) {
  auto targets = select(with_restart_dependents(request.services));
  stop_in_order(targets, grace_of(request.timeout_s), [this, targets, reply] {
    // Start again wave by wave, so a dependency is up before what depends on it.
    std::vector<std::vector<ManagedContainer*>> waves;
    std::set<ManagedContainer*> placed;
    if (project_)
      if (auto deps = graph::from_project(project_->project); deps.ok())
        if (auto start_waves = deps->start_waves(); start_waves.ok())
          for (const auto& wave : *start_waves) {
            waves.emplace_back();
            for (auto* c : targets)
              if (std::find(wave.begin(), wave.end(), c->service()) != wave.end() && placed.insert(c).second)
                waves.back().push_back(c);
          }
    waves.emplace_back();
    for (auto* c : targets)
      if (!placed.count(c)) waves.back().push_back(c);
    auto shared = std::make_shared<std::vector<std::vector<ManagedContainer*>>>(std::move(waves));
    auto step = std::make_shared<std::function<void(size_t)>>();
    *step = [shared, step, reply](size_t index) {
      while (index < shared->size() && (*shared)[index].empty()) ++index;
      if (index >= shared->size()) {
        reply.finish({});
        *step = nullptr;
        return;
      }
      auto join = std::make_shared<Join>();
      join->remaining = static_cast<int>((*shared)[index].size());
      join->done = [step, index, reply](Status st) {
        if (!st) {
          reply.finish(st);
          *step = nullptr;
          return;
        }
        (*step)(index + 1);
      };
      for (auto* c : (*shared)[index])
        c->start([join, reply, name = c->name()](Status st) {
          if (st) reply.event({{"progress", "Container " + name}, {"status", "Started"}});
          join->finish_one(std::move(st));
        });
    };
    (*step)(0);
  }, reply, "Restart");
}

void Supervisor::simple(const control::SignalRequest& request, control::Reply reply) {
  using Kind = control::SignalRequest::Kind;
  int signum = SIGKILL;
  if (request.kind == Kind::kill) {
    auto parsed = parse_signal(request.signal);
    if (!parsed)
      return reply.finish(Error("unknown signal `" + request.signal + "`").hint("use a name such as SIGTERM or a number"));
    signum = *parsed;
  }
  std::optional<Error> first;
  for (auto* c : select_for(request)) {
    Status st = request.kind == Kind::kill ? (c->running() ? c->signal(signum) : Status{})
              : request.kind == Kind::pause ? c->pause() : c->unpause();
    if (!st && !first) first = std::move(st).error();
    else if (st) reply.event({{"progress", "Container " + c->name()}, {"status", request.kind == Kind::kill ? "Killed" : request.kind == Kind::pause ? "Paused" : "Unpaused"}});
  }
  reply.finish(first ? Status(*first) : Status{});
}

void Supervisor::remove(const control::RemoveRequest& request, control::Reply reply) {
  std::vector<ManagedContainer*> targets;
  for (auto* c : select(request.services)) {
    if (c->running() && !request.force && !request.stop) continue;
    targets.push_back(c);
  }
  busy_++;
  remove_containers(targets, [this, reply](Status st) {
    reply.finish(st);
    busy_--;
    check_idle();
  }, reply);
}

void Supervisor::down(const control::DownRequest& request, control::Reply reply) {
  if (request.source) {
    if (auto loaded = load_project(*request.source); loaded.ok()) project_ = std::move(*loaded);
  }
  bool remove_orphans = request.remove_orphans;
  bool volumes = request.volumes;
  std::string rmi = request.rmi;
  std::vector<ManagedContainer*> targets;
  for (auto* c : select({}))
    if (!project_ || remove_orphans || project_->project.services.count(c->service()) || c->record().oneoff)
      targets.push_back(c);
  busy_++;
  auto grace = grace_of(request.timeout_s);
  auto finish_down = [this, reply, volumes, rmi](Status st) {
    Status net = networking_.teardown();
    if (!net) log::warn("down: {}", net.error().to_string());
    else reply.event({{"progress", "Network " + paths_.project + "_default"}, {"status", "Removed"}});
    if (st && !net) st = std::move(net);
    if (project_ && volumes) {
      for (const auto& [key, volume] : project_->project.volumes) {
        if (volume.external) continue;
        // Only ever a directory directly under <root>/volumes: a name that would reach
        // elsewhere is refused, never removed.
        auto dir = paths_.volume_root(volume.name);
        if (!dir) {
          Error e = std::move(dir).error().context("remove volume `" + key + "`");
          if (volume.mark.known()) e.at(volume.mark.to_string());
          if (st) st = std::move(e);
          else reply.event({{"warning", e.to_string()}});
          continue;
        }
        std::error_code ec;
        std::filesystem::remove_all(*dir, ec);
        reply.event({{"progress", "Volume " + volume.name}, {"status", "Removed"}});
      }
    }
    if (project_ && !rmi.empty() && images_) {
      for (const auto& [name, service] : project_->project.services) {
        if (rmi == "local" && !service.image.empty()) continue;
        std::string ref = service.image_or_default(project_->project.name);
        if (images_->untag(ref)) reply.event({{"progress", "Image " + ref}, {"status", "Removed"}});
      }
    }
    if (containers_.empty()) {
      runtime::release_project(paths_.project);
      std::error_code ec;
      std::filesystem::remove(paths_.project_source_file(), ec);
      // remove() takes only an empty directory: logs of a container still there stay.
      std::filesystem::remove(paths_.project_logs_dir(), ec);
    }
    reply.finish(st);
    busy_--;
    check_idle();
  };
  // The containers no record describes go after the managed ones, before the networks.
  auto then_unreadable = [this, reply, finish_down](Status st) {
    remove_unreadable(reply, std::nullopt, [st, finish_down](Status unreadable) { finish_down(st ? unreadable : st); });
  };
  if (grace) {
    // -t applies to every container of the wave.
    stop_in_order(targets, grace, [this, targets, reply, then_unreadable] {
      remove_containers(targets, then_unreadable, reply);
    }, reply, "Stopp");
  } else {
    remove_containers(targets, then_unreadable, reply);
  }
}

void Supervisor::subscribe(control::Reply reply) {
  subscribers_.push_back(reply);
  // The client reads state only after this line, so no event falls in between.
  reply.event(control::to_json(control::Subscribed{}));
  // Nothing to finish: the stream ends when the client hangs up.
}

Status Supervisor::recover() {
  PIER_TRY(auto records, records_.list());
  if (records.empty()) return {};
  // Rebuild full plans from the last `up`'s project so restarts keep working.
  auto source_text = read_file(paths_.project_source_file());
  if (source_text.ok()) {
    auto j = nlohmann::json::parse(*source_text, nullptr, false);
    if (!j.is_discarded())
      if (auto source = source_from_json(j); source.ok())
        if (auto loaded = load_project(*source); loaded.ok()) project_ = std::move(*loaded);
  }
  if (!images_) {
    PIER_TRY(auto store, image::Store::open(paths_.root));
    images_ = std::move(store);
  }
  if (project_) {
    std::vector<std::string> services;
    for (const auto& [name, s] : project_->project.services) services.push_back(name);
    if (auto st = networking_.ensure_networks(project_->project, services); !st)
      log::warn("recover: {}", st.error().to_string());
  }
  for (auto& record : records) {
    ContainerPlan plan;
    const compose::Service* service = project_ ? project_->project.find_service(record.service) : nullptr;
    if (service) {
      if (auto image = images_->resolve(record.image_id.empty() ? record.image : record.image_id); image.ok()) {
        if (auto p = plan_for(*service, record, *image); p.ok()) plan = std::move(*p);
        else log::warn("recover {}: {}", record.name, p.error().to_string());
      }
    }
    if (!service) {
      // Enough to stop and remove it: the stop defaults and its security for exec.
      plan.spec.project = record.project;
      plan.spec.name = record.name;
      plan.spec.state_dir = record.scratch_dir;
    }
    bool alive = state::process_matches(record.pid, record.pid_start_time) &&
                 (record.state == state::ContainerState::running || record.state == state::ContainerState::paused);
    std::string name = record.name;
    auto c = std::make_unique<ManagedContainer>(*this, record, std::move(plan));
    auto* raw = c.get();
    containers_[name] = std::move(c);
    last_state_[name] = record.state;
    if (alive) {
      if (auto st = networking_.adopt(name, record.endpoints); !st) log::warn("adopt {}: {}", name, st.error().to_string());
      if (auto st = raw->adopt(); !st) log::warn("adopt {}: {}", name, st.error().to_string());
      else if (auto st = publish_ports(*raw); !st) log::warn("adopt {}: {}", name, st.error().to_string());
      continue;
    }
    // Dead while nobody watched: its cgroup may remain; the record says exited.
    (void)runtime::destroy(record.project, name, "");
    auto& r = const_cast<state::ContainerRecord&>(raw->record());
    if (r.state == state::ContainerState::running || r.state == state::ContainerState::paused ||
        r.state == state::ContainerState::restarting) {
      if (r.state != state::ContainerState::restarting) r.exit_code = 255;  // died unobserved
      r.state = state::ContainerState::exited;
      r.finished_at = unix_time_ns();
      r.pid = 0;
      r.health = "";
      (void)records_.write(r);
    }
    // As after a daemon restart: `always` comes back, `unless-stopped` unless stopped.
    bool comeback = service && (raw->plan().restart.kind == RestartKind::always ||
                                (raw->plan().restart.kind == RestartKind::unless_stopped && !r.stopped_by_user));
    if (comeback && r.state == state::ContainerState::exited)
      raw->start([name](Status st) {
        if (!st) log::warn("restart {}: {}", name, st.error().to_string());
      });
  }
  return {};
}

}  // namespace pier::supervisor

namespace pier::supervisor {

// `run SERVICE [COMMAND...]`: the service's dependencies as `up` would start them, then
// a one-off container with the request's overrides, whose stdio are the CLI's own.
void Supervisor::run(const control::RunRequest& request, control::Reply reply) {
  auto stdio = std::make_shared<std::vector<UniqueFd>>(reply.take_fds());
  // A refused request leaves nothing running: a supervisor started for it goes.
  auto refuse = [this, reply](const Status& st) {
    reply.finish(st);
    check_idle();
  };
  if (auto st = take_project(request.source); !st) return refuse(st);
  const std::string& name = request.service;
  const auto* found = project_->project.find_service(name);
  if (!found) return refuse(Error("no such service: " + name));
  auto service = *found;
  auto overrides = apply_run_overrides(service, request.overrides, project_->project.working_dir);
  if (!overrides) return refuse(overrides.error());
  // --name becomes the container's cgroup, scratch and log directories: Docker's rule.
  if (const std::string& cname = request.name; !cname.empty() && !compose::is_restricted_name(cname))
    return refuse(Error("invalid container name `" + cname +
                        "`: a container name is at least two of [a-zA-Z0-9_.-], starting with a letter or digit"));

  std::vector<std::string> deps;
  if (!request.no_deps)
    if (auto graph = graph::from_project(project_->project); graph.ok())
      for (const auto& d : graph->with_dependencies({name}))
        if (d != name) deps.push_back(d);
  if (deps.empty()) return start_oneoff(std::move(service), request, reply, stdio);
  UpOptions options;
  options.services = deps;
  options.no_recreate = true;
  auto up_run = std::make_unique<UpRun>(*this, options, reply);
  up_run->set_on_done([this, service, request, reply, stdio](Status st) mutable {
    if (!st) return reply.finish(st);
    // The CLI left (Ctrl-C) while the dependencies started: no one-off for nobody.
    if (reply.closed()) return check_idle();
    start_oneoff(std::move(service), request, reply, stdio);
  });
  auto* raw = up_run.get();
  runs_.push_back(std::move(up_run));
  raw->begin();
}

void Supervisor::start_oneoff(compose::Service service, const control::RunRequest& request, control::Reply reply,
                              std::shared_ptr<std::vector<UniqueFd>> stdio) {
  busy_++;
  auto fail = [this, reply](Error e) {
    reply.finish(e);
    busy_--;
    check_idle();
  };
  auto image = images_->resolve(service.image_or_default(project_->project.name));
  if (!image) {
    auto policy = image::parse_pull_policy("missing");
    image = image::ensure_image(*images_, service.image_or_default(project_->project.name), *policy, {});
    if (!image) return fail(std::move(image).error().context("service " + service.name));
  }
  // Without dependencies no `up` ran first: the service's networks may not exist yet.
  if (auto st = networking_.ensure_networks(project_->project, {service.name}); !st)
    return fail(std::move(st).error().context("service " + service.name));
  std::string id = random_container_id();
  std::string cname = request.name;
  if (cname.empty()) cname = project_->project.name + "-" + service.name + "-run-" + id.substr(0, 12);
  if (containers_.count(cname)) return fail(Error("a container named " + cname + " already exists"));
  auto made = new_record(project_->project, service, 1, cname, paths_);
  if (!made) return fail(std::move(made).error());
  state::ContainerRecord record = std::move(*made);
  record.id = id;
  record.oneoff = true;
  record.config_hash = compose::service_config_hash(project_->project, service.name);
  record.image_id = image->record.id;
  auto plan = plan_for(service, record, *image);
  if (!plan) return fail(std::move(plan).error());
  plan->restart = RestartSpec{};
  plan->labels["com.docker.compose.oneoff"] = "True";
  record.labels = plan->labels;
  record.command = plan->command_display;
  apply_exec_defaults(record, *plan);
  auto container = std::make_unique<ManagedContainer>(*this, record, std::move(*plan));
  if (auto st = container->persist_created(); !st) return fail(st.error());
  bool detach = request.detach;
  if (!detach) container->set_direct_stdio(std::move(*stdio));
  auto* c = container.get();
  containers_[cname] = std::move(container);
  bool remove_after = request.rm;
  c->start([this, c, cname, detach, remove_after, reply, fail](Status st) {
    if (!st && remove_after) {
      // --rm: a container that never ran goes as one that exited would.
      return remove_containers({c}, [fail, error = st.error()](Status) { fail(error); },
                               control::Reply(std::weak_ptr<control::Connection>()));
    }
    if (!st) return fail(st.error());
    reply.event(control::to_json(control::RunStarted{cname}));
    if (detach) {
      reply.finish({});
      busy_--;
      return check_idle();
    }
    c->on_next_exit([this, c, cname, remove_after, reply](int code) {
      reply.event(control::to_json(control::RunExited{code}));
      auto finish = [this, reply](Status st) {
        reply.finish(st);
        busy_--;
        check_idle();
      };
      if (!remove_after) return finish({});
      loop_.post([this, cname, finish] {
        auto it = containers_.find(cname);
        if (it == containers_.end()) return finish({});
        remove_containers({it->second.get()}, finish, control::Reply(std::weak_ptr<control::Connection>()));
      });
    });
  });
}

}  // namespace pier::supervisor
