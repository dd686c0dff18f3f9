// The global --ansi/--progress/--parallel flags and their COMPOSE_* variables, and the
// progress views they select (plain, json, quiet), as Docker Compose prints them.
#include <catch2/catch.hpp>

#include <pty.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>

#include "app/progress_view.h"
#include "app/terminal.h"
#include "unit/app/mem_file.h"

using namespace pier::app;

using pier::test::MemFile;

namespace {

// Sets (or unsets) an environment variable for the scope, then restores it.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~EnvVar() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A pseudo-terminal's controlled end as a FILE*: "a terminal" to isatty().
class Pty {
 public:
  Pty() {
    int master = -1, slave = -1;
    REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
    master_ = master;
    file_ = ::fdopen(slave, "w");
  }
  ~Pty() {
    std::fclose(file_);
    ::close(master_);
  }
  FILE* get() { return file_; }

 private:
  int master_;
  FILE* file_;
};

TerminalOptions options_from(const TerminalFlags& flags) {
  auto o = terminal_options(flags);
  REQUIRE(o.ok());
  return *o;
}

std::string error_of(const TerminalFlags& flags) {
  auto o = terminal_options(flags);
  REQUIRE_FALSE(o.ok());
  return o.error().to_string();
}

// Restores the process-wide settings after a test changes them.
struct TerminalScope {
  ~TerminalScope() { set_terminal({}); }
};

}  // namespace

TEST_CASE("terminal: --ansi and --progress take Compose's values, in any case", "[terminal]") {
  CHECK(*parse_ansi("never") == Ansi::never);
  CHECK(*parse_ansi("ALWAYS") == Ansi::always);
  CHECK(*parse_ansi("auto") == Ansi::automatic);
  CHECK_FALSE(parse_ansi("sometimes").ok());
  CHECK(*parse_progress("plain") == ProgressMode::plain);
  CHECK(*parse_progress("json") == ProgressMode::json);
  CHECK(*parse_progress("quiet") == ProgressMode::quiet);
  CHECK(*parse_progress("tty") == ProgressMode::tty);
  CHECK(*parse_progress("auto") == ProgressMode::automatic);
  CHECK(parse_progress("fancy").error().to_string().find("auto, tty, plain, json or quiet") != std::string::npos);
}

TEST_CASE("terminal: a flag beats its COMPOSE_ variable, which beats the default", "[terminal]") {
  EnvVar ansi("COMPOSE_ANSI", "never"), progress("COMPOSE_PROGRESS", "json"), limit("COMPOSE_PARALLEL_LIMIT", "2");
  EnvVar status("COMPOSE_STATUS_STDOUT", "true");
  auto from_env = options_from({});
  CHECK(from_env.ansi == Ansi::never);
  CHECK(from_env.progress == ProgressMode::json);
  CHECK(from_env.parallel == 2);
  CHECK(from_env.status_stdout);
  auto from_flags = options_from({.ansi = "always", .progress = "plain", .parallel = 5});
  CHECK(from_flags.ansi == Ansi::always);
  CHECK(from_flags.progress == ProgressMode::plain);
  CHECK(from_flags.parallel == 5);
}

TEST_CASE("terminal: a wrong value names the flag or the variable", "[terminal]") {
  {
    EnvVar ansi("COMPOSE_ANSI", "rainbow");
    CHECK(error_of({}).find("COMPOSE_ANSI=rainbow") == 0);
  }
  {
    EnvVar limit("COMPOSE_PARALLEL_LIMIT", "lots");
    CHECK(error_of({}).find("COMPOSE_PARALLEL_LIMIT=lots") == 0);
  }
  CHECK(error_of({.parallel = 0}).find("--parallel 0") == 0);
  CHECK(error_of({.ansi = "x"}).find("--ansi") != std::string::npos);
  CHECK(error_of({.progress = "x"}).find("--progress") != std::string::npos);
}

TEST_CASE("terminal: --no-ansi is --ansi never; --parallel -1 is no limit", "[terminal]") {
  EnvVar ansi("COMPOSE_ANSI", nullptr), limit("COMPOSE_PARALLEL_LIMIT", nullptr);
  CHECK(options_from({.no_ansi = true}).ansi == Ansi::never);
  TerminalScope restore;
  set_terminal(options_from({.parallel = -1}));
  CHECK(parallel_limit(4) == std::numeric_limits<int>::max());
  set_terminal(options_from({.parallel = 2}));
  CHECK(parallel_limit(4) == 2);
  set_terminal(options_from({}));
  CHECK(parallel_limit(4) == 4);
}

