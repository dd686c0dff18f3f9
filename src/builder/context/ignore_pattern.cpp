#include "builder/context/ignore_pattern.h"

#include "base/strings.h"
#include "builder/context/glob.h"

namespace pier::builder::detail {

// Mirrors patternmatcher's compile: the first wildcard makes it a glob, except that a
// trailing `**` on an otherwise plain pattern is a prefix match and a leading `**`
// with nothing special after it a suffix match.
IgnorePattern IgnorePattern::compile(std::string cleaned, bool exclusion) {
  IgnorePattern p;
  p.exclusion_ = exclusion;
  p.text_ = std::move(cleaned);
  const std::string& s = p.text_;
  auto literal = [&p](char c) {
    if (p.tokens_.empty() || p.tokens_.back().kind != Token::Kind::literal)
      p.tokens_.push_back({Token::Kind::literal, ""});
    p.tokens_.back().text += c;
  };
  Type type = Type::exact;
  for (size_t i = 0, step = 0; i < s.size(); ++i, ++step) {
    char c = s[i];
    if (c == '*' && i + 1 < s.size() && s[i + 1] == '*') {
      ++i;
      if (i + 1 < s.size() && s[i + 1] == '/') ++i;  // "**/" is "**"
      if (i + 1 == s.size()) {
        type = type == Type::exact ? Type::prefix : Type::glob;
        p.tokens_.push_back({Token::Kind::rest, ""});
      } else {
        type = Type::glob;
        p.tokens_.push_back({Token::Kind::globstar, ""});
      }
      if (step == 0) type = Type::suffix;
    } else if (c == '*') {
      type = Type::glob;
      p.tokens_.push_back({Token::Kind::star, ""});
    } else if (c == '?') {
      type = Type::glob;
      p.tokens_.push_back({Token::Kind::any, ""});
    } else if (c == '\\' && i + 1 < s.size()) {
      type = Type::glob;
      literal(s[++i]);
    } else if (c == '[') {
      type = Type::glob;
      bool unused = false;
      size_t end = match_class(s, i, 0, unused);
      if (end == std::string::npos) end = s.size();  // check_glob rejected it before
      p.tokens_.push_back({Token::Kind::klass, s.substr(i, end - i)});
      i = end - 1;
    } else {
      literal(c);
    }
  }
  p.type_ = type;
  return p;
}

bool IgnorePattern::matches(std::string_view path) const {
  switch (type_) {
    case Type::exact:
      return path == text_;
    case Type::prefix:
      return starts_with(path, std::string_view(text_).substr(0, text_.size() - 2));
    case Type::suffix: {
      std::string_view suffix = std::string_view(text_).substr(2);
      if (ends_with(path, suffix)) return true;
      return !suffix.empty() && suffix[0] == '/' && path == suffix.substr(1);  // "**/foo" matches "foo"
    }
    case Type::glob:
      return match_from(0, path, 0);
  }
  return false;
}

bool IgnorePattern::matches_path_or_parent(std::string_view path) const {
  if (matches(path)) return true;
  for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1))
    if (matches(path.substr(0, slash))) return true;
  return false;
}

// Backtracking over the tokens; patterns are short, paths a few components deep.
bool IgnorePattern::match_from(size_t t, std::string_view path, size_t pos) const {
  if (t == tokens_.size()) return pos == path.size();
  const Token& token = tokens_[t];
  switch (token.kind) {
    case Token::Kind::literal:
      return path.substr(pos, token.text.size()) == token.text && match_from(t + 1, path, pos + token.text.size());
    case Token::Kind::rest:
      return true;
    case Token::Kind::star:
      for (size_t k = pos;; ++k) {
        if (match_from(t + 1, path, k)) return true;
        if (k == path.size() || path[k] == '/') return false;
      }
    case Token::Kind::globstar:  // (.*/)?
      if (match_from(t + 1, path, pos)) return true;
      for (size_t k = pos; k < path.size(); ++k)
        if (path[k] == '/' && match_from(t + 1, path, k + 1)) return true;
      return false;
    case Token::Kind::any:
    case Token::Kind::klass: {
      if (pos >= path.size()) return false;
      size_t length = 0;
      char32_t c = decode_utf8(path, pos, length);
      bool matched = c != '/';
      if (token.kind == Token::Kind::klass) match_class(token.text, 0, c, matched);
      return matched && match_from(t + 1, path, pos + length);
    }
  }
  return false;
}

}  // namespace pier::builder::detail
