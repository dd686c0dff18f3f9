// Everything network for one Compose project, driven by the supervisor on its loop:
// the networks (bridges + IPAM), container attachments, the DNS names, published
// ports (nft DNAT + userland proxy) and teardown. Plain data in, no Compose types.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "event/loop.h"
#include "net/dns/registry.h"
#include "net/dns/server.h"
#include "net/nat/firewall.h"
#include "net/network.h"
#include "net/ports.h"
#include "net/project_record.h"
#include "net/proxy/port_proxy.h"

namespace pier::net {

struct ProjectNetworkOptions {
  std::string project;               // its kernel name (state::ProjectPaths::kernel_name)
  std::string state_dir;             // shared by all projects (subnets, records)
  uint16_t dns_port = 53;            // the embedded server's port on each gateway
  dns::ServerOptions dns;            // upstreams: the host's resolv.conf nameservers
};

// One network of a container: where to attach and which names it answers to there.
struct ContainerNetwork {
  std::string network;
  AttachSpec attach;
  std::vector<std::string> names;  // service, container name, aliases, hostname
};

// One endpoint of a running container as a previous supervisor recorded it (the
// supervisor's EndpointRecord, minus the MAC, which lives in the container only).
struct AdoptedEndpoint {
  Endpoint endpoint;               // network, host_veth, ifname, ipv4, ipv6
  std::vector<std::string> names;  // its DNS names on that network
};

// A container's attach with its addresses reserved (ProjectNetwork::reserve), to be
// carried out on any thread (ProjectNetwork::apply), then committed or abandoned on the
// thread that owns the ProjectNetwork.
struct PreparedAttach {
  std::string container;
  bool disable_ipv6 = false;  // none of its networks has IPv6
  std::vector<PreparedEndpoint> endpoints;
};

// What adopt took over, and a note for each endpoint it skipped.
struct Adoption {
  std::vector<Endpoint> endpoints;
  std::vector<std::string> notes;
};

class ProjectNetwork {
 public:
  static Result<std::unique_ptr<ProjectNetwork>> create(event::Loop& loop, ProjectNetworkOptions options);
  // Closes the DNS listeners and port proxies only: bridges, veths and the nft table
  // stay, so a supervisor that exits without `down` (or dies) leaves its containers
  // connected for the next one to adopt. teardown() is what removes them.
  ~ProjectNetwork();

  // Creates the bridge (recorded first), with a subnet from spec.ipv4 if given,
  // else from the default pools avoiding host routes and other projects.
  // A bridge that exists and is in this project's record was made by a previous
  // supervisor: it is taken over with the recorded subnet and gateway, not
  // re-created (a bridge of that name the record does not list is an error). Either
  // way the DNS listener on the gateway and the nft table come (back) up.
  Result<Network*> add_network(NetworkSpec spec, bool has_subnet);
  Network* network(const std::string& name);
  // True when spec's network exists with another configuration: held with another
  // config_hash, or its bridge left by a previous supervisor recorded with another
  // one. An empty hash on either side (made by an older pier) is no change, as
  // Compose leaves a network without its hash label alone. External: never.
  Result<bool> config_changed(const NetworkSpec& spec);
  // Removes spec's network so that add_network can make it anew: a held one (refused
  // while a container is attached to it: detach or stop those first) with its DNS
  // listener and firewall rules, or the bridge a previous supervisor left. The record
  // keeps the bridge's name; add_network records the new hash.
  Status remove_network(const NetworkSpec& spec);

  // Attaches a container to its networks (first = default route unless gw_priority
  // says otherwise) and publishes its DNS names. Undone entirely on failure.
  Result<std::vector<Endpoint>> attach(const std::string& container, const ContainerNetns& netns,
                                       std::vector<ContainerNetwork> networks);
  // attach in three steps, so that a supervisor can leave its netlink work to the
  // thread that starts the container: reserve takes the addresses and publishes the
  // DNS names (all or none); apply makes the links with `host`, a socket of the
  // caller's own in this project's namespace (any thread; nothing is left on error);
  // commit remembers the endpoints for detach, or abandon takes the names back and
  // gives the addresses back. `upstreams` are the container's own resolvers (Compose
  // `dns:`), asked instead of the host's for names outside the project; they go with
  // its names (abandon, detach).
  Result<PreparedAttach> reserve(const std::string& container, std::vector<ContainerNetwork> networks,
                                 std::vector<Endpoint4or6> upstreams = {});
  static Status apply(const netlink::Socket& host, const ContainerNetns& netns, const PreparedAttach& prepared);
  std::vector<Endpoint> commit(const PreparedAttach& prepared);
  void abandon(const PreparedAttach& prepared);
  // Takes over a running container that a previous supervisor attached: marks its
  // addresses used (no attach hands them out again), registers its DNS names and
  // remembers the endpoints for detach. Its namespace is not touched. An endpoint
  // whose host veth is gone (the container exited meanwhile) is skipped with a note,
  // also logged. Call it for every surviving container after add_network and before
  // any attach. All or nothing on error (unknown network, address held by another).
  // `upstreams` as for reserve: the previous supervisor's are gone with it.
  Result<Adoption> adopt(const std::string& container, std::vector<AdoptedEndpoint> endpoints,
                         std::vector<Endpoint4or6> upstreams = {});
  // Removes the container's names first (no answer may point at a dead address),
  // then its veths and addresses. Its veths may be gone already (the container's
  // namespace was destroyed); a container never attached is no error.
  Status detach(const std::string& container);
  // detach, less the deletion of the host veths: returns their indexes for
  // netlink::delete_links_by_index to delete elsewhere. Deleting a veth waits out RCU
  // grace periods in the kernel (15-35 ms), which the loop thread must not. Meanwhile
  // the link's address is free; the pool hands it out again only after it wraps.
  std::vector<int> detach_leaving_links(const std::string& container);

  // Publishes ports of a running container; returns the mappings with the host
  // ports actually bound (random ones filled in). For an adopted container this
  // binds its ports again: the proxies died with the previous supervisor.
  Result<std::vector<PortMapping>> publish(const std::string& container, std::vector<PortMapping> ports);
  Status unpublish(const std::string& container);

  // `down`: proxies, DNS listeners, veths, bridges, nft table, state files.
  Status teardown();

  dns::Registry& registry() { return registry_; }

 private:
  ProjectNetwork(event::Loop& loop, ProjectNetworkOptions options);
  Status apply_firewall();
  Status route_localnet_on_bridges();
  Result<bool> bridge_to_adopt(const NetworkSpec& spec);
  std::string bridge_of(const NetworkSpec& spec) const;

  event::Loop& loop_;
  ProjectNetworkOptions options_;
  netlink::Socket host_;
  ProjectRecord record_;
  dns::Registry registry_;
  std::unique_ptr<dns::Server> dns_;
  std::vector<std::unique_ptr<Network>> networks_;
  std::map<std::string, std::vector<Endpoint>> endpoints_;  // by container
  struct Published {
    PortMapping mapping;
    std::unique_ptr<proxy::PortProxy> proxy;
  };
  std::map<std::string, std::vector<Published>> published_;  // by container
};

}  // namespace pier::net
