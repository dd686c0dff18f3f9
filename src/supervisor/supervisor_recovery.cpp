// A new supervisor takes over what a crashed one left: the records say which
// containers exist; the live ones are adopted, the dead ones marked exited.
#include "base/clock.h"
#include "supervisor/supervisor.h"

#include <algorithm>
#include <map>

#include "base/atomic_file.h"
#include "base/log.h"
#include "graph/from_project.h"

namespace pier::supervisor {
namespace {

// Whether the kernel's OOM killer killed a process of a container that died while no
// supervisor ran: its cgroup still holds the count until recovery removes it.
bool oom_killed_unobserved(ContainerDriver& driver, const std::string& kernel_name,
                           const state::ContainerRecord& record) {
  if (record.cgroup.empty()) return false;
  runtime::Container dead;
  dead.project = kernel_name;
  dead.name = record.name;
  dead.cgroup = record.cgroup;
  auto stats = driver.stats(dead);
  if (!stats) {
    // Usually gone with the machine's reboot, which also ended the container.
    log::debug("recover {}: read its OOM kills: {}", record.name, stats.error().to_string());
    return false;
  }
  if (stats->oom_kills == 0) return false;
  log::warn("recover {}: the kernel's OOM killer killed {} process(es) while no supervisor ran (memory limit {} bytes)",
            record.name, stats->oom_kills, stats->memory_limit);
  return true;
}

// The project's start order (records come by service name): a container that copies
// another's volumes (`volumes_from`) is planned from the source's plan, so the source
// must be planned first. Services the graph does not know (removed from the file) last.
void sort_in_start_order(std::vector<state::ContainerRecord>& records, const compose::Project& project) {
  auto deps = graph::from_project(project);
  if (!deps) return;
  auto waves = deps->start_waves();
  if (!waves) return;
  std::map<std::string, size_t> wave_of;
  for (size_t i = 0; i < waves->size(); ++i)
    for (const auto& name : (*waves)[i]) wave_of[name] = i;
  auto rank = [&](const state::ContainerRecord& r) {
    auto it = wave_of.find(r.service);
    return it == wave_of.end() ? waves->size() : it->second;
  };
  std::stable_sort(records.begin(), records.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
}

}  // namespace

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
    sort_in_start_order(records, project_->project);
    std::vector<std::string> services;
    for (const auto& [name, s] : project_->project.services) services.push_back(name);
    if (auto st = networking_.ensure_networks(project_->project, services, NetworkDriver::OnChange::keep); !st)
      log::warn("recover: {}", st.error().to_string());
  }
  for (auto& record : records) {
    plan::ServicePlan plan;
    const compose::Service* service = project_ ? project_->project.find_service(record.service) : nullptr;
    if (service) {
      if (auto image = images_->resolve(record.image_id.empty() ? record.image : record.image_id); image.ok()) {
        if (auto p = plan_for(*service, record, *image); p.ok()) plan = std::move(*p);
        else log::warn("recover {}: {}", record.name, p.error().to_string());
      }
    }
    if (!service) {
      // Enough to stop and remove it: the stop defaults and its security for exec.
      plan.spec.project = paths_.kernel_name;
      plan.spec.name = record.name;
      plan.spec.state_dir = record.scratch_dir;
    }
    bool alive = driver_->alive(record.pid, record.pid_start_time) &&
                 (record.state == state::ContainerState::running || record.state == state::ContainerState::paused);
    std::string name = record.name;
    last_state_[name] = record.state;
    if (!alive) {
      // Dead while nobody watched: its cgroup may remain; the record says exited. The
      // cgroup's OOM kill count is read before it goes, as at a watched exit.
      bool was_running = record.state == state::ContainerState::running || record.state == state::ContainerState::paused;
      bool oom = was_running && oom_killed_unobserved(*driver_, paths_.kernel_name, record);
      (void)driver_->destroy(paths_.kernel_name, name, "");
      auto& r = record;
      if (state::is_up(r.state)) {
        if (r.state != state::ContainerState::restarting) r.exit_code = 255;  // died unobserved
        if (was_running) r.oom_killed = oom;
        r.state = state::ContainerState::exited;
        r.finished_at = unix_time_ns();
        r.pid = 0;
        r.health = "";
        (void)records_.write(r);
      }
    }
    // Made from the record as it now reads: its lifecycle state follows the record's.
    auto c = std::make_unique<ManagedContainer>(*this, record, std::move(plan));
    auto* raw = c.get();
    containers_[name] = std::move(c);
    containers_changed();
    if (alive) {
      if (auto st = networking_.adopt(name, record.endpoints, raw->plan().network); !st) log::warn("adopt {}: {}", name, st.error().to_string());
      if (auto st = raw->adopt(); !st) log::warn("adopt {}: {}", name, st.error().to_string());
      else if (auto st = publish_ports(*raw); !st) log::warn("adopt {}: {}", name, st.error().to_string());
      continue;
    }
    const auto& r = raw->record();
    // As after a daemon restart: `always` comes back, `unless-stopped` unless stopped.
    bool comeback = service && (raw->plan().restart.kind == plan::RestartKind::always ||
                                (raw->plan().restart.kind == plan::RestartKind::unless_stopped && !r.stopped_by_user));
    if (comeback && r.state == state::ContainerState::exited)
      raw->start([name](Status st) {
        if (!st) log::warn("restart {}: {}", name, st.error().to_string());
      });
  }
  return {};
}

}  // namespace pier::supervisor
