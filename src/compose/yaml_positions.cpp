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

}  // namespace

YamlPositions::YamlPositions(std::string_view text, std::vector<size_t> inserted)
    : text_(text), inserted_(std::move(inserted)) {
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

size_t YamlPositions::byte_offset(size_t line, size_t column) const {
  if (line >= line_starts_.size()) return text_.size();
  size_t offset = line_starts_[line];
  if (ascii_[line]) return std::min(offset + column, text_.size());
  // Step over `column` UTF-8 characters: each starts with a byte that is not 10xxxxxx.
  for (size_t seen = 0; offset < text_.size(); ++offset) {
    if ((static_cast<unsigned char>(text_[offset]) & 0xC0) == 0x80) continue;
    if (seen++ == column) break;
  }
  return offset;
}

TextPosition YamlPositions::position_of(size_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line = static_cast<size_t>(it - line_starts_.begin()) - 1;
  size_t column = offset - line_starts_[line];
  // Spaces pier inserted earlier on the line are not in the file.
  auto first = std::lower_bound(inserted_.begin(), inserted_.end(), line_starts_[line]);
  auto last = std::lower_bound(first, inserted_.end(), offset);
  column -= static_cast<size_t>(last - first);
  return TextPosition{static_cast<int>(line) + 1, static_cast<int>(column) + 1};
}

TextPosition YamlPositions::at(size_t line, size_t column) const {
  if (inserted_.empty() && line < line_starts_.size() && ascii_[line])
    return TextPosition{static_cast<int>(line) + 1, static_cast<int>(column) + 1};
  return position_of(byte_offset(line, column));
}

char YamlPositions::byte_at(size_t line, size_t column) const {
  size_t offset = byte_offset(line, column);
  return offset < text_.size() ? text_[offset] : 0;
}

TextPosition YamlPositions::next_token(size_t line, size_t column) const {
  size_t i = byte_offset(line, column);
  while (i < text_.size()) {
    if (text_[i] == ' ' || text_[i] == '\t') {
      ++i;
    } else if (size_t n = break_length(text_, i)) {
      i += n;
    } else if (text_[i] == '#') {
      while (i < text_.size() && !break_length(text_, i)) ++i;
    } else {
      break;
    }
  }
  return position_of(i);
}

bool YamlPositions::is_end(const TextPosition& p) const {
  return p == position_of(text_.size());
}

TextPosition YamlPositions::at_offset(size_t offset) const {
  return position_of(std::min(std::max(offset, bom_), text_.size()));
}

}  // namespace pier::compose
