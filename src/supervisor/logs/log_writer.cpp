#include "supervisor/logs/log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "supervisor/logs/json_line.h"
#include "supervisor/logs/log_time.h"

namespace pier::supervisor::logs {
namespace {

// Docker's units.RAMInBytes: a number (fraction allowed), an optional space, then
// an optional k/m/g/t/p (binary multiples), an optional "i" and an optional "b".
std::optional<uint64_t> parse_size(std::string_view text) {
  size_t i = 0;
  long double value = 0;
  size_t digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    value = value * 10 + (text[i++] - '0');
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    ++i;
    long double scale = 0.1L;
    size_t frac = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value += (text[i++] - '0') * scale;
      scale /= 10;
      ++frac;
    }
    if (frac == 0) return std::nullopt;
  }
  if (i < text.size() && text[i] == ' ') ++i;
  long double unit = 1;
  if (i < text.size()) {
    switch (text[i] | 0x20) {
      case 'k': unit = 1024.0L; break;
      case 'm': unit = 1024.0L * 1024; break;
      case 'g': unit = 1024.0L * 1024 * 1024; break;
      case 't': unit = 1024.0L * 1024 * 1024 * 1024; break;
      case 'p': unit = 1024.0L * 1024 * 1024 * 1024 * 1024; break;
      default: unit = 0;
    }
    if (unit != 0) {
      ++i;
      if (i < text.size() && (text[i] | 0x20) == 'i') ++i;
    } else {
      unit = 1;
    }
  }
  if (i < text.size() && (text[i] | 0x20) == 'b') ++i;
  if (i != text.size()) return std::nullopt;
  long double bytes = value * unit;
  if (bytes >= 18446744073709551615.0L) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

// Where to cut a line longer than kMaxLine: at kMaxLine, moved back to the start of
// a UTF-8 sequence so no character is split in two invalid halves (Docker cuts at
// the byte; each half then reads as U+FFFD).
size_t split_point(std::string_view text) {
  size_t cut = LogWriter::kMaxLine;
  auto continuation = [&](size_t at) { return (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80; };
  for (int k = 0; k < 3 && cut > 1 && continuation(cut); ++k) --cut;
  return continuation(cut) ? LogWriter::kMaxLine : cut;
}

Status write_all(int fd, std::string_view data, const std::string& path, uint64_t& written) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::system("write container log", path, errno);
    }
    written += static_cast<uint64_t>(n);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

Result<Rotation> rotation_from_options(const std::map<std::string, std::string>& options) {
  Rotation r;
  if (auto it = options.find("max-size"); it != options.end()) {
    if (it->second == "-1") {
      r.max_size = Rotation::kUnlimited;
    } else {
      auto size = parse_size(it->second);
      if (!size)
        return Error(fmt::format("logging option max-size: invalid size `{}`", it->second))
            .hint("use bytes with an optional unit (10k, 10m, 1g), or -1 for no limit");
      if (*size == 0)
        return Error(fmt::format("logging option max-size: `{}` must be more than zero", it->second))
            .hint("use -1 for no limit");
      r.max_size = *size;
    }
  }
  if (auto it = options.find("max-file"); it != options.end()) {
    const std::string& v = it->second;
    int n = 0;
    bool ok = !v.empty() && v.size() <= 6;
    for (char c : v) {
      if (c < '0' || c > '9') ok = false;
      else n = n * 10 + (c - '0');
    }
    if (!ok || n < 1)
      return Error(fmt::format("logging option max-file: invalid number of files `{}`", v))
          .hint("use a whole number of at least 1 (the current file included)");
    r.max_files = n;
  }
  return r;
}

Result<std::unique_ptr<LogWriter>> LogWriter::open(std::string path, Rotation rotation) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error::system("create log directory", dir.string(), ec.value());
  }
  std::unique_ptr<LogWriter> writer(new LogWriter(std::move(path), rotation));
  PIER_CHECK(writer->open_current());
  return writer;
}

Status LogWriter::open_current() {
  UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd) return Error::system("open container log", path_, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::system("stat container log", path_, errno);
  fd_ = std::move(fd);
  size_ = static_cast<uint64_t>(st.st_size);
  return {};
}

