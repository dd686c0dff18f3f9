#include "app/format/template.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

namespace pier::app::format {

using nlohmann::json;

// The parsed form; named (not anonymous) because Template::Node, which has external
// linkage, holds these.
namespace parsed {

struct Pipeline;

struct Operand {
  enum class Kind { dot, root, literal, function, sub } kind = Kind::dot;
  std::vector<std::string> path;  // fields after `.`, `$` or `(...)`
  json literal;
  std::string function;
  std::unique_ptr<Pipeline> sub;
};

// `a | b c | d`: each command's result is the last argument of the next.
struct Pipeline {
  std::vector<std::vector<Operand>> commands;
};

}  // namespace parsed

struct Template::Node {
  enum class Kind { list, text, action, if_, with, range } kind = Kind::list;
  std::string text;
  parsed::Pipeline pipe;
  std::vector<Node> body, otherwise;
};

namespace {

using Node = Template::Node;
using parsed::Operand;
using parsed::Pipeline;

// A template nested deeper than this is refused: the parser recurses once per level.
constexpr int kMaxDepth = 64;

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void trim_right(std::string& text) {
  while (!text.empty() && is_space(text.back())) text.pop_back();
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Node> parse() {
    Node root;
    std::string ended_by;
    PIER_CHECK(parse_list(root.body, ended_by, 0));
    if (!ended_by.empty()) return fail("unexpected {{" + ended_by + "}}");
    return root;
  }

 private:
  Error fail(const std::string& what) const {
    return Error(fmt::format("template column {}: {}", pos_ + 1, what));
  }

  bool at(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }

  void skip_spaces() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }

  // Text and actions up to `{{end}}`/`{{else}}` (named in `ended_by`) or the end.
  Status parse_list(std::vector<Node>& out, std::string& ended_by, int depth) {
    if (depth > kMaxDepth) return fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
    while (pos_ < text_.size()) {
      size_t open = text_.find("{{", pos_);
      std::string text(text_.substr(pos_, open == std::string_view::npos ? std::string_view::npos : open - pos_));
      if (trim_next_) {
        size_t first = 0;
        while (first < text.size() && is_space(text[first])) ++first;
        text.erase(0, first);
        trim_next_ = false;
      }
      if (open == std::string_view::npos) {
        pos_ = text_.size();
        if (!text.empty()) out.push_back(Node{Node::Kind::text, std::move(text), {}, {}, {}});
        break;
      }
      pos_ = open + 2;
      if (at("- ")) {
        trim_right(text);
        pos_ += 1;
      }
      if (!text.empty()) out.push_back(Node{Node::Kind::text, std::move(text), {}, {}, {}});
      skip_spaces();
      if (at("/*")) {
        size_t close = text_.find("*/", pos_);
        if (close == std::string_view::npos) return fail("unclosed comment");
        pos_ = close + 2;
        PIER_CHECK(close_action());
        continue;
      }
      std::string keyword = peek_keyword();
      if (keyword == "end" || keyword == "else") {
        pos_ += keyword.size();
        // `{{else if x}}` is `{{else}}{{if x}}...{{end}}` sharing the outer {{end}}.
        skip_spaces();
        if (keyword == "else" && at("if") && (pos_ + 2 >= text_.size() || !is_ident_char(text_[pos_ + 2]))) {
          ended_by = "else if";
          return {};
        }
        PIER_CHECK(close_action());
        ended_by = keyword;
        return {};
      }
      if (keyword == "if" || keyword == "with" || keyword == "range") {
        pos_ += keyword.size();
        PIER_CHECK(parse_block(out, keyword, depth));
        continue;
      }
      Node action{Node::Kind::action, {}, {}, {}, {}};
      PIER_CHECK(parse_pipeline(action.pipe, depth, false));
      PIER_CHECK(close_action());
      out.push_back(std::move(action));
    }
    return {};
  }

  // After `{{if`, `{{with` or `{{range`: the pipeline, the body, an optional else part.
  Status parse_block(std::vector<Node>& out, const std::string& keyword, int depth) {
    Node block{keyword == "if" ? Node::Kind::if_ : keyword == "with" ? Node::Kind::with : Node::Kind::range, {}, {}, {}, {}};
    PIER_CHECK(parse_pipeline(block.pipe, depth, false));
    if (block.pipe.commands.empty()) return fail("missing value for " + keyword);
    PIER_CHECK(close_action());
    std::string ended_by;
    PIER_CHECK(parse_list(block.body, ended_by, depth + 1));
    if (ended_by == "else if") {
      pos_ += 2;  // "if": the else part is one nested {{if}} that consumes the {{end}}
      PIER_CHECK(parse_block(block.otherwise, "if", depth + 1));
      ended_by = "end";
    } else if (ended_by == "else") {
      PIER_CHECK(parse_list(block.otherwise, ended_by, depth + 1));
      if (ended_by == "else") return fail("{{else}} after {{else}} in {{" + keyword + "}}");
    }
    if (ended_by != "end") return fail("{{" + keyword + "}} without {{end}}");
    out.push_back(std::move(block));
    return {};
  }

