// The pause process's record, `<run>/pause.pid`: its pid and start time, so that a pid
// the kernel has since given to another process is never taken for it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::rootless {

struct PauseRecord {
  pid_t pid = 0;
  uint64_t start_time = 0;  // /proc/<pid>/stat field 22
};

std::string format_pause_record(const PauseRecord& record);
// nullopt for anything but `<pid> <start time>`.
std::optional<PauseRecord> parse_pause_record(std::string_view text);

Status write_pause_record(const std::string& path, const PauseRecord& record);

// The pause process `path` names, if it still runs: same pid and start time, owned by
// this process's real uid, and in another user namespace than this process. nullopt
// when there is none (no record, a stale one, or one naming someone else's process).
std::optional<PauseRecord> live_pause(const std::string& path);

}  // namespace pier::rootless
