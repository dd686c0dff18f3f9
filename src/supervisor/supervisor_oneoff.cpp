#include "supervisor/supervisor.h"

#include "compose/names.h"
#include "compose/output.h"
#include "graph/from_project.h"
#include "image/ensure.h"
#include "image/registry/registry_config.h"
#include "supervisor/naming.h"
#include "supervisor/run_overrides.h"
#include "supervisor/up_run.h"

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
  if (request.overrides.tty && !request.detach && stdio->size() != 1)
    return refuse(Error("run -t: the request must carry one socket for the terminal"));
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
  options.pull = request.pull;
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
  // --pull decides as `up --pull` does; without it a missing image is pulled.
  // The images it mounts (`type: image`) come the same way.
  auto ensure = [&](const std::string& reference) -> Result<image::ResolvedImage> {
    if (request.pull.empty())
      if (auto local = images_->resolve(reference); local.ok()) return local;
    PIER_TRY(auto policy, image::parse_pull_policy(request.pull.empty() ? "missing" : request.pull));
    // Mirrors, insecure registries and certs.d, as `pier pull` and `up` read them.
    image::PullOptions pull_options;
    PIER_TRY(pull_options.registries, image::RegistryConfig::load(paths_.root));
    return image::ensure_image(*images_, reference, policy, pull_options);
  };
  auto image = ensure(service.image_or_default(project_->project.name));
  if (!image) return fail(std::move(image).error().context("service " + service.name));
  for (const auto& mounted : plan::mounted_images(service))
    if (auto st = ensure(mounted); !st) return fail(std::move(st).error().context("service " + service.name));
  // Without dependencies no `up` ran first: the service's networks may not exist yet.
  if (auto st = networking_.ensure_networks(project_->project, {service.name}, NetworkDriver::OnChange::keep); !st)
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
  plan->restart = plan::RestartSpec{};
  if (const auto& o = request.overrides; o.tty && o.tty_rows > 0 && o.tty_rows <= UINT16_MAX && o.tty_cols > 0 &&
                                              o.tty_cols <= UINT16_MAX) {
    plan->spec.process.tty_rows = static_cast<uint16_t>(o.tty_rows);
    plan->spec.process.tty_cols = static_cast<uint16_t>(o.tty_cols);
  }
  // A one-off answers on its networks to its own name only, as in Docker Compose, unless
  // --use-aliases: else the service's name would resolve to it too.
  if (!request.overrides.use_aliases) {
    for (auto& network : plan->network.networks) network.names = {cname};
    network_plans_[cname] = plan->network;  // what prepare_network() reserves
  }
  plan->labels["com.docker.compose.oneoff"] = "True";
  record.labels = plan->labels;
  record.command = plan->command_display;
  record.exposed = exposed_ports(service, image->config);
  apply_exec_defaults(record, *plan);
  auto container = std::make_unique<ManagedContainer>(*this, record, std::move(*plan));
  if (auto st = container->persist_created(); !st) return fail(st.error());
  bool detach = request.detach;
  // Without -t the CLI's stdin, stdout and stderr; with it, the socket its pty goes over.
  if (!detach && request.overrides.tty) {
    container->set_console_socket(std::move(stdio->front()));
  } else if (!detach) {
    container->set_direct_stdio(std::move(*stdio));
  }
  auto* c = container.get();
  containers_[cname] = std::move(container);
  containers_changed();
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
