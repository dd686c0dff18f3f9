// Follows one container's json-file log as it grows (`pier logs -f`, foreground `up`):
// across rotation (the file renamed to .1 and a new one created), truncation, and the
// file or its directories not existing yet. Readiness comes from an inotify fd the
// caller watches on its loop; read_new() then returns what was added.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "supervisor/logs/log_entry.h"

namespace pier::app::logs {

// Entries as the supervisor's writer stores them (supervisor/logs/log_entry.h).
using supervisor::logs::LogEntry;
using supervisor::logs::Stream;

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

class LogFollower {
 public:
  // `from_start`: the first read_new() returns what the current file already holds;
  // otherwise only what is written after open. Does not fail if the file or its
  // directory is missing: they are waited for.
  static Result<std::unique_ptr<LogFollower>> open(std::string path, bool from_start);

  // Readable when something may have changed (non-blocking, close-on-exec).
  int fd() const { return inotify_.get(); }

  // Drains fd() and returns the complete entries added since the last call, in file
  // order. An unfinished last line is held until its newline is written. Safe to call
  // without an event (it then just checks the file).
  Result<std::vector<LogEntry>> read_new();

  const std::string& path() const { return path_; }
  // The file being read, if one is open (to skip it when reading rotated files).
  std::optional<FileId> file_id() const;

 private:
  explicit LogFollower(std::string path);
  Status watch_nearest();
  Status drain_events();
  Status open_file(bool at_end);
  Status read_to_end(std::vector<LogEntry>& out);
  Status read_rotated_after(std::vector<LogEntry>& out);
  void take_lines(std::vector<LogEntry>& out);

  std::string path_;
  std::string dir_;        // the log's directory, the watch we want
  UniqueFd inotify_;
  int wd_ = -1;            // the one watch: dir_, or its nearest existing ancestor
  std::string watched_;    // what wd_ watches
  bool rewatch_ = false;   // the watched directory went away
  UniqueFd file_;
  FileId id_;
  uint64_t offset_ = 0;    // bytes of file_ consumed into buffer_
  std::string buffer_;     // read but not yet a complete line
  bool skip_partial_ = false;  // started mid-line: drop up to the next newline
  size_t skipped_ = 0;     // lines that were not entries (warned once)
};

}  // namespace pier::app::logs
