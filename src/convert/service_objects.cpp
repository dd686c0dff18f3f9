// `ports` and `expose` -> one Service named as the compose service, so the names
// other services already use (`http://db:5432`) resolve in the cluster; the Service
// listens on the container ports. x-kubernetes.ingress-host -> an Ingress.
#include "base/strings.h"
#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

constexpr int kNodePortMin = 30000, kNodePortMax = 32767;

struct Port {
  uint32_t port;
  std::string protocol;
  std::string published;     // "" for expose and unpublished ports
  std::string app_protocol;  // ports' app_protocol (http, grpc, ...)
};

std::vector<Port> collect_ports(Context& ctx, const compose::Service& s) {
  std::vector<Port> out;
  auto add = [&](Port p) {
    for (auto& existing : out)
      if (existing.port == p.port && existing.protocol == p.protocol) {
        if (existing.published.empty()) existing.published = p.published;
        return;
      }
    out.push_back(std::move(p));
  };
  for (const auto& p : s.ports) {
    add({p.target, to_upper_protocol(p.protocol), p.published, p.app_protocol});
    if (!p.host_ip.empty() && p.host_ip != "0.0.0.0" && p.host_ip != "::")
      ctx.warn(s, "ports", "port " + std::to_string(p.target) + ": `host_ip " + p.host_ip +
                               "` is not converted: a Service listens on every node address");
  }
  for (const auto& e : s.expose) {
    auto slash = e.find('/');
    std::string range = e.substr(0, slash);
    std::string protocol = slash == std::string::npos ? "tcp" : e.substr(slash + 1);
    auto dash = range.find('-');
    auto first = parse_number(range.substr(0, dash));
    auto last = dash == std::string::npos ? first : parse_number(range.substr(dash + 1));
    if (!first || !last || *first < 1 || *last > 65535 || *first > *last) {
      ctx.warn(s, "expose", "`expose: " + e + "` is not converted: not a port or port range");
      continue;
    }
    for (int64_t port = *first; port <= *last; ++port)
      add({static_cast<uint32_t>(port), to_upper_protocol(protocol), "", ""});
  }
  return out;
}

std::string service_type(const compose::Service& s, const std::string& default_type, bool published) {
  json x = extension(s.extensions);
  if (x.contains("service-type")) return x["service-type"];
  return published ? default_type : "ClusterIP";
}

void add_ingress(Context& ctx, const compose::Service& s, const std::vector<Port>& ports) {
  json x = extension(s.extensions);
  if (!x.contains("ingress-host")) return;
  if (ports.empty()) {
    ctx.warn(s, "x-kubernetes", "`x-kubernetes.ingress-host` is not converted: the service has no port");
    return;
  }
  std::string name = dns_label(s.name);
  json backend = {{"service", {{"name", name}, {"port", {{"number", ports[0].port}}}}}};
  json path = {{"path", "/"}, {"pathType", "Prefix"}, {"backend", backend}};
  json ingress = ctx.make("networking.k8s.io/v1", "Ingress", name);
  ingress["spec"]["rules"] = json::array({{{"host", x["ingress-host"]}, {"http", {{"paths", json::array({path})}}}}});
  ctx.emit(std::move(ingress));
}

}  // namespace

void add_service_objects(Context& ctx, const compose::Service& s) {
  std::vector<Port> ports = collect_ports(ctx, s);
  if (ports.empty()) return;
  bool published = false;
  for (const auto& p : ports) published = published || !p.published.empty();
  std::string type = service_type(s, ctx.options.service_type, published);
  json service = ctx.make("v1", "Service", dns_label(s.name));
  service["spec"]["type"] = type;
  service["spec"]["selector"] = selector_labels(ctx, s);
  for (const auto& p : ports) {
    json port = {{"name", to_lower(p.protocol) + "-" + std::to_string(p.port)},
                 {"port", p.port},
                 {"targetPort", p.port},
                 {"protocol", p.protocol}};
    if (!p.app_protocol.empty()) port["appProtocol"] = p.app_protocol;
    if (type == "NodePort" && !p.published.empty()) {
      // A NodePort must lie in the cluster's node port range: others are left to the
      // cluster to pick.
      auto published_port = parse_number(p.published.substr(0, p.published.find('-')));
      if (published_port && *published_port >= kNodePortMin && *published_port <= kNodePortMax)
        port["nodePort"] = *published_port;
      else
        ctx.warn(s, "ports", "published port " + p.published + " is outside the NodePort range " +
                                 std::to_string(kNodePortMin) + "-" + std::to_string(kNodePortMax) +
                                 ": the cluster picks the node port");
    }
    service["spec"]["ports"].push_back(std::move(port));
  }
  ctx.emit(std::move(service));
  add_ingress(ctx, s, ports);
}

}  // namespace pier::convert
