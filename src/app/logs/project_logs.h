// `pier logs`: a project's container logs from files alone (container records and
// json-file logs), so it works with or without a supervisor running.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "app/logs/log_printer.h"
#include "app/logs/log_reader.h"
#include "base/result.h"
#include "state/container_record.h"

namespace pier::app::logs {

struct ProjectLogsOptions {
  std::string root;                   // --root
  std::string project;                // the project's name
  std::vector<std::string> services;  // only their containers (empty: every service)
  int index = 0;                      // --index: only this replica (0: all)
  ReadOptions read;                   // --tail (per container), --since, --until
  bool follow = false;                // -f
  PrinterOptions printer;
};

// Compose's name for a container in prefixes: "web-1" for "<project>-web-1", a custom
// container_name whole.
std::string log_display_name(const state::ContainerRecord& record, const std::string& project);

// The containers whose logs are shown, in record order (service, then number). One-off
// containers (`pier run`) are left out, as Compose does. `--index` naming a replica
// that the service's containers do not include is an error.
Result<std::vector<state::ContainerRecord>> select_log_containers(
    const std::vector<state::ContainerRecord>& records, const ProjectLogsOptions& options);

// Prints the selected containers' logs merged by time. With `follow`, goes on printing
// what they write and picks up containers that appear, until SIGINT or SIGTERM (exit
// code 130, as Docker Compose) or until the records directory is removed by `down`
// (0). A project with no containers prints nothing. Returns the exit code.
Result<int> print_project_logs(const ProjectLogsOptions& options, FILE* out, FILE* err);

}  // namespace pier::app::logs
