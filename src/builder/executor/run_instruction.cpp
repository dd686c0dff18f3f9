// RUN as an instruction: what the step runs and in which environment and network, its
// cache key, and the failure message; run_step.cpp runs the container itself.
#include "base/strings.h"
#include "builder/executor/executor_steps.h"
#include "image/json_util.h"
#include "sys/user_namespace.h"

namespace pier::builder::detail {

using nlohmann::json;

namespace {

// The command line: a script with its own interpreter, the shell form under the
// stage's SHELL, or the exec form as written.
void set_argv(RunInput& input, const RunCommand& cmd, const std::vector<std::string>& shell) {
  if (cmd.heredoc_script && !cmd.argv.empty() && cmd.argv[0].starts_with("#!")) {
    // A script with its own interpreter: written to a file and run by it.
    input.argv = {shell.front(), "-c", "f=$(mktemp) && cat >\"$f\" && chmod +x \"$f\" && \"$f\"; r=$?; rm -f \"$f\"; exit $r"};
    input.stdin_data = cmd.argv[0];
  } else if (cmd.shell_form) {
    // With heredocs the parser already put the bodies back after the command line,
    // for the shell to read.
    std::string script = cmd.argv.empty() ? "" : cmd.argv[0];
    input.argv = shell;
    input.argv.push_back(script);
  } else {
    input.argv = cmd.argv;
  }
}

// ARGs in scope are in the step's environment (ENV of the same name wins); proxy args
// without an ARG too, and they stay out of the cache key, as in Docker. Returns the
// part of the cache key the ARGs make.
std::string set_env(RunInput& input, const StageState& stage, const BuildRequest& request) {
  const json& env = image::json_field(stage.image.config, "Env");
  if (env.is_array())
    for (const auto& e : env)
      if (e.is_string()) input.env.push_back(e.get<std::string>());
  std::string arg_key;
  for (const auto& [name, value] : stage.args) {
    if (!value || env_value(env, name)) continue;
    input.env.push_back(name + "=" + *value);
    arg_key += name + "=" + *value + "\n";
  }
  for (const auto& [name, value] : request.args)
    if (is_proxy_arg(name) && value && !stage.args.count(name)) input.env.push_back(name + "=" + *value);
  return arg_key;
}

}  // namespace

// The network a RUN step gets. The compose file (or the command line) decides
// above the Dockerfile: `build.network: none` holds for every step, and a step's
// `--network=host` needs the network.host entitlement, as in BuildKit.
Result<std::string> Executor::step_network(const Instruction& ins, const RunCommand& cmd) {
  if (request_.network == "none") {
    if (cmd.network == "host" || cmd.network == "default" || cmd.network == "bridge")
      event(BuildEvent::Kind::warning,
            where(ins) + " --network=" + cmd.network + ": runs without a network, as `build.network: none` says");
    return std::string("none");
  }
  std::string network = !cmd.network.empty() && cmd.network != "default" ? cmd.network : request_.network;
  if (network.empty() || network == "bridge") network = "default";
  if (network != "default" && network != "host" && network != "none")
    return Error(where(ins) + ": network `" + network + "` is not supported for builds")
        .hint("use `default` (a bridge of the build's own with NAT), `host` or `none`");
  if (network == "host" && !request_.allow_network_host)
    return Error(where(ins) + " --network=host: needs the network.host entitlement")
        .hint("allow it with `pier build --allow network.host`, or `entitlements: [network.host]` in the service's "
              "build section, if you trust this Dockerfile with the host's network");
  return network;
}

Status Executor::run_step(StageState& stage, const Instruction& ins, const RunCommand& cmd) {
  if (!cmd.mounts.empty())
    return Error(where(ins) + " --mount=" + cmd.mounts.front() + ": RUN --mount is not supported yet")
        .hint("copy what the step needs with COPY, or use a multi-stage build");
  PIER_TRY(std::string network, step_network(ins, cmd));
  RunInput input;
  set_argv(input, cmd, shell_of(stage));
  std::string arg_key = set_env(input, stage, request_);
  const json& config = stage.image.config;
  input.user = config.value("User", std::string());
  input.workdir = config.value("WorkingDir", std::string("/"));
  if (input.workdir.empty()) input.workdir = "/";
  input.network = network;
  input.extra_hosts = request_.extra_hosts;
  input.shm_size = request_.shm_size;
  input.layer_dirs = stage.image.layer_dirs;
  input.project = project_;
  input.empty_dir = empty_dir_;
  json step = {{"run", input.argv}, {"stdin", input.stdin_data}, {"args", arg_key}, {"network", network}};
  std::string key = cache_key(stage.image.chain, config, step.dump());
  std::string created_by = "RUN " + (cmd.argv.empty() ? std::string() : join(input.argv, " "));
  return add_layer(stage, key, created_by, [&]() { return run_container(input, ins); });
}

// A cache miss: the step's container runs; a non-zero exit fails the build with the
// output's last lines.
Result<LayerBlob> Executor::run_container(RunInput& input, const Instruction& ins) {
  int n = static_cast<int>(next_build_serial());
  input.name = fmt::format("step-{}", n);
  input.state_dir = fmt::format("{}/run-{}", tmp_, n);
  spawned_ = true;
  if (input.network == "default" && !sys::rootless()) {  // rootless: run_step.cpp connects it
    if (!network_) { PIER_TRY(network_, BuildNetwork::create(root_, project_)); }
    input.bridge = network_.get();
  }
  PIER_TRY(RunOutcome outcome, run_in_container(store_, input, progress_));
  if (outcome.exit_code != 0) {
    std::string tail = outcome.output_tail;
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    return Error(fmt::format("{}:{}: RUN {}: the command exited with code {}", file_.path, ins.line, ins.rest,
                             outcome.exit_code) +
                 (tail.empty() ? std::string() : "\n--- its output (last lines) ---\n" + tail + "\n---"))
        .hint("nothing was tagged; fix the step and build again");
  }
  return std::move(*outcome.layer);
}

}  // namespace pier::builder::detail
