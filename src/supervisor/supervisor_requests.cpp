// The requests the CLI sends over the control socket (except `run`, in
// supervisor_oneoff.cpp): up, stop, start, restart, kill/pause/unpause, rm, down, events,
// attach.
#include "base/clock.h"
#include "supervisor/supervisor.h"

#include <signal.h>

#include <algorithm>
#include <filesystem>

#include "base/log.h"
#include "supervisor/control/console_socket.h"
#include "graph/from_project.h"
#include "supervisor/join.h"
#include "plan/signals.h"
#include "supervisor/up_run.h"

namespace pier::supervisor {
namespace {

using nlohmann::json;

// `-t`: the grace period for every container; none: each service's stop_grace_period.
std::optional<std::chrono::milliseconds> grace_of(std::optional<int> timeout_s) {
  if (!timeout_s) return std::nullopt;
  return std::chrono::seconds(*timeout_s);
}

json progress(const std::string& subject, const std::string& status) {
  return control::to_json(control::Progress{subject, status});
}

}  // namespace

std::vector<ManagedContainer*> Supervisor::select_for(const control::SignalRequest& request) const {
  if (!request.containers) return select(request.services);
  std::vector<ManagedContainer*> out;
  for (const auto& name : *request.containers)
    if (auto it = containers_.find(name); it != containers_.end()) out.push_back(it->second.get());
  return out;
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
    for (const auto& name : plan::secret_source_variables(project_->project, source.load)) source.load.environment.erase(name);
    (void)save_source(source);
  }
  auto run = std::make_unique<UpRun>(*this, request.options, reply);
  auto* raw = run.get();
  runs_.push_back(std::move(run));
  raw->begin();
}

void Supervisor::stop(const control::StopRequest& request, control::Reply reply) {
  busy_++;
  stop_in_order(select_services(request.services), grace_of(request.timeout_s), [this, reply](Status st) {
    reply.finish(st);
    busy_--;
    check_idle();
  }, reply, "Stopp");
}

void Supervisor::start(const control::StartRequest& request, control::Reply reply) {
  auto targets = select_services(with_dependencies(request.services));
  if (targets.empty()) return reply.finish(Error("no containers to start").hint("run `pier up` first"));
  start_in_waves(std::move(targets), true, reply, [reply](Status st) { reply.finish(st); });
}

std::vector<ManagedContainer*> Supervisor::select_services(const std::vector<std::string>& services) const {
  auto out = select(services);
  std::erase_if(out, [](ManagedContainer* c) { return c->record().oneoff; });
  return out;
}

std::vector<std::string> Supervisor::with_dependencies(std::vector<std::string> services) const {
  if (services.empty() || !project_) return services;
  for (size_t i = 0; i < services.size(); ++i) {
    const auto* service = project_->project.find_service(services[i]);
    if (!service) continue;
    for (const auto& [dependency, _] : service->depends_on)
      if (std::find(services.begin(), services.end(), dependency) == services.end()) services.push_back(dependency);
  }
  return services;
}

void Supervisor::start_in_waves(std::vector<ManagedContainer*> targets, bool announce, control::Reply reply,
                                std::function<void(Status)> done) {
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
  *step = [this, shared, step, reply, done, announce](size_t index) {
    while (index < shared->size() && (*shared)[index].empty()) ++index;
    if (index >= shared->size()) {
      done({});
      *step = nullptr;
      return;
    }
    auto join = std::make_shared<Join>();
    join->remaining = static_cast<int>((*shared)[index].size());
    join->done = [step, index, done](Status st) {
      if (!st) {
        done(st);
        *step = nullptr;
        return;
      }
      (*step)(index + 1);
    };
    run_pre_start_due((*shared)[index], [shared, index, join, reply, announce](Status st) {
      if (!st) return join->done(st);
      for (auto* c : (*shared)[index]) {
        if (announce) reply.event(progress("Container " + c->name(), "Starting"));
        c->start([join, reply, name = c->name()](Status st) {
          if (st) reply.event(progress("Container " + name, "Started"));
          join->finish_one(std::move(st));
        }, ManagedContainer::Hooks::run);
      }
    });
  };
  (*step)(0);
}

// `down SERVICE`: the services and, transitively, every service that depends on them,
// which Compose removes first (stop_in_order keeps that order).
std::vector<std::string> Supervisor::with_dependents(std::vector<std::string> services) const {
  if (!project_) return services;
  auto deps = graph::from_project(project_->project);
  if (!deps) return services;
  for (size_t i = 0; i < services.size(); ++i)
    for (const auto& d : deps->dependents_of(services[i]))
      if (std::find(services.begin(), services.end(), d) == services.end()) services.push_back(d);
  return services;
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
  // --no-deps: only the services named, as Compose drops the depends_on edges first.
  auto targets = select_services(request.no_deps ? request.services : with_restart_dependents(request.services));
  stop_in_order(targets, grace_of(request.timeout_s), [this, targets, reply](Status stopped) {
    if (!stopped) return reply.finish(stopped);
    start_in_waves(targets, false, reply, [reply](Status st) { reply.finish(st); });
  }, reply, "Restart");
}

