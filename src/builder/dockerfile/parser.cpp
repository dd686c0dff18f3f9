// parse_dockerfile: directives, logical lines, instructions, heredoc bodies, stages,
// and a dry run of `expand` over every instruction, so that mistakes which do not
// depend on variables are reported now, with their line, rather than mid-build.
#include <set>

#include "base/strings.h"
#include "builder/dockerfile/dockerfile.h"
#include "builder/dockerfile/expander.h"
#include "builder/dockerfile/heredoc.h"
#include "builder/dockerfile/instruction.h"
#include "builder/dockerfile/lines.h"

namespace pier::builder {

namespace {

using detail::LogicalLine;

std::string location(const Dockerfile& file, int line) { return file.path + ":" + std::to_string(line); }

Status apply_directives(std::string_view text, Dockerfile& file) {
  std::set<std::string> seen;
  for (const auto& d : detail::read_directives(text)) {
    if (!seen.insert(d.key).second)
      return Error("only one `" + d.key + "` parser directive can be used").at(location(file, d.line));
    if (d.key == "escape") {
      if (d.value != "\\" && d.value != "`")
        return Error("invalid escape character `" + d.value + "` in the escape directive (use \\ or `)")
            .at(location(file, d.line));
      file.escape = d.value[0];
    } else if (d.key == "syntax") {
      file.syntax = d.value;
    }
  }
  return {};
}

Status add_to_stages(Dockerfile& file, Instruction ins) {
  if (ins.kind == InstructionKind::from) {
    auto name = detail::from_stage_name(ins);
    if (!name) return std::move(name).error().at(location(file, ins.line));
    for (const auto& stage : file.stages)
      if (!name->empty() && stage.name == *name)
        return Error("duplicate stage name \"" + *name + "\" (first at line " + std::to_string(stage.from.line) + ")")
            .at(location(file, ins.line));
    Stage stage;
    stage.index = static_cast<int>(file.stages.size());
    stage.name = std::move(*name);
    stage.from = std::move(ins);
    file.stages.push_back(std::move(stage));
    return {};
  }
  if (!file.stages.empty()) {
    file.stages.back().instructions.push_back(std::move(ins));
    return {};
  }
  if (ins.kind != InstructionKind::arg)
    return Error(std::string(instruction_name(ins.kind)) + " before the first FROM: only ARG may come before FROM")
        .at(location(file, ins.line));
  file.global_args.push_back(std::move(ins));
  return {};
}

Result<Instruction> read_instruction(Dockerfile& file, detail::LineReader& reader, const LogicalLine& logical) {
  auto parsed = detail::parse_instruction(logical.text, file.escape);
  if (!parsed) return std::move(parsed).error().at(location(file, logical.line));
  Instruction ins = std::move(parsed->instruction);
  ins.line = logical.line;
  if (parsed->takes_heredocs) {
    ins.heredocs = detail::find_heredocs(logical.text);
    Status bodies = detail::read_heredoc_bodies(reader, ins.heredocs);
    if (!bodies)
      return std::move(bodies).error().context(instruction_name(ins.kind)).at(location(file, ins.line));
  }
  return ins;
}

// Runs expand on the instruction with every variable set to a placeholder.
Status dry_run(const Dockerfile& file, const Instruction& ins) {
  auto typed = detail::expand_instruction(file, ins, detail::dry_lookup(), /*dry=*/true);
  if (!typed) return std::move(typed).error();
  return {};
}

// Reads one instruction, heredoc bodies included, and checks it.
Result<Instruction> next_instruction(Dockerfile& file, detail::LineReader& reader, const LogicalLine& logical) {
  auto ins = read_instruction(file, reader, logical);
  Status checked = ins ? dry_run(file, *ins) : Status(std::move(ins).error());
  if (!checked) {
    Error error = std::move(checked).error();
    if (logical.open_at_end) error.hint("the file ends inside a line continuation");
    return error;
  }
  return ins;
}

}  // namespace

Result<Dockerfile> parse_dockerfile(std::string_view text, std::string path) {
  Dockerfile file;
  file.path = path.empty() ? "Dockerfile" : std::move(path);
  PIER_CHECK(apply_directives(text, file));
  detail::LineReader reader(text);
  bool any = false;
  while (auto logical = detail::next_logical_line(reader, file.escape, file.path, file.warnings)) {
    any = true;
    PIER_TRY(Instruction ins, next_instruction(file, reader, *logical));
    PIER_CHECK(add_to_stages(file, std::move(ins)));
  }
  if (!any) return Error("the Dockerfile has no instructions").at(file.path);
  if (file.stages.empty())
    return Error("no FROM instruction: a Dockerfile needs at least one stage (FROM <image>)").at(file.path);
  return file;
}

Result<int> Dockerfile::stage_index(std::string_view target) const {
  if (stages.empty()) return Error("the Dockerfile has no stages").at(path);
  if (target.empty()) return static_cast<int>(stages.size()) - 1;
  std::string wanted = to_lower(target);
  std::vector<std::string> names;
  for (const auto& stage : stages) {
    if (stage.name == wanted) return stage.index;
    if (!stage.name.empty()) names.push_back(stage.name);
  }
  Error error("target stage \"" + std::string(target) + "\" could not be found");
  error.at(path);
  error.hint(names.empty() ? "the Dockerfile names no stage (FROM <image> AS <name>)"
                           : "its stages are " + join(names, ", "));
  return error;
}

}  // namespace pier::builder
