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
std::string ports_text(const std::vector<state::PublishedPort>& ports);
// "2026-11-23 10:00:00 +0000 UTC" as Docker prints CreatedAt.
std::string created_at_text(int64_t unix_ns);

}  // namespace pier::app
