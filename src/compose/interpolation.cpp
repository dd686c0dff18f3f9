#include "compose/interpolation.h"

#include <cctype>
#include <utility>

namespace pier::compose {
namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A parsed `$...` reference. `end` is the index just past it.
struct DollarReference {
  enum class Type { Literal, Variable } type = Type::Literal;
  std::string literal;  // for Literal ("$" for `$$` or a lone `$`)
  VariableUse use;
  size_t end = 0;
};

Error syntax_error(std::string_view text, std::string_view why) {
  return Error("invalid interpolation format in `" + std::string(text) + "`: " + std::string(why))
      .hint("write `$$` for a literal `$`");
}

size_t read_name(std::string_view text, size_t pos) {
  if (pos >= text.size() || !is_name_start(text[pos])) return pos;
  size_t end = pos + 1;
  while (end < text.size() && is_name_char(text[end])) ++end;
  return end;
}

// Finds the `}` closing a `${` whose body starts at `pos`, skipping nested `${...}`.
Result<size_t> find_closing_brace(std::string_view text, size_t pos) {
  int depth = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      ++i;
    } else if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      ++depth;
      ++i;
    } else if (text[i] == '}') {
      if (depth == 0) return i;
      --depth;
    }
  }
  return syntax_error(text, "missing closing brace");
}

Result<VariableUse::Kind> parse_operator(std::string_view text, size_t& pos, bool& colon) {
  colon = text[pos] == ':';
  if (colon) ++pos;
  char op = pos < text.size() ? text[pos] : '\0';
  ++pos;
  switch (op) {
    case '-': return VariableUse::Kind::Default;
    case '?': return VariableUse::Kind::Required;
    case '+': return VariableUse::Kind::Alternate;
    default:
      return syntax_error(
          text, "expected `}`, `:-`, `-`, `:?`, `?`, `:+` or `+` after the variable name");
  }
}

Result<DollarReference> parse_braced(std::string_view text, size_t start) {
  DollarReference ref;
  ref.type = DollarReference::Type::Variable;
  size_t name_start = start + 2;
  size_t name_end = read_name(text, name_start);
  if (name_end == name_start)
    return syntax_error(text, "`${` must be followed by a variable name");
  ref.use.name = std::string(text.substr(name_start, name_end - name_start));
  if (name_end >= text.size())
    return syntax_error(text, "missing closing brace");
  size_t pos = name_end;
  if (text[pos] == '}') {
    ref.end = pos + 1;
    return ref;
  }
  PIER_TRY(ref.use.kind, parse_operator(text, pos, ref.use.colon));
  PIER_TRY(size_t close, find_closing_brace(text, pos));
  ref.use.value = std::string(text.substr(pos, close - pos));
  ref.end = close + 1;
  return ref;
}

// Parses the reference starting at text[start] == '$'.
Result<DollarReference> parse_dollar(std::string_view text, size_t start) {
  DollarReference ref;
  char next = start + 1 < text.size() ? text[start + 1] : '\0';
  if (next == '$') {
    ref.literal = "$";
    ref.end = start + 2;
    return ref;
  }
  if (next == '{') return parse_braced(text, start);
  size_t name_end = read_name(text, start + 1);
  if (name_end == start + 1) {
    // Not a variable (`$1`, `$ `, trailing `$`): kept as written, like compose-go.
    ref.literal = "$";
    ref.end = start + 1;
    return ref;
  }
  ref.type = DollarReference::Type::Variable;
  ref.use.name = std::string(text.substr(start + 1, name_end - start - 1));
  ref.end = name_end;
  return ref;
}

// Nested defaults recurse; a hostile `${A:-${A:-...}}` must not exhaust the stack.
constexpr int kMaxNesting = 32;

Result<std::string> substitute_nested(std::string_view text, const Lookup& lookup,
                                      const OnMissing& on_missing, int depth);

