#include "compose/dotenv.h"

#include <cctype>

#include "base/atomic_file.h"
#include "base/strings.h"

namespace pier::compose {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// A cursor over the text that keeps the 1-based line number for messages.
class Parser {
 public:
  Parser(std::string_view text, const std::string& file, const Lookup& lookup)
      : text_(text), file_(file), lookup_(lookup) {}

  Result<Environment> parse();

 private:
  Status parse_line();
  Result<std::string> read_key();
  Result<std::string> read_value();
  Result<std::string> read_quoted(char quote);
  std::string read_unquoted();
  Status finish_line();
  Result<std::string> expand(std::string_view raw);
  Error error(std::string message) const {
    return Error(std::move(message)).at(file_ + ":" + std::to_string(line_));
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip_blanks() {
    while (!at_end() && is_blank(peek())) ++pos_;
  }
  void skip_to_next_line() {
    while (!at_end() && peek() != '\n') ++pos_;
  }

  std::string_view text_;
  const std::string& file_;
  const Lookup& lookup_;
  Environment out_;
  size_t pos_ = 0;
  int line_ = 1;
};

Result<Environment> Parser::parse() {
  if (starts_with(text_, "\xEF\xBB\xBF")) pos_ = 3;  // UTF-8 byte order mark
  while (!at_end()) {
    skip_blanks();
    if (peek() == '\n') {
      ++pos_;
      ++line_;
      continue;
    }
    if (peek() == '#') {
      skip_to_next_line();
      continue;
    }
    if (at_end()) break;
    PIER_CHECK(parse_line());
  }
  return std::move(out_);
}

Status Parser::parse_line() {
  if (starts_with(text_.substr(pos_), "export") && pos_ + 6 < text_.size() &&
      is_blank(text_[pos_ + 6])) {
    pos_ += 6;
    skip_blanks();
  }
  PIER_TRY(std::string key, read_key());
  skip_blanks();
  if (at_end() || peek() == '\n' || peek() == '#') {
    // A bare KEY takes its value from the environment, if it is set there.
    if (auto value = lookup_(key)) out_[key] = *value;
    return finish_line();
  }
  ++pos_;  // '=' or ':'
  skip_blanks();
  PIER_TRY(std::string value, read_value());
  out_[key] = std::move(value);
  return finish_line();
}

Result<std::string> Parser::read_key() {
  size_t start = pos_;
  while (!at_end() && peek() != '=' && peek() != ':' && peek() != '\n' && !is_blank(peek()) &&
         peek() != '#')
    ++pos_;
  std::string key(text_.substr(start, pos_ - start));
  size_t after = pos_;
  skip_blanks();
  char next = peek();
  if (!at_end() && next != '=' && next != ':' && next != '\n' && next != '#')
    return error("unexpected character `" + std::string(1, next) + "` in variable name `" +
                 std::string(trim(text_.substr(start, text_.find('\n', start) - start))) + "`")
        .hint("a line is KEY=VALUE; quote values that contain spaces");
  pos_ = after;
  if (key.empty()) return error("missing variable name before `" + std::string(1, next) + "`");
  for (char c : key) {
    if (c == '"' || c == '\'' || c == '$' || c == '{' || c == '}')
      return error("unexpected character `" + std::string(1, c) + "` in variable name `" +
                   key + "`");
  }
  return key;
}

Result<std::string> Parser::read_value() {
  char c = peek();
  if (c == '\'' || c == '"') return read_quoted(c);
  return expand(read_unquoted());
}

std::string Parser::read_unquoted() {
  size_t start = pos_;
  skip_to_next_line();
  std::string_view raw = text_.substr(start, pos_ - start);
  // ` #` starts an inline comment; a `#` inside a word does not.
  for (size_t i = 1; i < raw.size(); ++i) {
    if (raw[i] == '#' && is_blank(raw[i - 1])) {
      raw = raw.substr(0, i);
      break;
    }
  }
  if (!raw.empty() && raw[0] == '#') raw = {};
  return std::string(trim(raw));
}

// Returns the unescaped content; in double quotes `\$` becomes `$$` so that
// expansion leaves a literal `$`.
Result<std::string> Parser::read_quoted(char quote) {
  int start_line = line_;
  ++pos_;
  std::string content;
  for (; !at_end(); ++pos_) {
    char c = peek();
    if (c == '\n') ++line_;
    if (c == quote) {
      ++pos_;
      if (quote == '\'') return content;
      return expand(content);
    }
    if (c == '\\' && pos_ + 1 < text_.size()) {
      char n = text_[pos_ + 1];
      if (quote == '\'') {
        if (n == '\'') {
          content += '\'';
          ++pos_;
          continue;
        }
      } else {
        ++pos_;
        switch (n) {
          case 'n': content += '\n'; break;
          case 'r': content += '\r'; break;
          case 't': content += '\t'; break;
          case '$': content += "$$"; break;
          case '\n': ++line_; content += '\n'; break;
          default: content += n; break;  // \" \\ and any other escaped char
        }
        continue;
      }
    }
    content += c;
  }
  line_ = start_line;
  return error(std::string("unterminated quoted value (missing closing ") + quote + ")");
}

// After a value: only blanks and a comment may follow on the line.
Status Parser::finish_line() {
  skip_blanks();
  if (peek() == '#') skip_to_next_line();
  if (!at_end() && peek() != '\n')
    return error("unexpected text after the value: `" +
                 std::string(trim(text_.substr(pos_, text_.find('\n', pos_) - pos_))) + "`");
  return {};
}

Result<std::string> Parser::expand(std::string_view raw) {
  Lookup both = [this](const std::string& name) -> std::optional<std::string> {
    if (auto v = lookup_(name)) return v;
    auto it = out_.find(name);
    if (it == out_.end()) return std::nullopt;
    return it->second;
  };
  auto result = substitute(raw, both);
  if (!result) return error(std::move(result).error().message());
  return result;
}

}  // namespace

Result<Environment> parse_dotenv(std::string_view text, const std::string& file,
                                 const Lookup& lookup) {
  Parser parser(text, file, lookup);
  return parser.parse();
}

Result<Environment> read_dotenv_file(const std::string& path, const Lookup& lookup) {
  auto text = read_file(path);
  if (!text) return std::move(text).error().context("reading env file");
  return parse_dotenv(*text, path, lookup);
}

}  // namespace pier::compose
