// `up` on a rootless pier whose user has no delegated cgroup controllers: containers
// start without their limits (as Podman does), and the run says once which Compose keys
// of which services were ignored.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace pier::supervisor {

class IgnoredLimits {
 public:
  // `limits`: runtime::ignored_limits' names for one container of `service`.
  void add(const std::string& service, const std::vector<std::string>& limits);
  // "" when nothing was ignored, else one warning naming each key and its services.
  std::string warning() const;

 private:
  std::map<std::string, std::set<std::string>> services_by_key_;
};

}  // namespace pier::supervisor
