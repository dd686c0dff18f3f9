// Docker's shell-like word lexer (BuildKit's frontend/dockerfile/shell): quotes, the
// escape character and `$VAR` / `${VAR...}` substitution, on one word at a time. It
// is what `substitute()` and the typed expansion of ENV, COPY, ... run; the parser
// also uses its raw modes to find heredoc words on a line.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "builder/dockerfile/dockerfile.h"

namespace pier::builder::detail {

struct LexOptions {
  char escape = '\\';
  bool quotes = true;       // false: ' and " are plain characters (heredoc bodies)
  bool raw_quotes = false;  // keep the quote characters in the result
  bool raw_escapes = false; // keep the escape character in the result
  bool keep_unset = false;  // an unset variable stays as written instead of ""
};

class Lexer {
 public:
  Lexer(std::string_view text, const VariableLookup& lookup, LexOptions options = {});

  // The word with quotes removed and variables substituted (BuildKit's ProcessWord).
  Result<std::string> word();
  // The same, split into words at unquoted whitespace after substitution (ProcessWords):
  // a variable's value can become several words, a quoted string stays one.
  Result<std::vector<std::string>> words();
  // Whether a quote was removed: a heredoc delimiter with quotes is not expanded.
  bool saw_quote() const { return saw_quote_; }

 private:
  class Splitter;
  // `stop`: a character that ends the run (consumed), or -1 for the end of the text.
  Status run(int stop, bool raw_escapes, std::string& out, Splitter* words);
  Status single_quoted(std::string& out);
  Status double_quoted(std::string& out);
  Status dollar(std::string& out);
  Status braced(std::string& out);
  Status modifier(std::string_view name, char op, bool colon, std::string& out);
  Status replacement(std::string_view name, std::string& out);
  std::string_view read_name();
  std::optional<std::string> get(std::string_view name) const;

  std::string_view text_;
  size_t pos_ = 0;
  const VariableLookup& lookup_;
  LexOptions options_;
  bool saw_quote_ = false;
};

// Shell pattern matching for ${VAR#pat}, ${VAR%pat} and ${VAR/pat/rep}: `*` is any
// string, `?` one character, `\` escapes `*`, `?` and `\` (other escapes are errors).
Status check_shell_pattern(std::string_view pattern);
bool shell_pattern_matches(std::string_view pattern, std::string_view text);

}  // namespace pier::builder::detail
