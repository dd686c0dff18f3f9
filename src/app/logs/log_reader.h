// Reading a container's json-file log back: the rotated files oldest first, then the
// current one, filtered by time and cut to the last N entries (`pier logs`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "supervisor/logs/log_entry.h"
#include "supervisor/logs/log_time.h"

namespace pier::app::logs {

// Entries as the supervisor's writer stores them (supervisor/logs/log_entry.h).
using supervisor::logs::LogEntry;
using supervisor::logs::Stream;
// --since/--until as the supervisor's log times (supervisor/logs/log_time.h).
using supervisor::logs::parse_log_time;

struct ReadOptions {
  std::optional<size_t> tail;       // the last N entries (after the time filters)
  std::optional<int64_t> since_ns;  // entries at or after this time
  std::optional<int64_t> until_ns;  // entries at or before this time
};

// The files of one log, oldest first: `<path>.N` ... `<path>.1`, `<path>`; only those
// that exist.
std::vector<std::string> log_files(const std::string& path);

// Every entry of one file, in file order. A missing file has none. A last line
// without its newline (a write in progress) is left out; lines that are not json-file
// entries are skipped with one warning per file.
Result<std::vector<LogEntry>> read_log_file(const std::string& file);

// The entries of a log and its rotated files, oldest first. A log that does not exist
// yet has no entries.
Result<std::vector<LogEntry>> read_logs(const std::string& path, const ReadOptions& options);

// Applies since/until, then tail, to entries in time order.
void filter_entries(std::vector<LogEntry>& entries, const ReadOptions& options);
bool in_time_window(const LogEntry& entry, const ReadOptions& options);

// Entries of several logs merged by time; equal times keep the order of `sources`
// and each source's own order.
struct SourcedEntry {
  size_t source;  // index into the vector given to merge_by_time
  LogEntry entry;
};
std::vector<SourcedEntry> merge_by_time(std::vector<std::vector<LogEntry>> sources);

}  // namespace pier::app::logs
