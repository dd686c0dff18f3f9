// `pier port SERVICE PRIVATE_PORT`: the host address a container port is published
// on, from the container's record, printed as Docker Compose does (`0.0.0.0:49153`).
#include <cstdio>

#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "state/container_record.h"

namespace pier::cli {
namespace {

struct PortFlags {
  int index = 0;  // replica number; 0: the first container of the service
  std::string protocol = "tcp";
  std::string service, private_port;
};

// "80" or "80/udp" (the suffix overrides --protocol, as `docker port` accepts it).
Result<uint16_t> parse_private_port(const std::string& text, std::string& protocol) {
  std::string number = text;
  if (auto slash = text.find('/'); slash != std::string::npos) {
    number = text.substr(0, slash);
    protocol = text.substr(slash + 1);
    if (protocol != "tcp" && protocol != "udp")
      return Error("port `" + text + "`: protocol must be tcp or udp");
  }
  char* end = nullptr;
  long n = std::strtol(number.c_str(), &end, 10);
  if (number.empty() || *end || n < 1 || n > 65535)
    return Error("port `" + text + "`: expected a port number between 1 and 65535");
  return static_cast<uint16_t>(n);
}

const state::ContainerRecord* pick_container(const std::vector<state::ContainerRecord>& records,
                                             const std::string& service, int index) {
  for (const auto& r : records)
    if (!r.oneoff && r.service == service && (index == 0 || r.number == index)) return &r;
  return nullptr;
}

Result<std::string> published_address(const GlobalOptions& globals, PortFlags f) {
  PIER_TRY(auto project, resolve_project(globals, {f.service}));
  if (project.loaded && !project.loaded->project.find_service(f.service))
    return Error("no such service: " + f.service);
  PIER_TRY(uint16_t port, parse_private_port(f.private_port, f.protocol));
  PIER_TRY(auto records, state::RecordStore(project.paths.records_dir()).list());
  const auto* r = pick_container(records, f.service, f.index);
  if (!r) {
    if (f.index == 0) return Error("service \"" + f.service + "\" has no container").hint("start it with `pier up -d`");
    return Error("service \"" + f.service + "\" has no container with index " + std::to_string(f.index));
  }
  for (const auto& p : r->ports)
    if (p.container_port == port && p.protocol == f.protocol) return p.host_ip + ":" + std::to_string(p.host_port);
  return Error("no port " + std::to_string(port) + "/" + f.protocol + " for container " + r->name +
               ": the port is not published");
}

}  // namespace

void register_port(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("port", "Print the public port for a port binding");
  auto f = std::make_shared<PortFlags>();
  cmd->add_option("--index", f->index, "Index of the container if service has multiple replicas")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--protocol", f->protocol, "tcp or udp")->check(CLI::IsMember({"tcp", "udp"}));
  cmd->add_option("service", f->service, "Service")->required();
  cmd->add_option("private_port", f->private_port, "Container port")->required();
  cmd->callback([f, &globals, &result] {
    auto address = published_address(globals, *f);
    if (!address) {
      result.exit_code = report(address.error());
      return;
    }
    std::printf("%s\n", address->c_str());
    result.exit_code = 0;
  });
}

}  // namespace pier::cli
