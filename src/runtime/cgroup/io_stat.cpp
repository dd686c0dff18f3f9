// The block I/O counters `stats` shows, parsed from the two cgroup versions' files.
#include <charconv>

#include "base/strings.h"
#include "runtime/cgroup/manager.h"

namespace pier::runtime {
namespace {

uint64_t number(std::string_view text) {
  uint64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

}  // namespace

IoBytes parse_io_stat(std::string_view text) {
  IoBytes out;
  for (const auto& line : split(text, '\n'))
    for (const auto& field : split(line, ' ')) {
      if (field.starts_with("rbytes=")) out.read += number(std::string_view(field).substr(7));
      if (field.starts_with("wbytes=")) out.write += number(std::string_view(field).substr(7));
    }
  return out;
}

IoBytes parse_blkio_service_bytes(std::string_view text) {
  IoBytes out;
  for (const auto& line : split(text, '\n')) {
    auto fields = split(line, ' ');
    if (fields.size() != 3) continue;  // "Total N" sums what the device lines give
    if (fields[1] == "Read") out.read += number(fields[2]);
    if (fields[1] == "Write") out.write += number(fields[2]);
  }
  return out;
}

}  // namespace pier::runtime
