#include "builder/dockerfile/instruction.h"

#include <cctype>
#include <span>

#include "base/strings.h"
#include "builder/dockerfile/words.h"

namespace pier::builder {

namespace detail {

namespace {

using Kind = InstructionKind;

enum class FlagType { boolean, string, strings };
struct FlagSpec {
  std::string_view name;
  FlagType type;
};

// Docker's flags per instruction (BuildKit's stable frontend; labs-only flags such as
// RUN --security or --device are unknown, as without `# syntax=...-labs`).
constexpr FlagSpec kFromFlags[] = {{"platform", FlagType::string}};
constexpr FlagSpec kRunFlags[] = {{"mount", FlagType::strings}, {"network", FlagType::string}};
constexpr FlagSpec kCopyFlags[] = {
    {"from", FlagType::string},     {"chown", FlagType::string},   {"chmod", FlagType::string},
    {"link", FlagType::boolean},    {"exclude", FlagType::strings}, {"parents", FlagType::boolean}};
constexpr FlagSpec kAddFlags[] = {
    {"chown", FlagType::string},   {"chmod", FlagType::string},         {"link", FlagType::boolean},
    {"exclude", FlagType::strings}, {"checksum", FlagType::string},     {"keep-git-dir", FlagType::boolean},
    {"unpack", FlagType::boolean}};
constexpr FlagSpec kHealthcheckFlags[] = {{"interval", FlagType::string},
                                          {"timeout", FlagType::string},
                                          {"start-period", FlagType::string},
                                          {"start-interval", FlagType::string},
                                          {"retries", FlagType::string}};

std::span<const FlagSpec> flags_of(Kind kind) {
  switch (kind) {
    case Kind::from: return kFromFlags;
    case Kind::run: return kRunFlags;
    case Kind::copy: return kCopyFlags;
    case Kind::add: return kAddFlags;
    case Kind::healthcheck: return kHealthcheckFlags;
    default: return {};
  }
}

// How the arguments after the flags are cut (Docker's dispatch table of line parsers).
enum class ArgForm { list, command, arg, key_value, words, string, healthcheck, onbuild };

struct Keyword {
  std::string_view name;
  Kind kind;
  ArgForm form;
};

constexpr Keyword kKeywords[] = {
    {"from", Kind::from, ArgForm::words},           {"arg", Kind::arg, ArgForm::arg},
    {"env", Kind::env, ArgForm::key_value},         {"run", Kind::run, ArgForm::command},
    {"copy", Kind::copy, ArgForm::list},            {"add", Kind::add, ArgForm::list},
    {"workdir", Kind::workdir, ArgForm::string},    {"user", Kind::user, ArgForm::string},
    {"expose", Kind::expose, ArgForm::words},       {"volume", Kind::volume, ArgForm::list},
    {"label", Kind::label, ArgForm::key_value},     {"entrypoint", Kind::entrypoint, ArgForm::command},
    {"cmd", Kind::cmd, ArgForm::command},           {"healthcheck", Kind::healthcheck, ArgForm::healthcheck},
    {"stopsignal", Kind::stopsignal, ArgForm::string}, {"shell", Kind::shell, ArgForm::command},
    {"onbuild", Kind::onbuild, ArgForm::onbuild},   {"maintainer", Kind::maintainer, ArgForm::string},
};

const Keyword* find_keyword(std::string_view word) {
  std::string lower = to_lower(word);
  for (const auto& k : kKeywords)
    if (k.name == lower) return &k;
  return nullptr;
}

Error unknown_instruction(std::string_view word) {
  std::vector<std::string> names;
  for (const auto& k : kKeywords) names.emplace_back(instruction_name(k.kind));
  std::string upper;
  for (char c : word) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Error error("unknown instruction: " + upper);
  std::string guess = closest_match(upper, names);
  if (!guess.empty()) error.hint("did you mean " + guess + "?");
  return error;
}

// Checks the `--name[=value]` words against the instruction's flags, as BuildKit's
// BFlags.Parse: unknown names, repeats (but for list flags), missing values.
Status parse_flags(Kind kind, const std::vector<std::string>& words, Instruction& out) {
  std::string_view name_of = instruction_name(kind);
  auto specs = flags_of(kind);
  for (const auto& word : words) {
    std::string_view text(word);
    text.remove_prefix(2);  // "--"
    size_t eq = text.find('=');
    std::string name(text.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view() : text.substr(eq + 1));
    const FlagSpec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == name) spec = &s;
    if (!spec) {
      if (specs.empty()) return Error(std::string(name_of) + " takes no flags: `--" + name + "`");
      std::vector<std::string> known;
      for (const auto& s : specs) known.emplace_back(s.name);
      Error error(std::string(name_of) + ": unknown flag `--" + name + "`");
      std::string guess = closest_match(name, known);
      error.hint(guess.empty() ? "its flags are --" + join(known, ", --") : "did you mean --" + guess + "?");
      return error;
    }
    bool repeated = false;
    for (const auto& [n, v] : out.flags) repeated = repeated || n == name;
    if (repeated && spec->type != FlagType::strings)
      return Error(std::string(name_of) + ": the flag --" + name + " is given twice");
    if (spec->type == FlagType::boolean) {
      if (eq != std::string_view::npos && value.empty())
        return Error(std::string(name_of) + ": --" + name + "= needs a value (true or false)");
      std::string lower = to_lower(value);
      if (!lower.empty() && lower != "true" && lower != "false")
        return Error(std::string(name_of) + ": --" + name + " expects true or false, not `" + value + "`");
    } else if (eq == std::string_view::npos) {
      return Error(std::string(name_of) + ": --" + name + " needs a value (--" + name + "=<value>)");
    }
    out.flags.emplace_back(std::move(name), std::move(value));
  }
  return {};
}

Error not_strings(Kind kind) {
  return Error(std::string(instruction_name(kind)) + ": a JSON array (exec form) must hold only strings");
}

// ADD, COPY, VOLUME: a JSON array, or words split at whitespace (quotes not honoured
// here: Docker leaves them to the substitution of each word).
Status parse_list(Kind kind, std::string_view rest, Instruction& out) {
  switch (parse_json_array(rest, out.args)) {
    case JsonArray::ok: out.json_form = true; return {};
    case JsonArray::not_strings: return not_strings(kind);
    case JsonArray::not_json: out.args = split_whitespace(rest); return {};
  }
  return {};
}

// RUN, CMD, ENTRYPOINT, SHELL: a JSON array, or the whole text as one shell command.
Status parse_command(Kind kind, std::string_view rest, Instruction& out) {
  if (rest.empty()) return {};
  switch (parse_json_array(rest, out.args)) {
    case JsonArray::ok: out.json_form = true; return {};
    case JsonArray::not_strings: return not_strings(kind);
    case JsonArray::not_json: out.args = {std::string(rest)}; return {};
  }
  return {};
}

// ENV and LABEL: `key=value ...` pairs, or the legacy `key value` (everything after the
// first word is the value). `args` holds key, value, key, value...
Status parse_key_values(Kind kind, std::string_view rest, char escape, Instruction& out) {
  std::string name(instruction_name(kind));
  auto words = parse_words(rest, escape);
  if (words.empty()) return {};
  if (words[0].find('=') == std::string::npos) {
    auto [key, value] = split_first_word(rest);
    if (value.empty())
      return Error(name + " `" + std::string(key) + "` has no value (write " + name + " " + std::string(key) +
                   "=value)");
    out.args = {std::string(key), std::string(value)};
    return {};
  }
  for (const auto& word : words) {
    size_t eq = word.find('=');
    if (eq == std::string::npos)
      return Error(name + ": `" + word + "` has no `=`; each pair must be of the form name=value");
    out.args.push_back(word.substr(0, eq));
    out.args.push_back(word.substr(eq + 1));
  }
  return {};
}

// HEALTHCHECK: a type word (CMD or NONE), then a command as RUN's.
Status parse_healthcheck(std::string_view rest, Instruction& out) {
  auto [type, command] = split_first_word(rest);
  if (type.empty()) return {};
  Instruction cmd;
  PIER_CHECK(parse_command(Kind::healthcheck, command, cmd));
  out.args.push_back(std::string(type));
  out.args.insert(out.args.end(), cmd.args.begin(), cmd.args.end());
  out.json_form = cmd.json_form;
  return {};
}

bool may_have_heredocs(const Instruction& ins) {
  return (ins.kind == Kind::run || ins.kind == Kind::copy || ins.kind == Kind::add) && !ins.json_form;
}

// ONBUILD: the trigger is an instruction of its own, checked now (Docker checks only
// its keyword and runs it in the builds that use the image).
Result<ParsedLine> parse_onbuild(std::string_view rest, char escape, ParsedLine out) {
  if (rest.empty()) return out;
  auto trigger = parse_instruction(rest, escape);
  if (!trigger) return std::move(trigger).error().context("ONBUILD");
  Kind kind = trigger->instruction.kind;
  if (kind == Kind::onbuild) return Error("ONBUILD ONBUILD is not allowed (triggers cannot chain)");
  if (kind == Kind::from || kind == Kind::maintainer)
    return Error(std::string(instruction_name(kind)) + " is not allowed as an ONBUILD trigger");
  out.instruction.args = {std::string(rest)};
  out.takes_heredocs = trigger->takes_heredocs;
  return out;
}

}  // namespace

std::optional<InstructionKind> instruction_kind(std::string_view keyword) {
  const Keyword* k = find_keyword(keyword);
  if (!k) return std::nullopt;
  return k->kind;
}

Result<ParsedLine> parse_instruction(std::string_view line, char escape) {
  line = trim_space(line);
  auto [keyword, after] = split_first_word(line);
  const Keyword* k = find_keyword(keyword);
  if (!k) return unknown_instruction(keyword);
  ParsedLine out;
  Instruction& ins = out.instruction;
  ins.kind = k->kind;
  ins.text = std::string(line);
  auto flags = extract_flags(after);
  PIER_CHECK(parse_flags(k->kind, flags.words, ins));
  std::string_view rest = trim_space(flags.rest);
  ins.rest = std::string(rest);
  switch (k->form) {
    case ArgForm::list: PIER_CHECK(parse_list(k->kind, rest, ins)); break;
    case ArgForm::command: PIER_CHECK(parse_command(k->kind, rest, ins)); break;
    case ArgForm::arg: ins.args = parse_words(rest, escape); break;
    case ArgForm::key_value: PIER_CHECK(parse_key_values(k->kind, rest, escape, ins)); break;
    case ArgForm::words: ins.args = split_whitespace(rest); break;
    case ArgForm::string: if (!rest.empty()) ins.args = {std::string(rest)}; break;
    case ArgForm::healthcheck: PIER_CHECK(parse_healthcheck(rest, ins)); break;
    case ArgForm::onbuild: return parse_onbuild(rest, escape, std::move(out));
  }
  out.takes_heredocs = may_have_heredocs(ins);
  return out;
}

}  // namespace detail