Result<std::string> evaluate(const VariableUse& use, const Lookup& lookup,
                             const OnMissing& on_missing, int depth) {
  std::optional<std::string> value = lookup(use.name);
  bool missing = !value || (use.colon && value->empty());
  switch (use.kind) {
    case VariableUse::Kind::Plain:
      if (!value && on_missing) on_missing(use.name);
      return value.value_or("");
    case VariableUse::Kind::Default:
      if (missing) return substitute_nested(use.value, lookup, on_missing, depth + 1);
      return *value;
    case VariableUse::Kind::Alternate:
      if (missing) return std::string();
      return substitute_nested(use.value, lookup, on_missing, depth + 1);
    case VariableUse::Kind::Required:
      if (!missing) return *value;
      PIER_TRY(std::string message, substitute_nested(use.value, lookup, on_missing, depth + 1));
      return Error("required variable `" + use.name + "` is missing a value" +
                   (message.empty() ? "" : ": " + message));
  }
  return std::string();
}

Result<std::string> substitute_nested(std::string_view text, const Lookup& lookup,
                                      const OnMissing& on_missing, int depth) {
  if (depth > kMaxNesting)
    return Error("variables are nested more than " + std::to_string(kMaxNesting) + " levels deep");
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t dollar = text.find('$', pos);
    if (dollar == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, dollar - pos));
    PIER_TRY(DollarReference ref, parse_dollar(text, dollar));
    if (ref.type == DollarReference::Type::Literal) {
      out += ref.literal;
    } else {
      PIER_TRY(std::string value, evaluate(ref.use, lookup, on_missing, depth));
      out += value;
    }
    pos = ref.end;
  }
  return out;
}

Result<std::vector<VariableUse>> find_variables_nested(std::string_view text, int depth) {
  if (depth > kMaxNesting)
    return Error("variables are nested more than " + std::to_string(kMaxNesting) + " levels deep");
  std::vector<VariableUse> uses;
  size_t pos = 0;
  while ((pos = text.find('$', pos)) != std::string_view::npos) {
    PIER_TRY(DollarReference ref, parse_dollar(text, pos));
    if (ref.type == DollarReference::Type::Variable) {
      PIER_TRY(auto nested, find_variables_nested(ref.use.value, depth + 1));
      uses.push_back(std::move(ref.use));
      for (auto& n : nested) uses.push_back(std::move(n));
    }
    pos = ref.end;
  }
  return uses;
}

}  // namespace

Lookup lookup_in(const Environment& env) {
  return [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

Result<std::string> substitute(std::string_view text, const Lookup& lookup,
                               const OnMissing& on_missing) {
  return substitute_nested(text, lookup, on_missing, 0);
}

Result<std::vector<VariableUse>> find_variables(std::string_view text) {
  return find_variables_nested(text, 0);
}

namespace {
// Shell variables compose files take from the user's shell but which programs do not
// see: bash sets UID, EUID (and zsh GID) without exporting them; bash has no GID at all.
std::string unexported_shell_hint(const std::string& name) {
  if (name == "UID" || name == "EUID")
    return " `" + name + "` is a shell variable that is not exported: run `export " + name +
           "` before pier, or put `" + name + "=<output of id -u>` in .env.";
  if (name == "GID" || name == "EGID")
    return " bash does not set `" + name + "`: run `export " + name + "=$(id -g)` before pier, or put `" + name +
           "=<output of id -g>` in .env.";
  return "";
}
}  // namespace

Status Interpolator::apply_scalar(Node& node) {
  if (node.value().find('$') == std::string::npos) return {};
  const Mark& mark = node.mark();
  auto on_missing = [&](const std::string& name) {
    if (!warned_.insert(name).second) return;
    warnings_.push_back(Warning{mark.to_string(), "the `" + name +
                                "` variable is not set. Defaulting to a blank string." +
                                unexported_shell_hint(name)});
  };
  auto lookup = [this](const std::string& name) -> std::optional<std::string> {
    if (auto it = env_.find(name); it != env_.end()) return it->second;
    unset_lookups_.insert(name);
    return std::nullopt;
  };
  auto result = substitute(node.value(), lookup, on_missing);
  if (!result) return std::move(result).error().at(mark.to_string());
  node.set_value(std::move(result).value());
  return {};
}

Status Interpolator::apply(Node& root) {
  switch (root.kind()) {
    case Node::Kind::Scalar:
      return apply_scalar(root);
    case Node::Kind::Sequence:
      for (auto& item : root.items()) PIER_CHECK(apply(item));
      return {};
    case Node::Kind::Mapping:
      for (auto& entry : root.entries()) PIER_CHECK(apply(entry.value));
      return {};
    case Node::Kind::Null:
      return {};
  }
  return {};
}

}  // namespace pier::compose
