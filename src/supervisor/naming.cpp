#include "supervisor/naming.h"

#include <charconv>
#include <set>

#include <sys/random.h>

#include <fmt/format.h>

namespace pier::supervisor {

std::string container_name(const compose::Project& project, const compose::Service& service, int number) {
  if (!service.container_name.empty()) return service.container_name;
  return fmt::format("{}-{}-{}", project.name, service.name, number);
}

std::string random_container_id() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

Result<state::ContainerRecord> new_record(const compose::Project& project, const compose::Service& service, int number,
                                  const std::string& name, const state::ProjectPaths& paths) {
  state::ContainerRecord r;
  r.name = name;
  r.id = random_container_id();
  r.project = project.name;
  r.service = service.name;
  r.number = number;
  r.image = service.image_or_default(project.name);
  PIER_TRY(r.scratch_dir, paths.scratch_dir(name));
  return r;
}

std::vector<std::string> exposed_ports(const compose::Service& service, const image::ImageConfig& image) {
  std::set<std::pair<unsigned, std::string>> ports;  // sorted by number, then protocol
  auto add = [&ports](const std::string& spec) {
    auto slash = spec.find('/');
    std::string proto = slash == std::string::npos ? "tcp" : spec.substr(slash + 1);
    std::string range = spec.substr(0, slash);
    auto dash = range.find('-');
    unsigned first = 0, last = 0;
    auto parse = [](const std::string& text, unsigned& out) {
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
      return ec == std::errc() && end == text.data() + text.size() && out > 0 && out <= 65535;
    };
    if (!parse(range.substr(0, dash), first)) return;
    last = first;
    if (dash != std::string::npos && !parse(range.substr(dash + 1), last)) return;
    for (unsigned p = first; p <= last; ++p) ports.insert({p, proto});  // port by port, as Docker lists a range
  };
  for (const auto& spec : image.exposed_ports) add(spec);
  for (const auto& spec : service.expose) add(spec);
  std::vector<std::string> out;
  for (const auto& [port, proto] : ports) out.push_back(std::to_string(port) + "/" + proto);
  return out;
}

void apply_exec_defaults(state::ContainerRecord& record, const plan::ServicePlan& plan) {
  record.env = plan.spec.process.env;
  record.user = plan.spec.process.user;
  record.group_add = plan.spec.process.group_add;
  record.working_dir = plan.spec.process.workdir;
  record.privileged = plan.spec.privileged;
  record.cap_add = plan.spec.process.cap_add;
  record.cap_drop = plan.spec.process.cap_drop;
  record.rlimits.clear();
  for (const auto& l : plan.spec.process.rlimits) record.rlimits.push_back({l.resource, l.soft, l.hard});
  record.oom_score_adj = plan.spec.process.oom_score_adj;
  record.no_new_privs = plan.spec.process.no_new_privs;
  switch (plan.spec.seccomp) {
    case runtime::SeccompMode::default_profile: record.seccomp = "default"; break;
    case runtime::SeccompMode::unconfined: record.seccomp = "unconfined"; break;
    case runtime::SeccompMode::custom: record.seccomp = "custom"; break;
  }
}

}  // namespace pier::supervisor
