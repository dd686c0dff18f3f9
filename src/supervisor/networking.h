// Compose networking on top of net::ProjectNetwork: creates the bridges a project's
// networks need, attaches each container as its NetworkPlan says (plan/network.h
// decides that), writes its /etc/hosts and resolv.conf once its addresses are known,
// and publishes its ports. Runs on the loop thread, but for a starting container's
// netlink work, which the worker starting it does (PendingAttach), and the deletion of
// a released container's veths, which a thread of its own does.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "compose/model.h"
#include "event/loop.h"
#include "net/dns/files.h"
#include "net/project_network.h"
#include "plan/network.h"
#include "plan/plan.h"
#include "state/container_record.h"
#include "state/paths.h"
#include "supervisor/network_driver.h"
#include "supervisor/worker_pool.h"

namespace pier::supervisor {

using plan::NetworkPlan;

// The real NetworkDriver.
class Networking final : public NetworkDriver {
 public:
  Networking(event::Loop& loop, state::ProjectPaths paths) : loop_(loop), paths_(std::move(paths)) {}

  Result<std::vector<std::string>> ensure_networks(const compose::Project& project,
                                                   const std::vector<std::string>& services,
                                                   OnChange on_change) override;
  Status recreate_network(const compose::Project& project, const std::string& network) override;
  Result<std::unique_ptr<PendingAttach>> prepare_attach(const std::string& container, const NetworkPlan& plan) override;
  void finish_attach(PendingAttach& pending, bool applied) override;
  Status adopt(const std::string& container, const std::vector<state::EndpointRecord>& endpoints,
               const NetworkPlan& plan) override;
  Result<std::vector<state::PublishedPort>> publish(const std::string& container, const std::string& service,
                                                    int replica, const NetworkPlan& plan,
                                                    const std::vector<state::EndpointRecord>& endpoints) override;
  void release(const std::string& container) override;
  // Created when missing (after a crash they are still there: the mounts, not a
  // process, keep them). Removed with the container (ManagedContainer::remove) and at
  // teardown.
  Result<plan::PlanInputs::HeldNamespaces> hold_namespaces(const std::string& container) override;
  Status teardown() override;

 private:
  Status open();
  Status release_all_held();
  void delete_links_later(std::vector<int> links);
  event::Loop& loop_;
  state::ProjectPaths paths_;
  std::unique_ptr<net::ProjectNetwork> net_;
  net::dns::ResolvConf host_resolv_;
  // Deletes released veths (delete_links_later), made at the first; teardown waits for
  // it. Last: destroyed first, it finishes its deletions while net_ still lives.
  std::unique_ptr<WorkerPool> link_deleter_;
};

}  // namespace pier::supervisor
