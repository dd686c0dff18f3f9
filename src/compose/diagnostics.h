// Warnings found while loading a project. They never fail the load; the CLI prints
// them to stderr ("compose.yaml:1:1: the attribute `version` is obsolete ...").
#pragma once

#include <string>
#include <vector>

namespace pier::compose {

struct Warning {
  std::string location;  // "file:line:col" or ""
  std::string message;
};

using Warnings = std::vector<Warning>;

}  // namespace pier::compose
