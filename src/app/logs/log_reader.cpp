#include "app/logs/log_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <queue>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/log.h"
#include "supervisor/logs/json_line.h"

namespace pier::app::logs {
namespace {

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The file's content, or nullopt if it does not exist (rotated away meanwhile).
Result<std::optional<std::string>> read_if_exists(const std::string& file) {
  auto content = read_file(file);
  if (!content) {
    if (content.error().errnum() == ENOENT) return std::optional<std::string>();
    return std::move(content).error().context("reading container log");
  }
  return std::optional<std::string>(std::move(*content));
}

// The content up to and including its last newline: a trailing unfinished line is
// a write in progress, not an entry yet.
std::string_view complete_lines(std::string_view content) {
  size_t last = content.rfind('\n');
  return last == std::string_view::npos ? std::string_view() : content.substr(0, last + 1);
}

void warn_skipped(size_t skipped, const std::string& file) {
  if (skipped > 0)
    log::warn("skipped {} line{} of `{}` that are not json-file log entries", skipped,
              skipped == 1 ? "" : "s", file);
}

}  // namespace

std::vector<std::string> log_files(const std::string& path) {
  std::vector<std::string> rotated;
  for (int i = 1;; ++i) {
    std::string file = fmt::format("{}.{}", path, i);
    if (!path_exists(file)) break;
    rotated.push_back(std::move(file));
  }
  std::reverse(rotated.begin(), rotated.end());
  if (path_exists(path)) rotated.push_back(path);
  return rotated;
}

Result<std::vector<LogEntry>> read_log_file(const std::string& file) {
  std::vector<LogEntry> out;
  PIER_TRY(auto content, read_if_exists(file));
  if (!content) return out;
  std::string_view rest = complete_lines(*content);
  size_t skipped = 0;
  LogEntry entry;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    if (parse_json_line(rest.substr(0, nl), entry))
      out.push_back(std::move(entry));
    else
      ++skipped;
    rest.remove_prefix(nl + 1);
  }
  warn_skipped(skipped, file);
  return out;
}

bool in_time_window(const LogEntry& entry, const ReadOptions& options) {
  if (options.since_ns && entry.time_ns < *options.since_ns) return false;
  if (options.until_ns && entry.time_ns > *options.until_ns) return false;
  return true;
}

void filter_entries(std::vector<LogEntry>& entries, const ReadOptions& options) {
  if (options.since_ns || options.until_ns)
    std::erase_if(entries, [&](const LogEntry& e) { return !in_time_window(e, options); });
  if (options.tail && entries.size() > *options.tail)
    entries.erase(entries.begin(), entries.end() - static_cast<ptrdiff_t>(*options.tail));
}

Result<std::vector<LogEntry>> read_logs(const std::string& path, const ReadOptions& options) {
  std::vector<std::string> files = log_files(path);
  std::vector<LogEntry> out;
  if (!options.tail) {
    for (const auto& file : files) {
      PIER_TRY(auto entries, read_log_file(file));
      for (auto& e : entries)
        if (in_time_window(e, options)) out.push_back(std::move(e));
    }
    return out;
  }
  // --tail: newest file first, lines from the end, until enough entries are found;
  // older files are not even opened.
  size_t want = *options.tail;
  for (auto file = files.rbegin(); file != files.rend() && out.size() < want; ++file) {
    PIER_TRY(auto content, read_if_exists(*file));
    if (!content) continue;
    std::string_view lines = complete_lines(*content);
    size_t skipped = 0;
    LogEntry entry;
    size_t end = lines.size();  // one past the newline of the line to parse
    while (end > 0 && out.size() < want) {
      size_t prev = end >= 2 ? lines.rfind('\n', end - 2) : std::string_view::npos;
      size_t start = prev == std::string_view::npos ? 0 : prev + 1;
      if (!parse_json_line(lines.substr(start, end - 1 - start), entry))
        ++skipped;
      else if (in_time_window(entry, options))
        out.push_back(std::move(entry));
      end = start;
    }
    warn_skipped(skipped, *file);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<SourcedEntry> merge_by_time(std::vector<std::vector<LogEntry>> sources) {
  // A k-way merge keeps each source's own order even where its clock went backwards.
  struct Head {
    int64_t time;
    size_t source;
    size_t index;
  };
  auto later = [](const Head& a, const Head& b) {
    return a.time != b.time ? a.time > b.time : a.source > b.source;
  };
  std::priority_queue<Head, std::vector<Head>, decltype(later)> heads(later);
  size_t total = 0;
  for (size_t s = 0; s < sources.size(); ++s) {
    total += sources[s].size();
    if (!sources[s].empty()) heads.push({sources[s][0].time_ns, s, 0});
  }
  std::vector<SourcedEntry> out;
  out.reserve(total);
  while (!heads.empty()) {
    Head h = heads.top();
    heads.pop();
    out.push_back({h.source, std::move(sources[h.source][h.index])});
    if (h.index + 1 < sources[h.source].size())
      heads.push({sources[h.source][h.index + 1].time_ns, h.source, h.index + 1});
  }
  return out;
}

}  // namespace pier::app::logs
