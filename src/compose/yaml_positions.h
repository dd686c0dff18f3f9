// Where libyaml's marks are in the text, in the units pier's marks use.
//
// libyaml counts columns in characters and starts a line at every YAML line break;
// pier's marks (and yaml-cpp's, which wrote them before) count columns in bytes, so an
// error after "café" on a line points at the same column an editor's byte offset shows.
// One pass over the text records where each line starts and whether it is all ASCII, so
// the usual mark (an ASCII line) costs no walk at all.
//
// The text libyaml reads may have spaces pier inserted (after a tag that a flow
// indicator follows, see yaml_loader.cpp); positions are given in the file as written.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace pier::compose {

struct TextPosition {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in bytes

  bool operator==(const TextPosition&) const = default;
};

class YamlPositions {
 public:
  // `text` (what libyaml reads) must outlive this object; `inserted`: the byte offsets
  // in it of the spaces pier added, ascending.
  explicit YamlPositions(std::string_view text, std::vector<size_t> inserted = {});

  // libyaml's 0-based line and character column.
  TextPosition at(size_t line, size_t column) const;
  // The byte there, or 0 past the end.
  char byte_at(size_t line, size_t column) const;
  // Its offset in the text libyaml reads.
  size_t byte_offset(size_t line, size_t column) const;

  // The first byte at or after (line, column) that is neither blank, line break nor
  // comment: where the next token starts. An empty node ("a:" with nothing after it)
  // gets this mark, as the token that ends it.
  TextPosition next_token(size_t line, size_t column) const;
  // Whether `p` is the end of the text.
  bool is_end(const TextPosition& p) const;

  // A byte offset into the text (libyaml's reader errors count bytes).
  TextPosition at_offset(size_t offset) const;

 private:
  TextPosition position_of(size_t offset) const;

  std::string_view text_;
  std::vector<size_t> inserted_;
  size_t bom_ = 0;                    // a UTF-8 byte order mark libyaml skips unseen
  std::vector<size_t> line_starts_;   // byte offset of each line
  std::vector<bool> ascii_;           // per line: every byte < 0x80
};

}  // namespace pier::compose