void Supervisor::simple(const control::SignalRequest& request, control::Reply reply) {
  using Kind = control::SignalRequest::Kind;
  int signum = SIGKILL;
  if (request.kind == Kind::kill) {
    auto parsed = plan::parse_signal(request.signal);
    if (!parsed)
      return reply.finish(Error("unknown signal `" + request.signal + "`").hint("use a name such as SIGTERM or a number"));
    signum = *parsed;
  }
  const char* done = request.kind == Kind::kill ? "Killed" : request.kind == Kind::pause ? "Paused" : "Unpaused";
  std::optional<Error> first;
  for (auto* c : select_for(request)) {
    Status st = request.kind == Kind::kill ? (c->running() ? c->signal(signum) : Status{})
              : request.kind == Kind::pause ? c->pause() : c->unpause();
    if (!st && !first) first = std::move(st).error();
    else if (st) reply.event(progress("Container " + c->name(), done));
  }
  reply.finish(first ? Status(*first) : Status{});
}

void Supervisor::remove(const control::RemoveRequest& request, control::Reply reply) {
  std::vector<ManagedContainer*> targets;
  for (auto* c : select(request.services)) {
    // `run`'s one-offs are not the services' containers: Compose's rm leaves them.
    if (c->record().oneoff && !request.oneoffs) continue;
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
  // `up`s in progress create and start nothing more; what they are starting now is
  // stopped once it runs (stop waits for a start), then removed with the rest. Those
  // waiting for an earlier down came before this one: they do not run at all.
  auto cancelled = [] {
    return Error("cancelled by `down` before every service was started").hint("run `up` again to bring the project up");
  };
  for (auto& run : runs_)
    if (!run->finished()) run->cancel(cancelled());
  for (auto& [queued, queued_reply] : std::exchange(after_down_, {})) queued_reply.finish(cancelled());
  downs_++;
  std::vector<ManagedContainer*> targets;
  if (!request.services.empty()) {
    targets = select(with_dependents(request.services));
    if (remove_orphans)
      for (auto* c : select({}))
        if (project_ && !project_->project.services.count(c->service())) targets.push_back(c);
  } else {
    for (auto* c : select({}))
      if (!project_ || remove_orphans || project_->project.services.count(c->service()) || c->record().oneoff)
        targets.push_back(c);
  }
  busy_++;
  auto grace = grace_of(request.timeout_s);
  bool partial = !request.services.empty();
  auto finish_down = [this, reply, volumes, rmi, partial](Status st) {
    auto finished = [this, reply](Status st) {
      reply.finish(st);
      busy_--;
      if (--downs_ == 0)
        for (auto& [queued, queued_reply] : std::exchange(after_down_, {})) handle(queued, queued_reply);
      check_idle();
    };
    // `down SERVICE`: the networks, volumes and images stay while another container of
    // the project is there (pier's networks go all together, at the project's end).
    if (partial && !containers_.empty()) {
      reply.event(progress("Network " + paths_.project + "_default", "Resource is still in use"));
      return finished(st);
    }
    Status net = networking_.teardown();
    if (!net) log::warn("down: {}", net.error().to_string());
    else reply.event(progress("Network " + paths_.project + "_default", "Removed"));
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
          else reply.event(control::to_json(control::Warning{e.to_string()}));
          continue;
        }
        std::error_code ec;
        std::filesystem::remove_all(*dir, ec);
        reply.event(progress("Volume " + volume.name, "Removed"));
      }
    }
    if (project_ && !rmi.empty() && images_) {
      for (const auto& [name, service] : project_->project.services) {
        if (rmi == "local" && !service.image.empty()) continue;
        std::string ref = service.image_or_default(project_->project.name);
        if (images_->untag(ref)) reply.event(progress("Image " + ref, "Removed"));
      }
    }
    if (containers_.empty()) {
      driver_->release_project(paths_.kernel_name);
      std::error_code ec;
      std::filesystem::remove(paths_.project_source_file(), ec);
      // remove() takes only an empty directory: logs of a container still there stay.
      std::filesystem::remove(paths_.project_logs_dir(), ec);
    }
    finished(st);
  };
  // The containers no record describes go after the managed ones, before the networks
  // (not for `down SERVICE`: such a container's service is not known).
  auto then_unreadable = [this, reply, finish_down, partial](Status st) {
    if (partial) return finish_down(st);
    remove_unreadable(reply, std::nullopt, [st, finish_down](Status unreadable) { finish_down(st ? unreadable : st); });
  };
  if (grace) {
    // -t applies to every container of the wave.
    stop_in_order(targets, grace, [this, targets, reply, then_unreadable](Status) {
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

void Supervisor::attach(const control::AttachRequest& request, control::Reply reply) {
  auto fds = reply.take_fds();
  if (fds.size() != 1) return reply.finish(Error("attach: expected one socket from the CLI, got " +
                                                 std::to_string(fds.size()) + " descriptors"));
  auto it = containers_.find(request.container);
  if (it == containers_.end()) return reply.finish(Error("no such container: " + request.container));
  const ManagedContainer& c = *it->second;
  auto input = c.attach_input();
  if (!input) return reply.finish(input.error());
  control::Attached attached{c.plan().spec.process.tty, c.plan().stdin_open, bool(*input)};
  if (attached.tty && !attached.input)
    reply.event(control::to_json(control::Warning{
        "the terminal of container " + c.name() + " is held by its `pier run -t` or was lost with a crashed "
        "supervisor: attaching to its output only"}));
  if (*input) {
    // The CLI now holds the input; the supervisor's copy of the FIFO goes with `input`.
    if (auto st = control::send_console(fds.front().get(), input->get()); !st) return reply.finish(st);
  }
  reply.event(control::to_json(attached));
  reply.finish({});
}

}  // namespace pier::supervisor
