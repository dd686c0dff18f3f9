// Small helpers to read and write cgroupfs control files with errors naming the file.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"

namespace pier::runtime::cgfs {

Status write(const std::string& path, const std::string& value);
Result<std::string> read(const std::string& path);
Result<uint64_t> read_u64(const std::string& path);  // "max" reads as 0
// "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control).
uint64_t read_key(const std::string& path, const std::string& key);
Status mkdir_p(const std::string& root, const std::string& rel, std::vector<std::string>* created);
Result<std::vector<pid_t>> read_pids(const std::string& procs_file);
// rmdir with a few retries (EBUSY while the kernel finishes tearing tasks down).
Status remove_dir(const std::string& path);
bool is_dir(const std::string& path);
bool is_file(const std::string& path);

}  // namespace pier::runtime::cgfs
