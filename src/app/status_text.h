// The words `ps` prints, as Docker does: "Up 3 minutes (healthy)", "Exited (0) 2 hours
// ago", "0.0.0.0:8080->80/tcp".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "state/container_record.h"

namespace pier::app {

// Docker's units.HumanDuration: "Less than a second", "About a minute", "3 hours"...
std::string human_duration(int64_t seconds);
std::string status_text(const state::ContainerRecord& record, int64_t now_ns);
// One port as Compose's `ps` lists it under Publishers: a published port, or an exposed
// one nobody published (url "", published_port 0).
struct Publisher {
  std::string url;
  uint16_t target_port = 0, published_port = 0;
  std::string protocol;
};
// The published ports, then the exposed ones left unpublished, in Compose's order.
std::vector<Publisher> publishers(const state::ContainerRecord& record);
// The PORTS column: "443/tcp, 0.0.0.0:8080->80/tcp", ranges collapsed as Docker does.
std::string ports_text(std::vector<Publisher> ports);
// The COMMAND of `ps` from a record's Go-quoted command: cut to 20 characters with "…"
// when `truncate`, as Compose's ps cuts the command before quoting it.
std::string command_text(const std::string& quoted, bool truncate);
// "2026-11-23 10:00:00 +0000 UTC" as Docker prints CreatedAt.
std::string created_at_text(int64_t unix_ns);

}  // namespace pier::app
