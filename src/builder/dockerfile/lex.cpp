#include "builder/dockerfile/lex.h"

#include <cctype>

#include "builder/dockerfile/words.h"

namespace pier::builder {

namespace detail {

namespace {

constexpr int kNoStop = -1;

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
// POSIX special parameters ($@, $?, $$...): Docker reads them as one-character names.
bool is_special_parameter(char c) {
  return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' || c == '$' || c == '!' || c == '0';
}

Error missing_brace() { return Error("syntax error: missing '}'"); }

// Bytes of the UTF-8 sequence starting at text[i] (1 for invalid bytes).
size_t utf8_length(std::string_view text, size_t i) {
  size_t n = 1;
  while (i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) ++n;
  return n;
}

// The end of the longest match of `pattern` starting at `from`, if any.
std::optional<size_t> longest_match_at(std::string_view pattern, std::string_view text, size_t from) {
  for (size_t end = text.size() + 1; end-- > from;)
    if (shell_pattern_matches(pattern, text.substr(from, end - from))) return end;
  return std::nullopt;
}

std::string trim_prefix(std::string_view value, std::string_view pattern, bool longest) {
  if (longest) {
    for (size_t i = value.size() + 1; i-- > 0;)
      if (shell_pattern_matches(pattern, value.substr(0, i))) return std::string(value.substr(i));
  } else {
    for (size_t i = 0; i <= value.size(); ++i)
      if (shell_pattern_matches(pattern, value.substr(0, i))) return std::string(value.substr(i));
  }
  return std::string(value);
}

std::string trim_suffix(std::string_view value, std::string_view pattern, bool longest) {
  if (longest) {
    for (size_t i = 0; i <= value.size(); ++i)
      if (shell_pattern_matches(pattern, value.substr(i))) return std::string(value.substr(0, i));
  } else {
    for (size_t i = value.size() + 1; i-- > 0;)
      if (shell_pattern_matches(pattern, value.substr(i))) return std::string(value.substr(0, i));
  }
  return std::string(value);
}

// ${VAR/pattern/replacement} and ${VAR//pattern/replacement}, as Go's regexp replace
// does it: leftmost matches, each as long as possible; an empty match right after a
// match is skipped.
std::string replace_pattern(std::string_view value, std::string_view pattern, std::string_view replacement,
                            bool all) {
  std::string out;
  bool after_match = false;
  for (size_t i = 0; i <= value.size();) {
    auto end = longest_match_at(pattern, value, i);
    if (end && !(*end == i && after_match)) {
      out += replacement;
      if (!all) return out + std::string(value.substr(*end));
      if (*end > i) {
        i = *end;
        after_match = true;
        continue;
      }
    }
    after_match = false;
    if (i < value.size()) out += value[i];
    ++i;
  }
  return out;
}

}  // namespace

// BuildKit's wordsStruct: characters from substituted values and unquoted text split
// at whitespace; quoted strings and escaped characters never do.
class Lexer::Splitter {
 public:
  void add_char(char c) {
    if (!is_space(c)) return add_raw_char(c);
    if (in_word_ && !buffer_.empty()) {
      words_.push_back(std::move(buffer_));
      buffer_.clear();
      in_word_ = false;
    }
  }
  void add_raw_char(char c) {
    buffer_ += c;
    in_word_ = true;
  }
  void add_string(std::string_view s) {
    for (char c : s) add_char(c);
  }
  void add_raw_string(std::string_view s) {
    buffer_ += s;
    in_word_ = true;
  }
  std::vector<std::string> finish() {
    if (!buffer_.empty()) words_.push_back(std::move(buffer_));
    return std::move(words_);
  }

