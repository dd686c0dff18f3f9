// The physical lines of a Dockerfile and how Docker joins them into logical ones:
// comments are whole lines starting with `#` (after leading whitespace), a line
// ending in the escape character continues on the next, and comment or blank lines
// inside a continuation are skipped (blank ones with a warning, as Docker prints).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pier::builder::detail {

class LineReader {
 public:
  explicit LineReader(std::string_view text);
  // The next physical line without its "\n" (a "\r" before it is kept: heredoc bodies
  // are copied as written); nullopt at the end.
  std::optional<std::string_view> next();
  int line() const { return line_; }  // 1-based number of the line `next` returned

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 0;
};

// The line without its trailing "\r" characters.
std::string_view without_cr(std::string_view line);
bool is_comment_line(std::string_view line);
bool is_blank_line(std::string_view line);

// If `line` ends with the escape character (and optional blanks), not itself escaped,
// removes both and returns true.
bool strip_continuation(std::string_view& line, char escape);

struct LogicalLine {
  std::string text;   // joined, without continuation characters
  int line = 0;       // where it starts
  int end_line = 0;   // where it ends
  bool open_at_end = false;  // the file ended inside a continuation
};

// Reads the next logical line from `reader`, skipping comments and blank lines.
// Warnings ("Dockerfile:7: ...") are appended to `warnings`.
std::optional<LogicalLine> next_logical_line(LineReader& reader, char escape, const std::string& path,
                                             std::vector<std::string>& warnings);

// The parser directives (`# syntax=...`, `# escape=...`, `# check=...`): comment
// lines of the form `# key=value` at the very top, before any other line.
struct Directive {
  std::string key;  // lower-cased
  std::string value;
  int line = 0;
};
std::vector<Directive> read_directives(std::string_view text);

}  // namespace pier::builder::detail