TEST_CASE("terminal: colour and the TTY view follow --ansi, NO_COLOR and the terminal", "[terminal]") {
  TerminalScope restore;
  EnvVar no_color("NO_COLOR", nullptr), ansi("COMPOSE_ANSI", nullptr), progress("COMPOSE_PROGRESS", nullptr);
  EnvVar status("COMPOSE_STATUS_STDOUT", nullptr);
  Pty tty;
  MemFile file;
  set_terminal(options_from({}));
  CHECK(color_wanted(tty.get()));
  CHECK_FALSE(color_wanted(tty.get(), /*no_color_flag=*/true));
  CHECK_FALSE(color_wanted(file.get()));
  {
    EnvVar set("NO_COLOR", "1");
    CHECK_FALSE(color_wanted(tty.get()));
  }
  set_terminal(options_from({.ansi = "never"}));
  CHECK_FALSE(color_wanted(tty.get()));
  CHECK(progress_mode() == ProgressMode::plain);
  set_terminal(options_from({.ansi = "always"}));
  CHECK(color_wanted(file.get()));
  CHECK(progress_mode() == ProgressMode::tty);
  set_terminal(options_from({.ansi = "always", .progress = "json"}));
  CHECK(progress_mode() == ProgressMode::json);
}

TEST_CASE("progress: plain lines are Go's Println of id, text and an empty status", "[terminal]") {
  MemFile out;
  auto view = ProgressView::make(ProgressMode::plain, out.get(), false);
  view->event("Container p-web-1", "Started");
  view->event("Network p_default", "Created");
  view->finish();
  CHECK(out.text() == " Container p-web-1 Started \n Network p_default Created \n");
  MemFile dry;
  ProgressView::make(ProgressMode::plain, dry.get(), true)->event("Container p-web-1", "Stopped");
  CHECK(dry.text() == "DRY-RUN MODE -  Container p-web-1 Stopped \n");
}

TEST_CASE("progress: json is one object per event in Compose's field order", "[terminal]") {
  MemFile out;
  auto view = ProgressView::make(ProgressMode::json, out.get(), false);
  view->event("Container p-web-1", "Started");
  view->warning("Found orphan container");
  CHECK(out.text() ==
        "{\"id\":\"Container p-web-1\",\"text\":\"Started\"}\n{\"tail\":true,\"text\":\"warning: Found orphan container\"}\n");
  MemFile dry;
  ProgressView::make(ProgressMode::json, dry.get(), true)->event("Volume v", "Removed");
  CHECK(dry.text() == "{\"dry-run\":true,\"id\":\"Volume v\",\"text\":\"Removed\"}\n");
}

TEST_CASE("progress: quiet prints no event; the TTY view draws a block redrawn in place", "[terminal]") {
  MemFile quiet;
  ProgressView::make(ProgressMode::quiet, quiet.get(), false)->event("Container p-web-1", "Started");
  CHECK(quiet.text().empty());
  MemFile tty;
  {
    auto view = ProgressView::make(ProgressMode::tty, tty.get(), false);
    view->event("Container p-web-1", "Starting");
    view->event("Container p-web-1", "Started");
    view->finish();
  }
  std::string text = tty.text();
  CHECK(text.find("[+] Running 0/1") != std::string::npos);
  CHECK(text.find("[+] Running 1/1") != std::string::npos);
  CHECK(text.find("✔ Container p-web-1 Started") != std::string::npos);
  CHECK(text.find("\x1b[2A") != std::string::npos);  // back over the header and the row
}

TEST_CASE("progress: an event's text tells working, done and failed apart", "[terminal]") {
  CHECK(status_of("Starting") == EventStatus::working);
  CHECK(status_of("Waiting for down") == EventStatus::working);
  CHECK(status_of("Started") == EventStatus::done);
  CHECK(status_of("Recreate") == EventStatus::working);
  CHECK(status_of("Recreated") == EventStatus::done);
  CHECK(status_of("Healthy") == EventStatus::done);
  CHECK(status_of("Error") == EventStatus::error);
}
