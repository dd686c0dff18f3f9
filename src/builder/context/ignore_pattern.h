// One .dockerignore pattern, matched as moby/patternmatcher does: a pattern without
// wildcards is an exact path, `dir/**` a prefix, `**/name` a suffix, anything else a
// glob where `*` and `?` stay within one path component and `**` spans any number of
// them. The path is '/'-separated and relative to the context ("src/main.c").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pier::builder::detail {

class IgnorePattern {
 public:
  // `cleaned`: the pattern after filepath.Clean, without its leading '!'; it must have
  // passed check_glob.
  static IgnorePattern compile(std::string cleaned, bool exclusion);

  bool matches(std::string_view path) const;
  // The path itself or one of its parent directories ("a" or "a/b" for "a/b/c").
  bool matches_path_or_parent(std::string_view path) const;
  bool exclusion() const { return exclusion_; }
  const std::string& text() const { return text_; }

 private:
  enum class Type { exact, prefix, suffix, glob };
  struct Token {
    enum class Kind { literal, star, any, globstar, rest, klass } kind;
    std::string text;  // literal characters, or the whole `[...]` class
  };
  bool match_from(size_t token, std::string_view path, size_t pos) const;

  std::string text_;
  bool exclusion_ = false;
  Type type_ = Type::exact;
  std::vector<Token> tokens_;
};

}  // namespace pier::builder::detail
