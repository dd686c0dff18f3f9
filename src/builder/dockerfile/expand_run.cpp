// RUN: exec or shell form, heredocs, --mount and --network kept as written. Nothing is
// substituted: the shell sees the variables.
#include "builder/dockerfile/expander.h"
#include "builder/dockerfile/heredoc.h"

namespace pier::builder::detail {

namespace {

// `RUN <<EOF` alone runs the body; with anything else on the line the shell gets the
// line and the bodies back as a real heredoc (BuildKit's dispatchRun does the same).
void shell_command(const Instruction& ins, RunCommand& out) {
  const std::string command = ins.args.empty() ? std::string() : ins.args[0];
  for (const auto& heredoc : ins.heredocs) {
    Heredoc body = heredoc;
    body.content = heredoc_body(heredoc);
    out.heredocs.push_back(std::move(body));
  }
  if (out.heredocs.empty()) {
    out.argv = {command};
  } else if (parse_heredoc_word(command)) {
    out.argv = {out.heredocs.front().content};
    out.heredoc_script = true;
  } else {
    std::string full = command;
    for (const auto& heredoc : ins.heredocs) full += "\n" + heredoc.content + heredoc.name;
    out.argv = {std::move(full)};
  }
}

}  // namespace

Result<Command> expand_run(const Expander& ex) {
  const Instruction& ins = ex.instruction();
  RunCommand out;
  out.mounts = ex.flag_values("mount");
  out.network = ex.flag("network").value_or("");
  if (!out.network.empty() && out.network != "none" && out.network != "host" && out.network != "default")
    return ex.error("--network=" + out.network + " is not a network mode").hint("use none, host or default");
  if (ins.args.empty() && ins.heredocs.empty()) return ex.error("requires at least one argument");
  out.shell_form = !ins.json_form;
  if (ins.json_form) {
    out.argv = ins.args;
    if (out.argv.empty()) return ex.error("requires at least one argument: the JSON array is empty");
  } else {
    shell_command(ins, out);
  }
  return Command(std::move(out));
}

}  // namespace pier::builder::detail