  std::string peek_keyword() const {
    size_t end = pos_;
    while (end < text_.size() && is_ident_char(text_[end])) ++end;
    std::string word(text_.substr(pos_, end - pos_));
    if (word == "end" || word == "else" || word == "if" || word == "with" || word == "range") return word;
    return "";
  }

  Status close_action() {
    skip_spaces();
    if (at("-}}")) {
      trim_next_ = true;
      pos_ += 3;
      return {};
    }
    if (at("}}")) {
      pos_ += 2;
      return {};
    }
    return pos_ >= text_.size() ? fail("unclosed action (missing }})") : fail(fmt::format("unexpected '{}'", text_[pos_]));
  }

  bool at_action_end() const { return at("}}") || at("-}}") || pos_ >= text_.size(); }

  Status parse_pipeline(Pipeline& pipe, int depth, bool in_parens) {
    if (depth > kMaxDepth) return fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
    std::vector<Operand> command;
    for (;;) {
      skip_spaces();
      if (in_parens ? at(")") : at_action_end()) break;
      if (pos_ >= text_.size()) return fail("unclosed '('");
      if (text_[pos_] == '|') {
        if (command.empty()) return fail("missing command before '|'");
        pipe.commands.push_back(std::move(command));
        command.clear();
        ++pos_;
        continue;
      }
      PIER_TRY(Operand operand, parse_operand(depth));
      command.push_back(std::move(operand));
    }
    if (!command.empty()) pipe.commands.push_back(std::move(command));
    else if (!pipe.commands.empty()) return fail("missing command after '|'");
    if (!in_parens && pipe.commands.empty()) return fail("empty action");
    return {};
  }

  Result<std::vector<std::string>> parse_fields() {
    std::vector<std::string> path;
    while (pos_ < text_.size() && text_[pos_] == '.') {
      size_t start = ++pos_;
      while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
      if (pos_ == start) {
        if (!path.empty()) return fail("'.' without a field name");
        break;  // `.` alone
      }
      path.emplace_back(text_.substr(start, pos_ - start));
    }
    return path;
  }

  Result<Operand> parse_operand(int depth) {
    Operand op;
    char c = text_[pos_];
    if (c == '.') {
      PIER_TRY(op.path, parse_fields());
      return op;
    }
    if (c == '$') {
      ++pos_;
      op.kind = Operand::Kind::root;
      PIER_TRY(op.path, parse_fields());
      return op;
    }
    if (c == '(') {
      ++pos_;
      op.kind = Operand::Kind::sub;
      op.sub = std::make_unique<Pipeline>();
      PIER_CHECK(parse_pipeline(*op.sub, depth + 1, true));
      if (op.sub->commands.empty()) return fail("empty '()'");
      ++pos_;  // ')'
      if (pos_ < text_.size() && text_[pos_] == '.') {
        PIER_TRY(op.path, parse_fields());  // (index .A 0).Name
      }
      return op;
    }
    op.kind = Operand::Kind::literal;
    if (c == '"') return parse_quoted(std::move(op));
    if (c == '`') {
      size_t close = text_.find('`', pos_ + 1);
      if (close == std::string_view::npos) return fail("unclosed raw string");
      op.literal = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
      return op;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), n);
      if (ec != std::errc()) return fail("bad number");
      pos_ = static_cast<size_t>(end - text_.data());
      op.literal = n;
      return op;
    }
    if (is_ident_char(c)) {
      size_t start = pos_;
      while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
      std::string word(text_.substr(start, pos_ - start));
      if (word == "true" || word == "false") op.literal = word == "true";
      else if (word == "nil") op.literal = nullptr;
      else {
        op.kind = Operand::Kind::function;
        op.function = std::move(word);
      }
      return op;
    }
    return fail(fmt::format("unexpected '{}' (a field is written .Name)", c));
  }

  // A Go interpreted string: the escapes users write in --format ("\n", "\t", "\"").
  Result<Operand> parse_quoted(Operand op) {
    std::string value;
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        value += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case '\\': value += '\\'; break;
        case '"': value += '"'; break;
        default: return fail(fmt::format("unknown escape '\\{}' in a string", e));
      }
    }
    if (pos_ >= text_.size()) return fail("unclosed string");
    ++pos_;
    op.literal = std::move(value);
    return op;
  }

  std::string_view text_;
  size_t pos_ = 0;
  bool trim_next_ = false;
};

