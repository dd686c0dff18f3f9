#include "compose/yaml_errors.h"

#include <fmt/format.h>

#include <vector>

namespace pier::compose {
namespace {

struct Line {
  std::string_view text;
  int number = 0;  // 1-based, within the document
};

std::vector<Line> lines_of(std::string_view text) {
  std::vector<Line> out;
  int number = 1;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back({text.substr(start, end - start), number++});
    if (end == text.size()) break;
    start = end + 1;
  }
  return out;
}

// Lines that carry structure: not blank, not only a comment.
bool is_content(std::string_view line) {
  size_t first = line.find_first_not_of(" \t\r");
  return first != std::string_view::npos && line[first] != '#';
}

size_t indent_of(std::string_view line) {
  size_t n = line.find_first_not_of(' ');
  return n == std::string_view::npos ? line.size() : n;
}

// A line that opens a block below it: `key:` or `- key:` with nothing after the colon.
bool opens_block(std::string_view line) {
  size_t end = line.find_last_not_of(" \t\r");
  return end != std::string_view::npos && (line[end] == ':' || line[end] == '-');
}

// `key: |`, `key: >-`...: the deeper lines that follow are text, not structure.
bool starts_block_scalar(std::string_view line) {
  size_t end = line.find_last_not_of(" \t\r");
  if (end == std::string_view::npos) return false;
  if ((line[end] == '-' || line[end] == '+') && end > 0) --end;
  return line[end] == '|' || line[end] == '>';
}

// "  - key: v": a list item whose content sits 2 further in (where its next keys go).
size_t item_content_indent(std::string_view line, size_t indent) {
  if (line.substr(indent, 2) != "- ") return 0;
  size_t content = line.find_first_not_of(' ', indent + 1);
  return content == std::string_view::npos ? 0 : content;
}

std::string spaces(size_t n) { return n == 1 ? "1 space" : fmt::format("{} spaces", n); }

std::string list_of(const std::vector<size_t>& indents) {
  std::string out;
  for (size_t i = 0; i < indents.size(); ++i) {
    if (i > 0) out += i + 1 == indents.size() ? " or " : ", ";
    out += std::to_string(indents[i]);
  }
  return out;
}

}  // namespace

Error explain_yaml_error(std::string_view text, const std::string& parser_message, const Mark& at,
                         int line_offset) {
  auto lines = lines_of(text);
  int stop = at.line - line_offset;
  auto mark_at = [&](int line, int column) { return Mark{at.file, line + line_offset, column}.to_string(); };

  // A tab in the indentation of any line up to where the parser stopped.
  for (const auto& line : lines) {
    if (line.number > stop) break;
    size_t lead = line.text.find_first_not_of(" \t");
    std::string_view indent = line.text.substr(0, lead == std::string_view::npos ? line.text.size() : lead);
    if (size_t tab = indent.find('\t'); tab != std::string_view::npos && is_content(line.text))
      return Error(fmt::format("invalid YAML: line {} is indented with a tab; YAML allows only spaces there",
                               line.number + line_offset))
          .at(mark_at(line.number, static_cast<int>(tab) + 1))
          .hint("replace the tab with spaces, as many as the lines it belongs with");
  }

  // A line whose indentation matches no block open above it.
  std::vector<size_t> open;  // indentations of the enclosing blocks, outermost first
  std::string_view previous;
  size_t scalar_owner = std::string_view::npos;  // indentation of a `key: |` whose text follows
  for (const auto& line : lines) {
    if (line.number > stop) break;
    if (!is_content(line.text)) continue;
    size_t indent = indent_of(line.text);
    if (scalar_owner != std::string_view::npos && indent > scalar_owner) continue;
    scalar_owner = std::string_view::npos;
    bool deeper_allowed = !previous.empty() && opens_block(previous) && (open.empty() || indent > open.back());
    bool returns_to_open = false;
    for (size_t level : open) returns_to_open |= level == indent;
    // Only near where the parser stopped: an earlier odd line was accepted by it.
    if (!open.empty() && !deeper_allowed && !returns_to_open && line.number >= stop - 1) {
      return Error(fmt::format("invalid YAML: line {} is indented by {}, but the lines above it are indented by {}",
                               line.number + line_offset, spaces(indent), list_of(open)))
          .at(mark_at(line.number, static_cast<int>(indent) + 1))
          .hint("indent it exactly like the keys or list items it belongs with");
    }
    while (!open.empty() && open.back() > indent) open.pop_back();
    if (open.empty() || open.back() < indent) open.push_back(indent);
    if (size_t content = item_content_indent(line.text, indent); content > indent) open.push_back(content);
    if (starts_block_scalar(line.text)) scalar_owner = indent;
    previous = line.text;
  }
  return Error("invalid YAML: " + parser_message).at(at.to_string());
}

}  // namespace pier::compose
