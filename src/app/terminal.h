// How the CLI writes to the terminal: the global `--ansi`, `--progress`, `--parallel`
// and `--dry-run` flags and the COMPOSE_* variables behind them, read as Docker Compose
// reads them (docs/compat.md, "Global flags"). Set once by the CLI after parsing; read by
// everything in app/ that prints.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::app {

enum class Ansi { automatic, never, always };
enum class ProgressMode { automatic, tty, plain, json, quiet };

struct TerminalOptions {
  Ansi ansi = Ansi::automatic;
  ProgressMode progress = ProgressMode::automatic;
  bool dry_run = false;
  std::optional<int> parallel;  // none: each command's default; -1: no limit
  bool status_stdout = false;   // COMPOSE_STATUS_STDOUT: progress on stdout
};

Result<Ansi> parse_ansi(std::string_view text);
Result<ProgressMode> parse_progress(std::string_view text);

// The flags given (empty: not given) over the environment's COMPOSE_ANSI,
// COMPOSE_PROGRESS, COMPOSE_PARALLEL_LIMIT and COMPOSE_STATUS_STDOUT. An invalid value
// is an error naming the flag or the variable.
struct TerminalFlags {
  std::string ansi, progress;
  std::optional<int> parallel;
  bool no_ansi = false, dry_run = false;
};
Result<TerminalOptions> terminal_options(const TerminalFlags& flags);

void set_terminal(const TerminalOptions& options);
const TerminalOptions& terminal();

// Where progress lines go: stderr, or stdout with COMPOSE_STATUS_STDOUT.
FILE* status_stream();
// Colour on `out`: `--ansi always`, never with `--ansi never` or NO_COLOR, else only on
// a terminal. `no_color_flag` is a command's own --no-color.
bool color_wanted(FILE* out, bool no_color_flag = false);
// `auto` resolved: the TTY view on a terminal that may take escape codes, plain lines
// otherwise.
ProgressMode progress_mode();
// How many images to pull at once, given the command's own default (--parallel N, or
// -1 for no limit).
int parallel_limit(int default_limit);

// True when COMPOSE_<name> is set to a true value ("1", "true", case-insensitive), as
// Compose reads boolean variables.
bool env_flag(const char* name);

}  // namespace pier::app
