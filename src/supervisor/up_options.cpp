#include "supervisor/up_options.h"

namespace pier::supervisor {

UpOptions up_options_from_json(const nlohmann::json& j) {
  UpOptions o;
  o.services = j.value("services", std::vector<std::string>{});
  o.scale = j.value("scale", std::map<std::string, int>{});
  o.no_deps = j.value("no_deps", false);
  o.force_recreate = j.value("force_recreate", false);
  o.no_recreate = j.value("no_recreate", false);
  o.remove_orphans = j.value("remove_orphans", false);
  o.no_start = j.value("no_start", false);
  o.wait = j.value("wait", false);
  o.wait_timeout_s = j.value("wait_timeout", 0);
  o.pull = j.value("pull", std::string());
  return o;
}

nlohmann::json to_json(const UpOptions& o) {
  return {{"services", o.services},         {"scale", o.scale},     {"no_deps", o.no_deps},
          {"force_recreate", o.force_recreate}, {"no_recreate", o.no_recreate},
          {"remove_orphans", o.remove_orphans}, {"no_start", o.no_start}, {"wait", o.wait},
          {"wait_timeout", o.wait_timeout_s}, {"pull", o.pull}};
}

}  // namespace pier::supervisor
