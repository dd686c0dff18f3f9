// Compose networks that keep services apart -> NetworkPolicies. Each pod carries one
// label per compose network it joins; one policy per network lets the pods of that
// network reach each other, so a pod accepts traffic only from the pods it shares a
// network with (policies add up). Published ports stay open to everyone. Nothing is
// written when every service shares a network: the namespace is then one network.
#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

std::vector<const compose::Service*> networked_services(const Context& ctx) {
  std::vector<const compose::Service*> out;
  for (const auto& [_, s] : ctx.project.services)
    if (!s.disabled && !s.networks.empty()) out.push_back(&s);
  return out;
}

json network_selector(const std::string& network) {
  return {{"matchLabels", {{network_label(network), "true"}}}};
}

}  // namespace

std::string network_label(const std::string& network) { return "network.pier.dev/" + dns_label(network); }

bool networks_isolate(const Context& ctx) {
  auto services = networked_services(ctx);
  for (size_t i = 0; i < services.size(); ++i)
    for (size_t j = i + 1; j < services.size(); ++j) {
      bool shared = false;
      for (const auto& [n, _] : services[i]->networks) shared = shared || services[j]->networks.count(n);
      if (!shared) return true;
    }
  return false;
}

void add_network_policies(Context& ctx) {
  if (!networks_isolate(ctx)) return;
  std::set<std::string> networks;
  for (const auto* s : networked_services(ctx))
    for (const auto& [n, _] : s->networks) networks.insert(n);
  for (const auto& n : networks) {
    json policy = ctx.make("networking.k8s.io/v1", "NetworkPolicy", dns_label("network-" + n));
    policy["spec"]["podSelector"] = network_selector(n);
    policy["spec"]["policyTypes"] = json::array({"Ingress"});
    policy["spec"]["ingress"] = json::array({{{"from", json::array({{{"podSelector", network_selector(n)}}})}}});
    ctx.emit(std::move(policy));
  }
  for (const auto* s : networked_services(ctx)) {
    json ports = json::array();
    for (const auto& p : s->ports)
      if (!p.published.empty()) ports.push_back({{"port", p.target}, {"protocol", to_upper_protocol(p.protocol)}});
    if (ports.empty()) continue;
    json policy = ctx.make("networking.k8s.io/v1", "NetworkPolicy", dns_label(s->name + "-published"));
    policy["spec"]["podSelector"] = {{"matchLabels", selector_labels(ctx, *s)}};
    policy["spec"]["policyTypes"] = json::array({"Ingress"});
    policy["spec"]["ingress"] = json::array({{{"ports", ports}}});
    ctx.emit(std::move(policy));
  }
}

}  // namespace pier::convert
