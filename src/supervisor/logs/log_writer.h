// Persists one container's stdout and stderr in Docker's json-file format, one entry
// per line, with size-based rotation (<name>-json.log, .1, .2, ... oldest highest).
// The supervisor feeds it whatever each read(2) of the container's pipes returned.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"
#include "supervisor/logs/log_entry.h"

namespace pier::supervisor::logs {

struct Rotation {
  static constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();
  // pier's default is bounded so a noisy service cannot fill the disk (Docker's
  // json-file default is unbounded; docs/compat.md says so).
  uint64_t max_size = 10 * 1024 * 1024;
  int max_files = 3;  // the current file included: 3 keeps .1 and .2
};

// From Compose `logging.options`: `max-size` ("10k", "10m", "1g", "1.5m", "512",
// binary units as Docker; "-1" is unlimited) and `max-file` (a number >= 1). Other
// options are ignored here. Errors name the option and the value.
Result<Rotation> rotation_from_options(const std::map<std::string, std::string>& logging_options);

class LogWriter {
 public:
  // Longest text of one entry (newline excluded); longer lines are split into
  // several entries, the first ones without a newline, as Docker does.
  static constexpr size_t kMaxLine = 16 * 1024;

  // Creates the directory, appends to an existing file so a restarted container
  // keeps its history.
  static Result<std::unique_ptr<LogWriter>> open(std::string path, Rotation rotation);

  // `data` is any chunk of the stream: complete lines become entries stamped
  // `now_ns`; an unfinished line is held (per stream) until its newline comes or it
  // reaches kMaxLine. One write(2) per call.
  Status append(Stream stream, std::string_view data, int64_t now_ns);
  // Writes the held unfinished lines (stdout first) without a newline, as Docker does
  // when a container exits mid-line.
  Status flush(int64_t now_ns);

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }

 private:
  LogWriter(std::string path, Rotation rotation) : path_(std::move(path)), rotation_(rotation) {}
  Status open_current();
  void add_entry(Stream stream, std::string_view text, int64_t now_ns);
  Status write_batch();
  Status rotate();

  std::string path_;
  Rotation rotation_;
  UniqueFd fd_;
  uint64_t size_ = 0;
  std::string held_[2];  // unfinished line per stream (index: Stream)
  Status finish_batch();  // write_batch, reporting an error of an earlier part too
  std::optional<Error> pending_error_;
  std::string batch_;    // the entries of one append, reused between calls
  std::string time_json_;
  int64_t time_json_ns_ = -1;
};

}  // namespace pier::supervisor::logs
