// Loading the project a command works on: stage 1 (files, .env, interpolation,
// merge), stage 2 (typed model), profiles, and the dependency check. Warnings
// are printed to stderr as they are found; they never fail the command.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "cli/global_options.h"
#include "compose/loader.h"
#include "compose/model.h"
#include "compose/normalize.h"

namespace pier::cli {

struct LoadedProject {
  compose::ProjectTree tree;
  compose::Project project;
};

// `targeted` are the services named on the command line: they are enabled even
// when their profile is not active (15-profiles.md).
// `options` relax what `config --no-consistency`/`--no-path-resolution` ask; without
// the consistency checks the dependency graph is not checked either.
Result<LoadedProject> load_project(const GlobalOptions& globals,
                                   const std::vector<std::string>& targeted,
                                   const compose::NormalizeOptions& options = {});

// Stage 1 alone, for `config --no-interpolate` / `--no-normalize`.
Result<compose::ProjectTree> load_project_tree(const GlobalOptions& globals, bool interpolate);

void print_warnings(const compose::Warnings& warnings);
// Prints `error: <message>` to stderr; returns the exit code to use.
int report(const Error& error);

}  // namespace pier::cli