// ---- values -------------------------------------------------------------------------

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::object: return "map";
    case json::value_t::array: return "slice";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "bool";
    case json::value_t::null: return "nil";
    case json::value_t::number_float: return "float64";
    default: return "int";
  }
}

bool truthy(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return false;
    case json::value_t::boolean: return v.get<bool>();
    case json::value_t::string: return !v.get_ref<const std::string&>().empty();
    case json::value_t::array:
    case json::value_t::object: return !v.empty();
    case json::value_t::number_float: return v.get<double>() != 0;
    default: return v.get<int64_t>() != 0;
  }
}

std::string float_text(double d) {
  // Go's %v of a float64: the shortest digits, exponent form below 1e-4 or from 1e21.
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  if (std::isnan(d)) return "NaN";
  double a = std::fabs(d);
  if (a != 0 && (a < 1e-4 || a >= 1e21)) {
    std::string s = fmt::format("{:e}", d);
    return s;
  }
  return fmt::format("{}", d);
}

// A control character that could drive a terminal (ESC, BEL, CR, the C1 range) becomes
// a Go escape; tab and newline stay, as users join values with them.
std::string neutralise_controls(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string join_keys(const json& object) {
  std::string out;
  size_t n = 0;
  for (const auto& [key, _] : object.items()) {
    if (++n > 30) return out + ", …";
    out += (out.empty() ? "" : ", ") + key;
  }
  return out;
}

Result<json> field(const json& value, const std::vector<std::string>& path) {
  const json* v = &value;
  for (const auto& name : path) {
    if (!v->is_object())
      return Error(fmt::format("can't evaluate field {} in a {}", name, type_name(*v)));
    auto it = v->find(name);
    if (it == v->end())
      return Error(fmt::format("no field {} (the fields are {})", name, join_keys(*v)));
    v = &*it;
  }
  return *v;
}

Result<int64_t> integer_arg(const json& v, const char* function) {
  if (!v.is_number_integer()) return Error(fmt::format("{}: expected a number, got a {}", function, type_name(v)));
  return v.get<int64_t>();
}

Result<std::string> string_arg(const json& v, const char* function) {
  if (!v.is_string()) return Error(fmt::format("{}: expected a string, got a {}", function, type_name(v)));
  return v.get<std::string>();
}

// UTF-8 code points, as Go counts runes.
std::vector<std::string> runes(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    len = std::min(len, s.size() - i);
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

std::string title_case(const std::string& s) {
  std::string out = s;
  bool start = true;
  for (auto& c : out) {
    if (std::isalnum(static_cast<unsigned char>(c)) && start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    start = !std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '\'';
  }
  return out;
}

using Args = std::vector<json>;
using Function = std::function<Result<json>(const Args&)>;

Status arity(const Args& args, size_t n, const char* name) {
  if (args.size() != n) return Error(fmt::format("{} takes {} argument{}, got {}", name, n, n == 1 ? "" : "s", args.size()));
  return {};
}

const std::map<std::string, Function, std::less<>>& functions() {
  static const std::map<std::string, Function, std::less<>> table = {
      {"json", [](const Args& a) -> Result<json> {
         PIER_CHECK(arity(a, 1, "json"));
         return json(json_text(a[0]));
       }},
      {"upper", [](const Args& a) -> Result<json> {
         PIER_CHECK(arity(a, 1, "upper"));
         PIER_TRY(std::string s, string_arg(a[0], "upper"));
         for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
         return json(s);
       }},
      {"lower", [](const Args& a) -> Result<json> {
         PIER_CHECK(arity(a, 1, "lower"));
         PIER_TRY(std::string s, string_arg(a[0], "lower"));
         for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
         return json(s);
       }},
      {"title", [](const Args& a) -> Result<json> {
         PIER_CHECK(arity(a, 1, "title"));
         PIER_TRY(std::string s, string_arg(a[0], "title"));
         return json(title_case(s));
       }},
      {"split", [](const Args& a) -> Result<json> {
         PIER_CHECK(arity(a, 2, "split"));
         PIER_TRY(std::string s, string_arg(a[0], "split"));
         PIER_TRY(std::string sep, string_arg(a[1], "split"));
         json out = json::array();
         if (sep.empty()) {
           for (auto& r : runes(s)) out.push_back(r);
           return out;
         }
         size_t start = 0, at;
         while ((at = s.find(sep, start)) != std::string::npos) {
           out.push_back(s.substr(start, at - start));
           start = at + sep.size();
         }
         out.push_back(s.substr(start));
         return out;
       }},
      {"join", [](const Args& a) -> Result<json> {
         PIER_CHECK(arity(a, 2, "join"));
         PIER_TRY(std::string sep, string_arg(a[1], "join"));
         if (!a[0].is_array()) return Error(fmt::format("join: expected a list, got a {}", type_name(a[0])));
         std::string out;
         for (size_t i = 0; i < a[0].size(); ++i) out += (i ? sep : "") + go_value_text(a[0][i]);
         return json(out);
       }},
      {"pad", [](const Args& a) -> Result<json> {
         PIER_CHECK(arity(a, 3, "pad"));
         PIER_TRY(std::string s, string_arg(a[0], "pad"));
         PIER_TRY(int64_t left, integer_arg(a[1], "pad"));
         PIER_TRY(int64_t right, integer_arg(a[2], "pad"));
         if (left < 0 || right < 0 || left > 1024 || right > 1024) return Error("pad: widths must be 0 to 1024");
         return json(std::string(static_cast<size_t>(left), ' ') + s + std::string(static_cast<size_t>(right), ' '));
       }},
      {"truncate", [](const Args& a) -> Result<json> {
         PIER_CHECK(arity(a, 2, "truncate"));
         PIER_TRY(std::string s, string_arg(a[0], "truncate"));
         PIER_TRY(int64_t n, integer_arg(a[1], "truncate"));
         auto rs = runes(s);
         if (n < 0 || static_cast<size_t>(n) >= rs.size()) return json(s);
         std::string out;
         for (int64_t i = 0; i < n; ++i) out += rs[static_cast<size_t>(i)];
         return json(out);
       }},
      {"len", [](const Args& a) -> Result<json> {
         PIER_CHECK(arity(a, 1, "len"));
         if (a[0].is_string()) return json(a[0].get_ref<const std::string&>().size());
         if (a[0].is_array() || a[0].is_object()) return json(a[0].size());
         return Error(fmt::format("len of a {}", type_name(a[0])));
       }},
      {"index", [](const Args& a) -> Result<json> {
         if (a.empty()) return Error("index takes a value and keys");
         json v = a[0];
         for (size_t i = 1; i < a.size(); ++i) {
           if (v.is_object() && a[i].is_string()) {
             auto it = v.find(a[i].get<std::string>());
             v = it == v.end() ? json(nullptr) : *it;
           } else if (v.is_array() && a[i].is_number_integer()) {
             int64_t n = a[i].get<int64_t>();
             if (n < 0 || static_cast<size_t>(n) >= v.size()) return Error(fmt::format("index {} out of range", n));
             v = v[static_cast<size_t>(n)];
           } else {
             return Error(fmt::format("can't index a {} with a {}", type_name(v), type_name(a[i])));
           }
         }
         return v;
       }},
      {"print", [](const Args& a) -> Result<json> {
         std::string out;
         for (size_t i = 0; i < a.size(); ++i) {
           // Sprint: a space between operands when neither is a string.
           if (i && !a[i].is_string() && !a[i - 1].is_string()) out += ' ';
           out += go_value_text(a[i]);
         }
         return json(out);
       }},
      {"println", [](const Args& a) -> Result<json> {
         std::string out;
         for (size_t i = 0; i < a.size(); ++i) out += (i ? " " : "") + go_value_text(a[i]);
         return json(out + "\n");
       }},
      {"not", [](const Args& a) -> Result<json> {
         PIER_CHECK(arity(a, 1, "not"));
         return json(!truthy(a[0]));
       }},
      {"and", [](const Args& a) -> Result<json> {
         if (a.empty()) return Error("and takes at least one argument");
         for (const auto& v : a)
           if (!truthy(v)) return v;
         return a.back();
       }},
      {"or", [](const Args& a) -> Result<json> {
         if (a.empty()) return Error("or takes at least one argument");
         for (const auto& v : a)
           if (truthy(v)) return v;
         return a.back();
       }},
      {"eq", [](const Args& a) -> Result<json> {
         if (a.size() < 2) return Error("eq takes at least two arguments");
         for (size_t i = 1; i < a.size(); ++i)
           if (a[0] == a[i]) return json(true);
         return json(false);
       }},
      {"ne", [](const Args& a) -> Result<json> {
         PIER_CHECK(arity(a, 2, "ne"));
         return json(a[0] != a[1]);
       }},
  };
  return table;
}

// ---- execution ----------------------------------------------------------------------

class Executor {
 public:
  explicit Executor(const json& root) : root_(root) {}

  Status run(const std::vector<Node>& nodes, const json& dot, std::string& out) {
    for (const auto& node : nodes) PIER_CHECK(run(node, dot, out));
    return {};
  }

 private:
  Status run(const Node& node, const json& dot, std::string& out) {
    switch (node.kind) {
      case Node::Kind::list: return run(node.body, dot, out);
      case Node::Kind::text: out += node.text; return {};
      case Node::Kind::action: {
        PIER_TRY(json value, pipeline(node.pipe, dot));
        out += neutralise_controls(go_value_text(value));
        return {};
      }
      case Node::Kind::if_: {
        PIER_TRY(json value, pipeline(node.pipe, dot));
        return run(truthy(value) ? node.body : node.otherwise, dot, out);
      }
      case Node::Kind::with: {
        PIER_TRY(json value, pipeline(node.pipe, dot));
        return truthy(value) ? run(node.body, value, out) : run(node.otherwise, dot, out);
      }
      case Node::Kind::range: {
        PIER_TRY(json value, pipeline(node.pipe, dot));
        if (!value.is_null() && !value.is_array() && !value.is_object())
          return Error(fmt::format("range can't iterate over a {}", type_name(value)));
        if (value.empty()) return run(node.otherwise, dot, out);
        for (const auto& element : value) PIER_CHECK(run(node.body, element, out));
        return {};
      }
    }
    return {};
  }

  Result<json> pipeline(const Pipeline& pipe, const json& dot) {
    std::optional<json> previous;
    for (const auto& command : pipe.commands) {
      PIER_TRY(json value, run_command(command, dot, previous));
      previous = std::move(value);
    }
    return previous ? std::move(*previous) : json(nullptr);
  }

  Result<json> run_command(const std::vector<Operand>& command, const json& dot, const std::optional<json>& piped) {
    const Operand& head = command.front();
    if (head.kind != Operand::Kind::function) {
      if (command.size() > 1 || piped) return Error("only a function can take arguments (did you mean {{json .}}?)");
      return operand(head, dot);
    }
    auto it = functions().find(head.function);
    if (it == functions().end()) return Error(fmt::format("function \"{}\" not defined", head.function));
    Args args;
    for (size_t i = 1; i < command.size(); ++i) {
      PIER_TRY(json value, operand(command[i], dot));
      args.push_back(std::move(value));
    }
    if (piped) args.push_back(*piped);
    return it->second(args);
  }

  Result<json> operand(const Operand& op, const json& dot) {
    switch (op.kind) {
      case Operand::Kind::dot: return field(dot, op.path);
      case Operand::Kind::root: return field(root_, op.path);
      case Operand::Kind::literal: return op.literal;
      case Operand::Kind::sub: {
        PIER_TRY(json value, pipeline(*op.sub, dot));
        return field(value, op.path);
      }
      case Operand::Kind::function: {
        auto it = functions().find(op.function);
        if (it == functions().end()) return Error(fmt::format("function \"{}\" not defined", op.function));
        return it->second({});
      }
    }
    return json(nullptr);
  }

  const json& root_;
};

}  // namespace

std::string go_value_text(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "<no value>";
    case json::value_t::string: return value.get<std::string>();
    case json::value_t::boolean: return value.get<bool>() ? "true" : "false";
    case json::value_t::number_integer: return std::to_string(value.get<int64_t>());
    case json::value_t::number_unsigned: return std::to_string(value.get<uint64_t>());
    case json::value_t::number_float: return float_text(value.get<double>());
    case json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < value.size(); ++i) out += (i ? " " : "") + go_value_text(value[i]);
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [key, v] : value.items()) {
        out += (first ? "" : " ") + key + ":" + go_value_text(v);
        first = false;
      }
      return out + "]";
    }
    default: return "";
  }
}

std::string json_text(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

Template::Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;
Template::~Template() = default;

Result<Template> Template::parse(std::string_view text) {
  PIER_TRY(Node root, Parser(text).parse());
  Template t;
  t.root_ = std::make_unique<Node>(std::move(root));
  return t;
}

Result<std::string> Template::render(const json& dot) const {
  std::string out;
  PIER_CHECK(Executor(dot).run(root_->body, dot, out));
  return out;
}

}  // namespace pier::app::format