const char* instruction_name(InstructionKind kind) {
  switch (kind) {
    case InstructionKind::from: return "FROM";
    case InstructionKind::arg: return "ARG";
    case InstructionKind::env: return "ENV";
    case InstructionKind::run: return "RUN";
    case InstructionKind::copy: return "COPY";
    case InstructionKind::add: return "ADD";
    case InstructionKind::workdir: return "WORKDIR";
    case InstructionKind::user: return "USER";
    case InstructionKind::expose: return "EXPOSE";
    case InstructionKind::volume: return "VOLUME";
    case InstructionKind::label: return "LABEL";
    case InstructionKind::entrypoint: return "ENTRYPOINT";
    case InstructionKind::cmd: return "CMD";
    case InstructionKind::healthcheck: return "HEALTHCHECK";
    case InstructionKind::stopsignal: return "STOPSIGNAL";
    case InstructionKind::shell: return "SHELL";
    case InstructionKind::onbuild: return "ONBUILD";
    case InstructionKind::maintainer: return "MAINTAINER";
  }
  return "?";
}

}  // namespace pier::builder

namespace pier::builder::detail {

// Docker's rule: `^[a-z][a-z0-9-_.]*$` after lower-casing.
Result<std::string> from_stage_name(const Instruction& from) {
  const auto& args = from.args;
  if (args.size() == 1) return std::string();
  if (args.size() != 3 || to_lower(args[1]) != "as")
    return Error("FROM requires either one or three arguments: FROM <image> [AS <name>]");
  std::string name = to_lower(args[2]);
  bool valid = name[0] >= 'a' && name[0] <= 'z';
  for (char c : name)
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
  if (!valid)
    return Error("invalid name for build stage: \"" + args[2] +
                 "\", name can't start with a number or contain symbols");
  return name;
}

}  // namespace pier::builder::detail
