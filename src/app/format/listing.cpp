#include "app/format/listing.h"

#include <algorithm>
#include <cctype>

#include "app/format/template.h"

namespace pier::app::format {
namespace {

using nlohmann::json;

bool is_word(std::string_view format, std::string_view word) {
  if (format.size() != word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(format[i])) != word[i]) return false;
  return true;
}

// "table {{.A}}\t{{.B}}" -> the template text after "table", with the `\t` and `\n`
// the user typed as two characters turned into the characters.
std::string template_text(std::string_view format, bool table) {
  std::string_view body = table ? format.substr(5) : format;
  while (!body.empty() && body.front() == ' ') body.remove_prefix(1);
  while (!body.empty() && body.back() == ' ') body.remove_suffix(1);
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size() && (body[i + 1] == 't' || body[i + 1] == 'n')) {
      out += body[++i] == 't' ? '\t' : '\n';
      continue;
    }
    out += body[i];
  }
  return out;
}

// "RunningFor" -> "RUNNING FOR": the header of a field the command did not name.
std::string derived_header(const std::string& name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (i > 0 && std::isupper(c) && std::islower(static_cast<unsigned char>(name[i - 1]))) out += ' ';
    out += static_cast<char>(std::toupper(c));
  }
  return out;
}

json header_row(const std::vector<json>& rows, const Listing& listing) {
  json header = json::object();
  if (!rows.empty() && rows.front().is_object())
    for (const auto& [key, _] : rows.front().items()) header[key] = derived_header(key);
  for (const auto& f : listing.fields) header[f.name] = f.header;
  return header;
}

size_t runes(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0, at;
  while ((at = text.find(sep, start)) != std::string::npos) {
    out.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  out.push_back(text.substr(start));
  return out;
}

}  // namespace

std::string tab_align(const std::string& text, size_t min_width, size_t padding) {
  std::vector<std::vector<std::string>> lines;
  for (auto& line : split(text, '\n')) lines.push_back(split(line, '\t'));
  if (!text.empty() && text.back() == '\n') lines.pop_back();
  std::vector<size_t> widths;
  for (const auto& cells : lines)
    for (size_t i = 0; i + 1 < cells.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], std::max(runes(cells[i]) + padding, min_width));
    }
  std::string out;
  for (const auto& cells : lines) {
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out.append(widths[i] - runes(cells[i]), ' ');
    }
    out += '\n';
  }
  return out;
}

Status check_format(std::string_view format) {
  if (format.empty() || is_word(format, "table") || is_word(format, "pretty") || is_word(format, "json")) return {};
  bool table = format.substr(0, 5) == "table";
  auto parsed = Template::parse(template_text(format, table));
  if (!parsed) return std::move(parsed).error().context("--format '" + std::string(format) + "'");
  return {};
}

Status print_listing(std::string_view format, const std::vector<json>& rows, const Listing& listing, FILE* out) {
  PIER_TRY(std::string text, render_listing(format, rows, listing));
  std::fwrite(text.data(), 1, text.size(), out);
  return {};
}

Result<std::string> render_listing(std::string_view format, const std::vector<json>& rows, const Listing& listing) {
  if (is_word(format, "json")) {
    if (listing.json_array) return json_text(json(rows)) + "\n";
    std::string text;
    for (const auto& row : rows) text += json_text(row) + "\n";
    return text;
  }
  if (format.empty() || is_word(format, "table") || is_word(format, "pretty")) format = listing.table;
  bool table = format.substr(0, 5) == "table";
  auto context = "--format '" + std::string(format) + "'";
  PIER_TRY(auto tmpl, Template::parse(template_text(format, table)).context(context));
  std::string text;
  if (table) {
    // The header is the same template over the fields' headers, as docker/cli does; a
    // template that only works on real values (range, index) prints an empty header.
    auto header = tmpl.render(header_row(rows, listing));
    text += header ? *header : "";
    text += '\n';
  }
  for (const auto& row : rows) {
    PIER_TRY(auto line, tmpl.render(row).context(context));
    text += line + '\n';
  }
  if (table) text = tab_align(text, listing.min_width);
  return text;
}

}  // namespace pier::app::format
