#include "compose/yaml_positions.h"

#include <algorithm>

namespace pier::compose {
namespace {

// The length of the YAML line break at `i` (\r\n, \r, \n, NEL, LS, PS), 0 if none:
// the breaks libyaml counts lines by.
size_t break_length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
  if (byte(i) == '\n') return 1;
  if (byte(i) == '\r') return byte(i + 1) == '\n' ? 2 : 1;
  if (byte(i) == 0xC2 && byte(i + 1) == 0x85) return 2;
  if (byte(i) == 0xE2 && byte(i + 1) == 0x80 && (byte(i + 2) == 0xA8 || byte(i + 2) == 0xA9))
    return 3;
  return 0;
}

bool is_ascii(std::string_view text) {
  unsigned char all = 0;
  for (char c : text) all |= static_cast<unsigned char>(c);
  return all < 0x80;
}

// Blanks, line breaks and comments from `i` on: the offset after them.
size_t skip_to_token(std::string_view text, size_t i) {
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == '\t') {
      ++i;
    } else if (size_t n = break_length(text, i)) {
      i += n;
    } else if (text[i] == '#') {
      while (i < text.size() && !break_length(text, i)) ++i;
    } else {
      break;
    }
  }
  return i;
}

}  // namespace

YamlPositions::YamlPositions(std::string_view text, std::vector<size_t> inserted)
    : text_(text), inserted_(std::move(inserted)) {
  simple_ = inserted_.empty() && is_ascii(text);
  if (simple_) return;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") bom_ = 3;
  line_starts_.push_back(bom_);
  bool ascii = true;
  for (size_t i = bom_; i < text.size();) {
    if (size_t n = break_length(text, i)) {
      ascii_.push_back(ascii);
      i += n;
      line_starts_.push_back(i);
      ascii = true;
      continue;
    }
    if (static_cast<unsigned char>(text[i]) >= 0x80) ascii = false;
    ++i;
  }
  ascii_.push_back(ascii);
}

size_t YamlPositions::byte_offset(const YamlMark& m) const {
  if (simple_) return std::min(m.index, text_.size());
  if (m.line >= line_starts_.size()) return text_.size();
  size_t offset = line_starts_[m.line];
  if (ascii_[m.line]) return std::min(offset + m.column, text_.size());
  // Step over `column` UTF-8 characters: each starts with a byte that is not 10xxxxxx.
  for (size_t seen = 0; offset < text_.size(); ++offset) {
    if ((static_cast<unsigned char>(text_[offset]) & 0xC0) == 0x80) continue;
    if (seen++ == m.column) break;
  }
  return offset;
}

TextPosition YamlPositions::position_of(size_t offset) const {
  if (simple_) {  // only for errors and empty nodes: count the lines up to `offset`
    size_t line = 0, start = 0;
    for (size_t i = 0; i < offset;) {
      size_t n = break_length(text_, i);
      if (n == 0) {
        ++i;
        continue;
      }
      i += n;
      if (i > offset) break;  // inside a \r\n: still on this line
      ++line;
      start = i;
    }
    return TextPosition{static_cast<int>(line) + 1, static_cast<int>(offset - start) + 1};
  }
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line = static_cast<size_t>(it - line_starts_.begin()) - 1;
  size_t column = offset - line_starts_[line];
  // Spaces pier inserted earlier on the line are not in the file.
  auto first = std::lower_bound(inserted_.begin(), inserted_.end(), line_starts_[line]);
  auto last = std::lower_bound(first, inserted_.end(), offset);
  column -= static_cast<size_t>(last - first);
  return TextPosition{static_cast<int>(line) + 1, static_cast<int>(column) + 1};
}

TextPosition YamlPositions::at(const YamlMark& m) const {
  if (simple_ || (inserted_.empty() && m.line < line_starts_.size() && ascii_[m.line]))
    return TextPosition{static_cast<int>(m.line) + 1, static_cast<int>(m.column) + 1};
  return position_of(byte_offset(m));
}

char YamlPositions::byte_at(const YamlMark& m) const {
  size_t offset = byte_offset(m);
  return offset < text_.size() ? text_[offset] : 0;
}

YamlPositions::NextToken YamlPositions::next_token(const YamlMark& m) const {
  size_t from = byte_offset(m);
  size_t to = skip_to_token(text_, from);
  if (!simple_) return NextToken{position_of(to), to == text_.size()};
  // ASCII: follow the lines from the mark rather than count them from the start.
  size_t line = m.line, column = m.column;
  for (size_t i = from; i < to;) {
    if (size_t n = break_length(text_, i)) {
      i += n;
      ++line;
      column = 0;
    } else {
      ++i;
      ++column;
    }
  }
  return NextToken{TextPosition{static_cast<int>(line) + 1, static_cast<int>(column) + 1},
                   to == text_.size()};
}

TextPosition YamlPositions::at_offset(size_t offset) const {
  return position_of(std::min(std::max(offset, bom_), text_.size()));
}

}  // namespace pier::compose
