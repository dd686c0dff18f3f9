// depends_on -> init containers that wait until the dependency's Service answers.
// Its readiness probe (from its healthcheck) keeps it out of the Service until it is
// healthy, so one wait covers service_started and service_healthy. A pod cannot
// watch a Job without API access: service_completed_successfully makes the
// dependency a Job (workload.cpp) and is reported as a gap here.
#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

constexpr const char* kWaitImage = "busybox:1.36";

// The first port the dependency's Service has: ports' targets, then expose.
std::optional<std::string> service_port(const compose::Service& dep) {
  for (const auto& p : dep.ports)
    if (p.protocol == "tcp") return std::to_string(p.target);
  for (const auto& e : dep.expose) {
    std::string port = e.substr(0, e.find_first_of("-/"));
    if (e.find("/udp") == std::string::npos) return port;
  }
  return std::nullopt;
}

}  // namespace

void add_dependencies(Context& ctx, const compose::Service& s, Pod& pod) {
  for (const auto& [name, dep] : s.depends_on) {
    const compose::Service* target = ctx.project.find_service(name);
    if (!target || target->disabled) continue;  // optional dependency left out by profiles
    std::string where = "depends_on \"" + name + "\" (" + dep.condition + ")";
    const compose::Mark& mark = dep.mark.known() ? dep.mark : key_mark(s, "depends_on");
    if (dep.restart)
      ctx.warn(mark, "service \"" + s.name + "\": " + where + ": `restart: true` is not converted: pods are not restarted with their dependencies");
    if (dep.condition == "service_completed_successfully") {
      ctx.warn(mark, "service \"" + s.name + "\": " + where +
                         ": \"" + name + "\" becomes a Job, but a pod cannot wait for a Job without API access; "
                         "this pod starts alongside it (see docs/kubernetes.md)");
      continue;
    }
    auto port = service_port(*target);
    if (!port) {
      ctx.warn(mark, "service \"" + s.name + "\": " + where + " is not converted: \"" + name +
                         "\" has no TCP port (ports or expose), so there is no Service to wait for");
      continue;
    }
    std::string host = dns_label(name);
    std::string script = "until nc -z -w 2 " + host + " " + *port + "; do echo waiting for " + host + ":" + *port +
                         "; sleep 2; done";
    pod.spec["initContainers"].push_back({{"name", dns_label("wait-for-" + name)},
                                          {"image", kWaitImage},
                                          {"command", json::array({"sh", "-c", script})}});
  }
}

}  // namespace pier::convert
