// The command line as Docker Compose (cobra/pflag) reads it, where CLI11 would read it
// otherwise. CLI11 then parses `args`.
//  - `-p=proj`, `logs -n=5`, `exec -e=K=V`: the `=` after a short option that takes a
//    value is dropped, the value kept.
//  - A command that stops at its first positional (CLI11's prefix_command: exec, run)
//    takes no option after SERVICE: every word after it is `command`, even one that looks
//    like an option (`exec web ls -la`), and an unknown option before SERVICE is an error
//    rather than a word of the command.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "base/result.h"

namespace pier::cli {

struct CommandLine {
  std::vector<std::string> args;     // what CLI11 parses, without the program name
  std::vector<std::string> command;  // the words after SERVICE of exec and run
};

Result<CommandLine> read_command_line(const CLI::App& app, int argc, const char* const* argv);

}  // namespace pier::cli
