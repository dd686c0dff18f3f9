// One instruction on a stage: expanded with the stage's variables, then either a change
// to the image config (here) or a new layer (RUN and COPY/ADD, in their own files). A
// config change is recorded in the history as an empty layer.
#include <chrono>

#include "builder/executor/executor_steps.h"
#include "builder/executor/path_parts.h"

namespace pier::builder::detail {

using nlohmann::json;

namespace {

json duration_ns(const std::optional<std::chrono::nanoseconds>& d) { return d ? d->count() : 0; }

json healthcheck_json(const HealthcheckCommand& cmd) {
  if (cmd.none) return {{"Test", {"NONE"}}};
  return {{"Test", cmd.test},
          {"Interval", duration_ns(cmd.interval)},
          {"Timeout", duration_ns(cmd.timeout)},
          {"StartPeriod", duration_ns(cmd.start_period)},
          {"StartInterval", duration_ns(cmd.start_interval)},
          {"Retries", cmd.retries.value_or(0)}};
}

// CMD or ENTRYPOINT; the shell form runs under the stage's SHELL.
void set_command(StageState& stage, const ExecCommand& cmd, const std::vector<std::string>& shell) {
  json& config = stage.image.config;
  json argv = json::array();
  if (cmd.shell_form && !cmd.argv.empty()) {
    for (const auto& s : shell) argv.push_back(s);
  }
  for (const auto& a : cmd.argv) argv.push_back(a);
  if (cmd.argv.empty()) argv = nullptr;
  if (cmd.entrypoint) {
    config["Entrypoint"] = argv;
    if (!stage.cmd_set) config["Cmd"] = nullptr;  // an inherited CMD goes with a new ENTRYPOINT
  } else {
    config["Cmd"] = argv;
    stage.cmd_set = true;
  }
}

}  // namespace

// An ARG's value: a build arg given for it, else its default, else a global ARG or an
// automatic platform ARG of that name.
void Executor::declare_args(StageState& stage, const ArgCommand& cmd) {
  for (const auto& [name, def] : cmd.args) {
    std::optional<std::string> value = def;
    auto given = request_.args.find(name);
    if (given != request_.args.end() && given->second) value = given->second;
    else if (!def) {
      if (auto g = global_arg(name)) value = g;
      else if (auto p = platform_arg(name)) value = p;
    }
    used_args_.insert(name);
    stage.args[name] = value;
  }
}

// True when the instruction made a layer (RUN, COPY, ADD).
Result<bool> Executor::apply_command(StageState& stage, const Instruction& ins, const Command& command) {
  json& config = stage.image.config;
  bool layer = false;
  Status st;
  std::visit(
      [&](const auto& cmd) {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, ArgCommand>) {
          declare_args(stage, cmd);
        } else if constexpr (std::is_same_v<T, EnvCommand>) {
          for (const auto& [k, v] : cmd.vars) env_set(config, k, v);
        } else if constexpr (std::is_same_v<T, LabelCommand>) {
          for (const auto& [k, v] : cmd.labels) config["Labels"][k] = v;
        } else if constexpr (std::is_same_v<T, WorkdirCommand>) {
          std::string base = config.value("WorkingDir", std::string("/"));
          config["WorkingDir"] = clean_abs(cmd.path.starts_with("/") ? cmd.path : base + "/" + cmd.path);
        } else if constexpr (std::is_same_v<T, UserCommand>) {
          config["User"] = cmd.user;
        } else if constexpr (std::is_same_v<T, ExposeCommand>) {
          for (const auto& p : cmd.ports) config["ExposedPorts"][p] = json::object();
        } else if constexpr (std::is_same_v<T, VolumeCommand>) {
          for (const auto& p : cmd.paths) config["Volumes"][p] = json::object();
        } else if constexpr (std::is_same_v<T, ExecCommand>) {
          set_command(stage, cmd, shell_of(stage));
        } else if constexpr (std::is_same_v<T, HealthcheckCommand>) {
          config["Healthcheck"] = healthcheck_json(cmd);
        } else if constexpr (std::is_same_v<T, StopsignalCommand>) {
          config["StopSignal"] = cmd.signal;
        } else if constexpr (std::is_same_v<T, ShellCommand>) {
          config["Shell"] = cmd.argv;
        } else if constexpr (std::is_same_v<T, OnbuildCommand>) {
          config["OnBuild"].push_back(cmd.instruction);
        } else if constexpr (std::is_same_v<T, MaintainerCommand>) {
          stage.image.author = cmd.name;
        } else if constexpr (std::is_same_v<T, RunCommand>) {
          layer = true;
          st = run_step(stage, ins, cmd);
        } else if constexpr (std::is_same_v<T, CopyCommand>) {
          layer = true;
          st = copy_step(stage, ins, cmd);
        } else if constexpr (std::is_same_v<T, FromCommand>) {
          st = Error(where(ins) + ": FROM is not allowed here");
        }
      },
      command);
  PIER_CHECK(st);
  return layer;
}

Status Executor::apply(StageState& stage, const Instruction& ins, bool trigger) {
  PIER_TRY(Command command, expand(file_, ins, lookup_for(stage)));
  if (!trigger) step_line(ins.text);
  else step_line("ONBUILD " + ins.text);
  auto started = std::chrono::steady_clock::now();
  PIER_TRY(bool layer, apply_command(stage, ins, command));
  if (!layer) {
    stage.image.history.push_back({{"created", stage.image.created}, {"created_by", ins.text}, {"empty_layer", true}});
    event(BuildEvent::Kind::done, "", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return {};
}

}  // namespace pier::builder::detail
