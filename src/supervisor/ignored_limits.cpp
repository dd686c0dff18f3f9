#include "supervisor/ignored_limits.h"

#include "base/strings.h"

namespace pier::supervisor {

namespace {

// The Compose key that sets each runtime limit (deploy.resources sets the same ones).
std::string compose_key(const std::string& limit) {
  static const std::map<std::string, std::string> keys = {
      {"memory", "mem_limit"},        {"memory_swap", "memswap_limit"}, {"memory_reservation", "mem_reservation"},
      {"cpus", "cpus"},               {"cpu_shares", "cpu_shares"},     {"cpuset", "cpuset"},
      {"pids_limit", "pids_limit"},   {"blkio_weight", "blkio_config.weight"},
      {"device_cgroup_rules", "device_cgroup_rules"}};
  auto it = keys.find(limit);
  return it == keys.end() ? limit : it->second;
}

}  // namespace

void IgnoredLimits::add(const std::string& service, const std::vector<std::string>& limits) {
  for (const auto& l : limits) services_by_key_[compose_key(l)].insert(service);
}

std::string IgnoredLimits::warning() const {
  if (services_by_key_.empty()) return {};
  std::vector<std::string> parts;
  for (const auto& [key, services] : services_by_key_)
    parts.push_back(key + " (" + join(std::vector<std::string>(services.begin(), services.end()), ", ") + ")");
  return "pier runs rootless and this user has no delegated cgroup controllers for them, so these limits are "
         "ignored: " +
         join(parts, ", ") + "; delegate a cgroup v2 subtree to the user (systemd's user@.service) to apply them";
}

}  // namespace pier::supervisor
