// Stage 2 of loading a project: the merged document tree -> typed, normalised
// compose::Project. Short syntaxes are expanded, defaults Docker Compose prints are
// filled in, every key is checked (unknown keys, wrong types, bad values) and
// cross-references (networks, volumes, secrets, configs, services) are validated.
#pragma once

#include "base/result.h"
#include "compose/diagnostics.h"
#include "compose/loader.h"
#include "compose/model.h"

namespace pier::compose {

// Errors carry file:line:col of the offending key or value. Non-fatal findings
// (the obsolete `version`) are appended to `warnings`.
Result<Project> normalize_project(const ProjectTree& tree, Warnings& warnings);

}  // namespace pier::compose