void LogWriter::add_entry(Stream stream, std::string_view text, int64_t now_ns) {
  if (now_ns != time_json_ns_) {
    time_json_ = format_time_json(now_ns);
    time_json_ns_ = now_ns;
  }
  // A chunk read at once can hold more than a whole file's worth: write what the
  // current file can take first, so rotation happens between entries, not after them.
  size_t before = batch_.size();
  append_json_line(batch_, stream, text, time_json_);
  if (rotation_.max_size != Rotation::kUnlimited && before > 0 && size_ + batch_.size() > rotation_.max_size) {
    std::string entry = batch_.substr(before);
    batch_.resize(before);
    if (auto st = write_batch(); !st) pending_error_ = std::move(st).error();
    batch_ = std::move(entry);
  }
}

Status LogWriter::append(Stream stream, std::string_view data, int64_t now_ns) {
  batch_.clear();
  std::string& held = held_[static_cast<int>(stream)];
  // A complete line (newline included), split into kMaxLine pieces if it is longer.
  auto add_line = [&](std::string_view line) {
    while (line.size() - 1 > kMaxLine) {
      size_t cut = split_point(line);
      add_entry(stream, line.substr(0, cut), now_ns);
      line.remove_prefix(cut);
    }
    add_entry(stream, line, now_ns);
  };
  while (!data.empty()) {
    size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      held.append(data);
      break;
    }
    std::string_view line = data.substr(0, nl + 1);
    data.remove_prefix(nl + 1);
    if (held.empty()) {
      add_line(line);
    } else {
      held.append(line);
      add_line(held);
      held.clear();
    }
  }
  // An unfinished line that outgrew kMaxLine is written in pieces now; the rest waits.
  size_t done = 0;
  while (held.size() - done > kMaxLine) {
    size_t cut = split_point(std::string_view(held).substr(done));
    add_entry(stream, std::string_view(held).substr(done, cut), now_ns);
    done += cut;
  }
  held.erase(0, done);
  return finish_batch();
}

Status LogWriter::flush(int64_t now_ns) {
  batch_.clear();
  for (Stream stream : {Stream::out, Stream::err}) {
    std::string& held = held_[static_cast<int>(stream)];
    std::string_view rest = held;
    while (rest.size() > kMaxLine) {
      size_t cut = split_point(rest);
      add_entry(stream, rest.substr(0, cut), now_ns);
      rest.remove_prefix(cut);
    }
    if (!rest.empty()) add_entry(stream, rest, now_ns);
    held.clear();
  }
  return finish_batch();
}

Status LogWriter::finish_batch() {
  Status st = write_batch();
  if (pending_error_) {
    Error e = std::move(*pending_error_);
    pending_error_.reset();
    return e;
  }
  return st;
}

Status LogWriter::write_batch() {
  if (batch_.empty()) return {};
  // Rotate before a batch that would push the file past max_size, so each file stays
  // within it unless one batch alone is larger.
  Status rotated;
  if (rotation_.max_size != Rotation::kUnlimited && size_ > 0 &&
      size_ + batch_.size() > rotation_.max_size)
    rotated = rotate();
  // A failed rotation does not lose the batch: it goes to the current file.
  PIER_CHECK(write_all(fd_.get(), batch_, path_, size_));
  if (!rotated) return std::move(rotated).error().context("rotating container log");
  return {};
}

Status LogWriter::rotate() {
  if (rotation_.max_files <= 1) {
    // Nothing is kept: unlink rather than truncate, so a follower still holding the
    // old file reads it to its end before moving to the new one.
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
      return Error::system("remove container log", path_, errno);
  } else {
    for (int i = rotation_.max_files - 1; i >= 2; --i) {
      std::string from = fmt::format("{}.{}", path_, i - 1), to = fmt::format("{}.{}", path_, i);
      if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT)
        return Error::system("rename container log", from, errno);
    }
    std::string first = path_ + ".1";
    if (::rename(path_.c_str(), first.c_str()) != 0)
      return Error::system("rename container log", path_, errno);
  }
  return open_current();
}

}  // namespace pier::supervisor::logs
