#include "rootless/pause_record.h"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

#include "base/atomic_file.h"
#include "state/container_record.h"

namespace pier::rootless {

std::string format_pause_record(const PauseRecord& record) {
  return std::to_string(record.pid) + " " + std::to_string(record.start_time) + "\n";
}

std::optional<PauseRecord> parse_pause_record(std::string_view text) {
  PauseRecord r;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  auto [after_pid, ec1] = std::from_chars(p, end, r.pid);
  if (ec1 != std::errc() || after_pid == end || *after_pid != ' ' || r.pid <= 0) return std::nullopt;
  auto [after_time, ec2] = std::from_chars(after_pid + 1, end, r.start_time);
  if (ec2 != std::errc() || r.start_time == 0) return std::nullopt;
  if (after_time != end && !(after_time + 1 == end && *after_time == '\n')) return std::nullopt;
  return r;
}

Status write_pause_record(const std::string& path, const PauseRecord& record) {
  return write_file_atomic(path, format_pause_record(record), 0600, Durability::crash_safe);
}

std::optional<PauseRecord> live_pause(const std::string& path) {
  auto text = read_file(path, 64, 0);
  if (!text) return std::nullopt;
  auto record = parse_pause_record(*text);
  if (!record || !state::process_matches(record->pid, record->start_time)) return std::nullopt;
  std::string proc = "/proc/" + std::to_string(record->pid);
  struct stat owner {}, theirs {}, ours {};
  if (::stat(proc.c_str(), &owner) != 0 || owner.st_uid != ::getuid()) return std::nullopt;
  // The pause process holds a user namespace of its own; a process in ours is not it.
  if (::stat((proc + "/ns/user").c_str(), &theirs) != 0 || ::stat("/proc/self/ns/user", &ours) != 0) return std::nullopt;
  if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) return std::nullopt;
  return record;
}

}  // namespace pier::rootless
