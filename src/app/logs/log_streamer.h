// Prints the logs of several containers as they are written: the foreground `pier up`
// and `pier logs -f`. One LogFollower per container, watched on the event loop.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/logs/log_follower.h"
#include "app/logs/log_printer.h"
#include "app/logs/log_reader.h"
#include "base/result.h"
#include "event/loop.h"

namespace pier::app::logs {

struct FollowTarget {
  std::string name;      // as printed in the prefix
  std::string log_path;  // ProjectPaths::log_file()
  // true: first print what the log (rotated files included) already holds, filtered
  // by `backlog`; false: only what is written from now on.
  bool from_start = true;
  ReadOptions backlog;   // its until_ns also applies to what comes later
};

class LogStreamer {
 public:
  // stderr entries go to `err`, or to `out` if it is null.
  LogStreamer(event::Loop& loop, PrinterOptions options, FILE* out, FILE* err = nullptr);
  ~LogStreamer();
  LogStreamer(const LogStreamer&) = delete;
  LogStreamer& operator=(const LogStreamer&) = delete;

  Status add(const std::string& name, const std::string& log_path, bool from_start,
             const ReadOptions& backlog = {});
  // Several at once: their backlogs are printed merged by time. Nothing is added (or
  // printed) if one of the logs cannot be opened or read.
  Status add(const std::vector<FollowTarget>& targets);
  // Prints what is left of the container's log, then stops following it.
  void remove(const std::string& name);
  bool contains(const std::string& name) const { return sources_.count(name) != 0; }
  // Reads every followed log once more and prints what came, merged by time (before
  // exiting, so no last line is missed).
  void poll_all();

  // Register every name up front to pad all prefixes alike from the first line.
  LogPrinter& printer() { return printer_; }
  // A log that can no longer be read is dropped after this is called. Default: a warning.
  void set_on_error(std::function<void(const std::string& name, const Error& error)> fn) {
    on_error_ = std::move(fn);
  }

 private:
  struct Source {
    std::unique_ptr<LogFollower> follower;
    std::unique_ptr<event::FdWatch> watch;
    std::optional<int64_t> until_ns;
  };
  Result<std::vector<LogEntry>> backlog(const FollowTarget& target, LogFollower& follower);
  std::optional<std::vector<LogEntry>> take_new(const std::string& name);
  void print_new(const std::string& name);
  void retire(const std::string& name);

  event::Loop& loop_;
  LogPrinter printer_;
  std::map<std::string, Source> sources_;
  std::function<void(const std::string&, const Error&)> on_error_;
};

}  // namespace pier::app::logs