 private:
  std::vector<std::string> words_;
  std::string buffer_;
  bool in_word_ = false;
};

Lexer::Lexer(std::string_view text, const VariableLookup& lookup, LexOptions options)
    : text_(text), lookup_(lookup), options_(options) {}

Result<std::string> Lexer::word() {
  std::string out;
  PIER_CHECK(run(kNoStop, options_.raw_escapes, out, nullptr));
  return out;
}

Result<std::vector<std::string>> Lexer::words() {
  std::string out;
  Splitter splitter;
  PIER_CHECK(run(kNoStop, options_.raw_escapes, out, &splitter));
  return splitter.finish();
}

std::optional<std::string> Lexer::get(std::string_view name) const {
  if (!lookup_) return std::nullopt;
  return lookup_(name);
}

// Reads up to `stop` (consumed) or the end of the text; `raw_escapes` keeps escape
// characters, as the pattern words of ${VAR#...} and ${VAR/...} need.
Status Lexer::run(int stop, bool raw_escapes, std::string& out, Splitter* words) {
  bool saved = options_.raw_escapes;
  options_.raw_escapes = raw_escapes;
  struct Restore {
    LexOptions& o;
    bool v;
    ~Restore() { o.raw_escapes = v; }
  } restore{options_, saved};

  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (stop != kNoStop && static_cast<unsigned char>(c) == stop) {
      ++pos_;
      return {};
    }
    if (c == '$') {
      std::string value;
      PIER_CHECK(dollar(value));
      out += value;
      if (words) words->add_string(value);
      continue;
    }
    if (options_.quotes && (c == '\'' || c == '"')) {
      std::string value;
      PIER_CHECK(c == '\'' ? single_quoted(value) : double_quoted(value));
      out += value;
      if (words) words->add_raw_string(value);
      continue;
    }
    ++pos_;
    if (c == options_.escape) {
      if (options_.raw_escapes) {
        out += c;
        if (words) words->add_raw_char(c);
      }
      if (pos_ == text_.size()) break;  // a trailing escape character is dropped
      c = text_[pos_++];
      if (words) words->add_raw_char(c);
    } else if (words) {
      words->add_char(c);
    }
    out += c;
  }
  if (stop != kNoStop)
    return Error(std::string("unexpected end of statement while looking for matching ") + static_cast<char>(stop));
  return {};
}

// Everything up to the next ' is literal; a single quote cannot be escaped inside.
Status Lexer::single_quoted(std::string& out) {
  saw_quote_ = true;
  ++pos_;
  if (options_.raw_quotes) out += '\'';
  while (pos_ < text_.size()) {
    char c = text_[pos_++];
    if (c == '\'') {
      if (options_.raw_quotes) out += c;
      return {};
    }
    out += c;
  }
  return Error("unexpected end of statement while looking for matching single-quote");
}

// Inside "...", $ substitutes and the escape character escapes only ", $ and itself.
Status Lexer::double_quoted(std::string& out) {
  saw_quote_ = true;
  ++pos_;
  if (options_.raw_quotes) out += '"';
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '"') {
      ++pos_;
      if (options_.raw_quotes) out += c;
      return {};
    }
    if (c == '$') {
      PIER_CHECK(dollar(out));
      continue;
    }
    ++pos_;
    if (c == options_.escape) {
      if (options_.raw_escapes) out += c;
      if (pos_ == text_.size()) continue;
      char next = text_[pos_];
      if (next == '"' || next == '$' || next == options_.escape) {
        c = next;
        ++pos_;
      }
    }
    out += c;
  }
  return Error("unexpected end of statement while looking for matching double-quote");
}

std::string_view Lexer::read_name() {
  size_t start = pos_;
  if (pos_ < text_.size() && is_digit(text_[pos_])) {
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  } else if (pos_ < text_.size() && is_special_parameter(text_[pos_])) {
    ++pos_;
  } else {
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
  }
  return text_.substr(start, pos_ - start);
}

Status Lexer::dollar(std::string& out) {
  ++pos_;
  if (pos_ < text_.size() && text_[pos_] == '{') {
    ++pos_;
    return braced(out);
  }
  std::string_view name = read_name();
  if (name.empty()) {
    out += '$';  // "$" before anything but a name is a plain dollar sign
    return {};
  }
  auto value = get(name);
  if (value) {
    out += *value;
  } else if (options_.keep_unset) {
    out += '$';
    out += name;
  }
  return {};
}

// After "${": a name, then "}" or one of the modifiers.
Status Lexer::braced(std::string& out) {
  if (pos_ >= text_.size()) return missing_brace();
  char first = text_[pos_];
  if (first == '{' || first == '}' || first == ':') return Error("syntax error: bad substitution");
  std::string name(read_name());
  if (pos_ >= text_.size()) return missing_brace();
  char op = text_[pos_++];
  switch (op) {
    case '}': {
      auto value = get(name);
      if (value) out += *value;
      else if (options_.keep_unset) out += "${" + name + "}";
      return {};
    }
    case ':':
      if (pos_ >= text_.size()) return missing_brace();
      op = text_[pos_++];
      return modifier(name, op, true, out);
    case '+': case '-': case '?': case '#': case '%':
      return modifier(name, op, false, out);
    case '/':
      return replacement(name, out);
    default:
      return Error(std::string("unsupported modifier (") + op + ") in substitution");
  }
}

