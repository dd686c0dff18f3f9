// What every conversion step shares: the project, the options, the objects made so far
// and the warnings. Internal to convert/.
#pragma once

#include <map>
#include <set>
#include <string>

#include "convert/convert.h"

namespace pier::convert {

using nlohmann::json;

struct Context {
  const compose::Project& project;
  const Options& options;
  std::string ns;  // the namespace every object lives in
  Manifests out;
  // Named volumes each enabled service mounts, and how many services mount each:
  // a volume only one service mounts becomes its StatefulSet's claim template.
  std::map<std::string, int> volume_users;
  std::set<std::string> claim_templates;  // volumes a StatefulSet claims per replica
  bool isolate_networks = false;          // NetworkPolicies are written (network_policy.cpp)
  bool needs_job_waiter = false;          // a pod waits for a Job (dependencies.cpp)

  // A new object with apiVersion, kind and metadata (name, namespace, the project's
  // labels) filled in, for the caller to complete and `emit`.
  json make(const std::string& api_version, const std::string& kind, const std::string& name) const;
  void emit(json body);
  // One warning at `mark` (or the service's own mark when the key has none).
  void warn(const compose::Mark& mark, std::string message);
  void warn(const compose::Service& service, const std::string& key, std::string message);
};

// The labels every object of the project carries, and those that select a
// service's pods.
json project_labels(const Context& ctx);
json selector_labels(const Context& ctx, const compose::Service& service);

// Where a service wrote `key` (its own mark when unknown).
const compose::Mark& key_mark(const compose::Service& service, const std::string& key);

}  // namespace pier::convert
