#include "app/terminal.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace pier::app {
namespace {

TerminalOptions g_terminal;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

bool is_terminal(FILE* out) { return out && ::isatty(::fileno(out)) == 1; }

}  // namespace

Result<Ansi> parse_ansi(std::string_view text) {
  std::string v = lower(text);
  if (v == "auto") return Ansi::automatic;
  if (v == "never") return Ansi::never;
  if (v == "always") return Ansi::always;
  return Error("invalid --ansi value `" + std::string(text) + "`").hint("use never, always or auto");
}

Result<ProgressMode> parse_progress(std::string_view text) {
  std::string v = lower(text);
  if (v == "auto") return ProgressMode::automatic;
  if (v == "tty") return ProgressMode::tty;
  if (v == "plain") return ProgressMode::plain;
  if (v == "json") return ProgressMode::json;
  if (v == "quiet") return ProgressMode::quiet;
  return Error("invalid --progress value `" + std::string(text) + "`").hint("use auto, tty, plain, json or quiet");
}

bool env_flag(const char* name) {
  const char* value = env(name);
  if (!value) return false;
  std::string v = lower(value);
  return v == "1" || v == "true";
}

Result<TerminalOptions> terminal_options(const TerminalFlags& flags) {
  TerminalOptions o;
  if (!flags.ansi.empty()) {
    PIER_TRY(o.ansi, parse_ansi(flags.ansi));
  } else if (flags.no_ansi) {
    o.ansi = Ansi::never;
  } else if (const char* value = env("COMPOSE_ANSI")) {
    auto parsed = parse_ansi(value);
    if (!parsed) return Error("COMPOSE_ANSI=" + std::string(value) + ": not never, always or auto");
    o.ansi = *parsed;
  }
  if (!flags.progress.empty()) {
    PIER_TRY(o.progress, parse_progress(flags.progress));
  } else if (const char* value = env("COMPOSE_PROGRESS")) {
    auto parsed = parse_progress(value);
    if (!parsed) return Error("COMPOSE_PROGRESS=" + std::string(value) + ": not auto, tty, plain, json or quiet");
    o.progress = *parsed;
  }
  if (flags.parallel) {
    // Compose: -1 (the default) means no limit; 0 is refused.
    if (*flags.parallel == 0 || *flags.parallel < -1)
      return Error("--parallel " + std::to_string(*flags.parallel) + ": use a positive number, or -1 for no limit");
    o.parallel = *flags.parallel;
  } else if (const char* value = env("COMPOSE_PARALLEL_LIMIT")) {
    int n = 0;
    std::string_view v(value);
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n == 0 || n < -1)
      return Error("COMPOSE_PARALLEL_LIMIT=" + std::string(value) + ": not a positive number (or -1 for no limit)");
    o.parallel = n;
  }
  o.dry_run = flags.dry_run;
  o.status_stdout = env_flag("COMPOSE_STATUS_STDOUT");
  return o;
}

void set_terminal(const TerminalOptions& options) { g_terminal = options; }
const TerminalOptions& terminal() { return g_terminal; }

FILE* status_stream() { return g_terminal.status_stdout ? stdout : stderr; }

bool color_wanted(FILE* out, bool no_color_flag) {
  if (no_color_flag || g_terminal.ansi == Ansi::never) return false;
  if (g_terminal.ansi == Ansi::always) return true;
  if (env("NO_COLOR")) return false;
  return is_terminal(out);
}

ProgressMode progress_mode() {
  if (g_terminal.progress != ProgressMode::automatic) return g_terminal.progress;
  if (g_terminal.ansi == Ansi::never) return ProgressMode::plain;
  if (g_terminal.ansi == Ansi::always) return ProgressMode::tty;
  return is_terminal(status_stream()) ? ProgressMode::tty : ProgressMode::plain;
}

int parallel_limit(int default_limit) {
  if (!g_terminal.parallel) return default_limit;
  return *g_terminal.parallel == -1 ? std::numeric_limits<int>::max() : *g_terminal.parallel;
}

}  // namespace pier::app
