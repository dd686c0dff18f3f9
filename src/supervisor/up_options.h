// What `up` was asked to do: the CLI's flags, sent over the control socket.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pier::supervisor {

struct UpOptions {
  std::vector<std::string> services;  // empty: every enabled service
  std::map<std::string, int> scale;
  bool no_deps = false;
  bool force_recreate = false;
  bool no_recreate = false;
  bool remove_orphans = false;
  bool no_start = false;
  bool wait = false;             // reply only when running/healthy (or completed)
  int wait_timeout_s = 0;        // 0: no limit
  std::string pull;              // --pull: always, missing, never ("" = per service)
};
UpOptions up_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const UpOptions& options);

}  // namespace pier::supervisor