// ${VAR-w} ${VAR:-w} ${VAR+w} ${VAR:+w} ${VAR?m} ${VAR:?m} ${VAR#p} ${VAR##p} ${VAR%p}
// ${VAR%%p}: with the colon an empty value counts as unset.
Status Lexer::modifier(std::string_view name, char op, bool colon, std::string& out) {
  std::string spelled = colon ? std::string(":") + op : std::string(1, op);
  bool is_pattern = op == '#' || op == '%';
  if (colon && is_pattern) return Error("unsupported modifier (" + spelled + ") in substitution");
  std::string word;
  Status read = run('}', is_pattern, word, nullptr);
  if (!read) return pos_ >= text_.size() ? missing_brace() : std::move(read).error();
  auto value = get(name);
  if (!value && options_.keep_unset) {
    out += "${" + std::string(name) + spelled + word + "}";
    return {};
  }
  bool unset = !value || (colon && value->empty());
  switch (op) {
    case '-':
      out += unset ? word : *value;
      return {};
    case '+':
      if (!unset) out += word;
      return {};
    case '?':
      if (!value) return Error(std::string(name) + ": " + (word.empty() ? "is not allowed to be unset" : word));
      if (unset) return Error(std::string(name) + ": " + (word.empty() ? "is not allowed to be empty" : word));
      out += *value;
      return {};
    case '#':
    case '%': {
      bool longest = !word.empty() && word[0] == op;
      std::string_view pattern = longest ? std::string_view(word).substr(1) : std::string_view(word);
      Status valid = check_shell_pattern(pattern);
      if (!valid)
        return Error("invalid pattern (" + std::string(pattern) + ") in substitution: " + valid.error().message());
      std::string v = value.value_or("");
      out += op == '#' ? trim_prefix(v, pattern, longest) : trim_suffix(v, pattern, longest);
      return {};
    }
    default:
      return Error("unsupported modifier (" + spelled + ") in substitution");
  }
}

Status Lexer::replacement(std::string_view name, std::string& out) {
  bool all = pos_ < text_.size() && text_[pos_] == '/';
  if (all) ++pos_;
  std::string pattern, with;
  Status read = run('/', true, pattern, nullptr);
  if (!read) return pos_ >= text_.size() ? Error("syntax error: missing '/' in ${}") : std::move(read).error();
  read = run('}', true, with, nullptr);
  if (!read) return pos_ >= text_.size() ? missing_brace() : std::move(read).error();
  auto value = get(name);
  if (!value && options_.keep_unset) {
    out += "${" + std::string(name) + (all ? "//" : "/") + pattern + "/" + with + "}";
    return {};
  }
  Status valid = check_shell_pattern(pattern);
  if (!valid) return Error("invalid pattern (" + pattern + ") in substitution: " + valid.error().message());
  out += replace_pattern(value.value_or(""), pattern, with, all);
  return {};
}

Status check_shell_pattern(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\') continue;
    if (i + 1 == pattern.size()) return Error("invalid escape '\\' at the end");
    char next = pattern[++i];
    if (next != '*' && next != '?' && next != '\\' && next != '}' && next != '/')
      return Error(std::string("invalid escape '\\") + next + "'");
  }
  return {};
}

bool shell_pattern_matches(std::string_view pattern, std::string_view text) {
  size_t ti = 0;
  for (size_t pi = 0; pi < pattern.size(); ++pi) {
    char c = pattern[pi];
    if (c == '*') {
      std::string_view rest = pattern.substr(pi + 1);
      for (size_t k = ti; k <= text.size(); ++k)
        if (shell_pattern_matches(rest, text.substr(k))) return true;
      return false;
    }
    if (c == '?') {
      if (ti >= text.size()) return false;
      ti += utf8_length(text, ti);
      continue;
    }
    if (c == '\\' && pi + 1 < pattern.size()) c = pattern[++pi];
    if (ti >= text.size() || text[ti] != c) return false;
    ++ti;
  }
  return ti == text.size();
}

}  // namespace detail

Result<std::string> substitute(std::string_view word, const VariableLookup& lookup, char escape) {
  detail::LexOptions options;
  options.escape = escape;
  detail::Lexer lexer(word, lookup, options);
  auto out = lexer.word();
  if (!out) return std::move(out).error().context("substituting `" + std::string(word) + "`");
  return out;
}

}  // namespace pier::builder
