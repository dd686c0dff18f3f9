// expand(): one instruction and the variables in scope -> its typed command. Which
// instructions substitute is Docker's list: ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL
// USER VOLUME WORKDIR ARG; RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD and
// MAINTAINER keep their text (the shell, or the later build, sees the variables).
#include "base/strings.h"
#include "builder/dockerfile/expander.h"
#include "builder/dockerfile/instruction.h"
#include "builder/dockerfile/lex.h"
#include "builder/dockerfile/values.h"

namespace pier::builder {

namespace detail {

namespace {

Status exactly_one(const Expander& ex) {
  if (ex.instruction().args.size() != 1) return ex.error("requires exactly one argument");
  return {};
}

Status at_least_one(const Expander& ex) {
  if (ex.instruction().args.empty()) return ex.error("requires at least one argument");
  return {};
}

Result<Command> expand_from(const Expander& ex) {
  const Instruction& ins = ex.instruction();
  auto name = from_stage_name(ins);
  if (!name) return ex.locate(std::move(name).error());
  FromCommand out;
  out.name = std::move(*name);
  PIER_TRY(out.image, ex.word(ins.args[0]));
  if (out.image.empty() && ex.settled(ins.args[0]))
    return ex.error("base image `" + ins.args[0] + "` is empty after substitution");
  if (auto platform = ex.flag("platform")) {
    PIER_TRY(out.platform, ex.word(*platform));
  }
  return Command(std::move(out));
}

// ARG name[=default] ...: split at the first '=' before substitution, as Docker does.
Result<Command> expand_arg(const Expander& ex) {
  PIER_CHECK(at_least_one(ex));
  ArgCommand out;
  for (const auto& word : ex.instruction().args) {
    size_t eq = word.find('=');
    std::string_view key = std::string_view(word).substr(0, eq);
    if (key.empty()) return ex.error("names can not be blank: `" + word + "`");
    PIER_TRY(std::string name, ex.word(key));
    std::optional<std::string> value;
    if (eq != std::string::npos) {
      PIER_TRY(value, ex.word(std::string_view(word).substr(eq + 1)));
    }
    out.args.emplace_back(std::move(name), std::move(value));
  }
  return Command(std::move(out));
}

// ENV and LABEL: the parser left key, value, key, value... with their quotes.
Result<std::vector<std::pair<std::string, std::string>>> expand_pairs(const Expander& ex) {
  PIER_CHECK(at_least_one(ex));
  const auto& args = ex.instruction().args;
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i].empty()) return ex.error("names can not be blank");
    PIER_TRY(std::string key, ex.word(args[i]));
    if (key.empty() && ex.settled(args[i])) return ex.error("name `" + args[i] + "` is empty after substitution");
    PIER_TRY(std::string value, ex.word(args[i + 1]));
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Result<std::string> expand_single(const Expander& ex) {
  PIER_CHECK(exactly_one(ex));
  return ex.word(ex.instruction().args[0]);
}

Result<Command> expand_volume(const Expander& ex) {
  PIER_CHECK(at_least_one(ex));
  VolumeCommand out;
  for (const auto& raw : ex.instruction().args) {
    if (trim(raw).empty()) return ex.error("paths can not be empty");
    PIER_TRY(std::string path, ex.word(raw));
    if (path.empty() && ex.settled(raw)) return ex.error("path `" + raw + "` is empty after substitution");
    out.paths.push_back(std::move(path));
  }
  return Command(std::move(out));
}

Result<Command> expand_stopsignal(const Expander& ex) {
  PIER_TRY(std::string signal, expand_single(ex));
  if (ex.settled(ex.instruction().args[0]) && !is_signal(signal))
    return ex.error("`" + signal + "` is not a signal").hint("use a name such as SIGTERM or SIGQUIT, or a number");
  return Command(StopsignalCommand{std::move(signal)});
}

Result<Command> expand_shell(const Expander& ex) {
  const Instruction& ins = ex.instruction();
  if (ins.args.empty()) return ex.error("requires at least one argument");
  if (!ins.json_form)
    return ex.error("requires the arguments in JSON form").hint("write SHELL [\"/bin/bash\", \"-c\"]");
  return Command(ShellCommand{ins.args});
}

Result<Command> expand_exec(const Expander& ex) {
  const Instruction& ins = ex.instruction();
  ExecCommand out;
  out.entrypoint = ins.kind == InstructionKind::entrypoint;
  out.argv = ins.args;
  out.shell_form = !ins.json_form && !ins.args.empty();
  return Command(std::move(out));
}

// ONBUILD keeps the trigger as written (heredoc bodies appended, as Docker stores
// them); the dry run checks the trigger as the instruction it will be.
Result<Command> expand_onbuild(const Expander& ex, const Dockerfile& file, bool dry) {
  const Instruction& ins = ex.instruction();
  PIER_CHECK(at_least_one(ex));
  OnbuildCommand out{ins.args[0]};
  for (const auto& heredoc : ins.heredocs) out.instruction += "\n" + heredoc.content + heredoc.name;
  if (dry) {
    auto trigger = parse_instruction(ins.args[0], file.escape);
    if (!trigger) return ex.locate(std::move(trigger).error()).context("ONBUILD");
    trigger->instruction.line = ins.line;
    trigger->instruction.heredocs = ins.heredocs;
    auto checked = expand_instruction(file, trigger->instruction, dry_lookup(), true);
    if (!checked) return std::move(checked).error().context("ONBUILD");
  }
  return Command(std::move(out));
}

}  // namespace

Result<Command> expand_instruction(const Dockerfile& file, const Instruction& ins, const VariableLookup& lookup,
                                   bool dry) {
  Expander ex(file, ins, lookup, dry);
  switch (ins.kind) {
    case InstructionKind::from: return expand_from(ex);
    case InstructionKind::arg: return expand_arg(ex);
    case InstructionKind::env: {
      PIER_TRY(auto vars, expand_pairs(ex));
      return Command(EnvCommand{std::move(vars)});
    }
    case InstructionKind::label: {
      PIER_TRY(auto labels, expand_pairs(ex));
      return Command(LabelCommand{std::move(labels)});
    }
    case InstructionKind::run: return expand_run(ex);
    case InstructionKind::copy:
    case InstructionKind::add: return expand_copy(ex);
    case InstructionKind::workdir: {
      PIER_TRY(std::string path, expand_single(ex));
      return Command(WorkdirCommand{std::move(path)});
    }
    case InstructionKind::user: {
      PIER_TRY(std::string user, expand_single(ex));
      return Command(UserCommand{std::move(user)});
    }
    case InstructionKind::expose: return expand_expose(ex);
    case InstructionKind::volume: return expand_volume(ex);
    case InstructionKind::entrypoint:
    case InstructionKind::cmd: return expand_exec(ex);
    case InstructionKind::healthcheck: return expand_healthcheck(ex);
    case InstructionKind::stopsignal: return expand_stopsignal(ex);
    case InstructionKind::shell: return expand_shell(ex);
    case InstructionKind::onbuild: return expand_onbuild(ex, file, dry);
    case InstructionKind::maintainer: {
      PIER_CHECK(exactly_one(ex));
      return Command(MaintainerCommand{ins.args[0]});
    }
  }
  return ex.error("is not handled");
}

const VariableLookup& dry_lookup() {
  static const VariableLookup lookup = [](std::string_view) { return std::optional<std::string>("x"); };
  return lookup;
}

// --- Expander ---

Result<std::string> Expander::word(std::string_view raw) const {
  LexOptions options;
  options.escape = file_.escape;
  auto out = Lexer(raw, lookup_, options).word();
  if (!out) return error("`" + std::string(raw) + "`: " + out.error().message());
  return out;
}

Result<std::vector<std::string>> Expander::words(std::string_view raw) const {
  LexOptions options;
  options.escape = file_.escape;
  auto out = Lexer(raw, lookup_, options).words();
  if (!out) return error("`" + std::string(raw) + "`: " + out.error().message());
  return out;
}

Result<std::string> Expander::body(std::string_view raw) const {
  LexOptions options;
  options.quotes = false;  // the escape character is always `\` in bodies
  auto out = Lexer(raw, lookup_, options).word();
  if (!out) return error("heredoc: " + out.error().message());
  return out;
}

Error Expander::locate(Error error) const {
  return std::move(error).at(file_.path + ":" + std::to_string(instruction_.line));
}

Error Expander::error(std::string_view message) const {
  return locate(Error(std::string(name()) + " " + std::string(message)));
}

std::optional<std::string> Expander::flag(std::string_view name) const {
  std::optional<std::string> out;
  for (const auto& [n, v] : instruction_.flags)
    if (n == name) out = v;
  return out;
}

std::vector<std::string> Expander::flag_values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : instruction_.flags)
    if (n == name) out.push_back(v);
  return out;
}

std::optional<bool> Expander::flag_bool(std::string_view name) const {
  auto value = flag(name);
  if (!value) return std::nullopt;
  return to_lower(*value) != "false";
}

}  // namespace detail

Result<Command> expand(const Dockerfile& file, const Instruction& instruction, const VariableLookup& lookup) {
  return detail::expand_instruction(file, instruction, lookup, /*dry=*/false);
}

}  // namespace pier::builder
