// One line of a container's output as the json-file log stores it. Shared by the
// writer (supervisor side) and by app/logs/: the reader and follower (`pier logs`) and
// the printer.
#pragma once

#include <cstdint>
#include <string>

namespace pier::supervisor::logs {

enum class Stream { out, err };

// "stdout" / "stderr", the json-file `stream` values.
const char* stream_name(Stream stream);

struct LogEntry {
  Stream stream = Stream::out;
  std::string text;     // keeps its trailing newline if it had one (a split line has none)
  int64_t time_ns = 0;  // unix nanoseconds, UTC
};

}  // namespace pier::supervisor::logs
