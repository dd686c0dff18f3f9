#include "builder/dockerfile/lines.h"

#include <cctype>

#include "builder/dockerfile/words.h"

namespace pier::builder::detail {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string location(const std::string& path, int line) { return path + ":" + std::to_string(line); }

}  // namespace

LineReader::LineReader(std::string_view text) : text_(text) {
  if (text_.substr(0, kBom.size()) == kBom) text_.remove_prefix(kBom.size());
}

std::optional<std::string_view> LineReader::next() {
  if (pos_ >= text_.size()) return std::nullopt;
  size_t end = text_.find('\n', pos_);
  if (end == std::string_view::npos) end = text_.size();
  std::string_view line = text_.substr(pos_, end - pos_);
  pos_ = end + 1;
  ++line_;
  return line;
}

std::string_view without_cr(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  return line;
}

bool is_comment_line(std::string_view line) {
  line = trim_left_space(line);
  return !line.empty() && line[0] == '#';
}

bool is_blank_line(std::string_view line) { return trim_left_space(line).empty(); }

bool strip_continuation(std::string_view& line, char escape) {
  size_t end = line.size();
  while (end > 0 && is_blank(line[end - 1])) --end;
  if (end == 0 || line[end - 1] != escape) return false;
  // "\\" at the end is an escaped escape character, not a continuation.
  if (end >= 2 && line[end - 2] == escape) return false;
  line = line.substr(0, end - 1);
  return true;
}

std::optional<LogicalLine> next_logical_line(LineReader& reader, char escape, const std::string& path,
                                             std::vector<std::string>& warnings) {
  while (auto raw = reader.next()) {
    std::string_view first = trim_left_space(without_cr(*raw));
    if (first.empty() || first[0] == '#') continue;
    LogicalLine out;
    out.line = out.end_line = reader.line();
    bool continues = strip_continuation(first, escape);
    out.text = first;
    while (continues) {
      auto next = reader.next();
      if (!next) {
        out.open_at_end = true;
        warnings.push_back(location(path, out.line) +
                           ": the instruction ends with a line continuation at the end of the file");
        break;
      }
      std::string_view piece = without_cr(*next);
      if (is_comment_line(piece)) continue;
      if (is_blank_line(piece)) {
        warnings.push_back(location(path, reader.line()) +
                           ": empty continuation line (Docker warns that these will become errors)");
        continue;
      }
      out.end_line = reader.line();
      continues = strip_continuation(piece, escape);
      out.text += piece;
    }
    return out;
  }
  return std::nullopt;
}

// `# key = value`: the key a letter then letters or digits, the value not empty. The
// first line that is anything else ends the directives.
std::vector<Directive> read_directives(std::string_view text) {
  std::vector<Directive> out;
  LineReader reader(text);
  while (auto raw = reader.next()) {
    std::string_view line = trim_left_space(without_cr(*raw));
    if (line.empty() || line[0] != '#') break;
    line = trim_left_space(line.substr(1));
    size_t k = 0;
    while (k < line.size() && std::isalnum(static_cast<unsigned char>(line[k]))) ++k;
    if (k == 0 || !std::isalpha(static_cast<unsigned char>(line[0]))) break;
    std::string_view rest = trim_left_space(line.substr(k));
    if (rest.empty() || rest[0] != '=') break;
    std::string_view value = trim_space(rest.substr(1));
    if (value.empty()) break;
    std::string key;
    for (char c : line.substr(0, k)) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key != "syntax" && key != "escape" && key != "check") break;
    out.push_back({std::move(key), std::string(value), reader.line()});
  }
  return out;
}

}  // namespace pier::builder::detail
