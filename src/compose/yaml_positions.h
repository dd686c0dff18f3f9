// Where libyaml's marks are in the text, in the units pier's marks use.
//
// libyaml counts columns in characters and starts a line at every YAML line break;
// pier's marks (and yaml-cpp's, which wrote them before) count columns in bytes, so an
// error after "café" on a line points at the same column an editor's byte offset shows.
// In an ASCII text (most compose files) the two agree and libyaml's marks are used as
// they are; otherwise one pass records where each line starts and whether it is ASCII.
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

// A libyaml mark: 0-based, in characters.
struct YamlMark {
  size_t index = 0;
  size_t line = 0;
  size_t column = 0;
};

class YamlPositions {
 public:
  // `text` (what libyaml reads) must outlive this object; `inserted`: the byte offsets
  // in it of the spaces pier added, ascending.
  explicit YamlPositions(std::string_view text, std::vector<size_t> inserted = {});

  TextPosition at(const YamlMark& m) const;
  // Its offset in the text libyaml reads, and the byte there (0 past the end).
  size_t byte_offset(const YamlMark& m) const;
  char byte_at(const YamlMark& m) const;

  // The first byte at or after `m` that is neither blank, line break nor comment: where
  // the next token starts. An empty node ("a:" with nothing after it) gets this mark,
  // as the token that ends it.
  struct NextToken {
    TextPosition position;
    bool at_end = false;  // no token: the end of the text
  };
  NextToken next_token(const YamlMark& m) const;

  // A byte offset into the text (libyaml's reader errors count bytes).
  TextPosition at_offset(size_t offset) const;

 private:
  TextPosition position_of(size_t offset) const;

  std::string_view text_;
  std::vector<size_t> inserted_;
  bool simple_ = false;               // ASCII and nothing inserted: marks are bytes
  size_t bom_ = 0;                    // a UTF-8 byte order mark libyaml skips unseen
  std::vector<size_t> line_starts_;   // byte offset of each line (unless simple_)
  std::vector<bool> ascii_;           // per line: every byte < 0x80 (unless simple_)
};

}  // namespace pier::compose
