// The Executor: one build, stages in order. Its parts live one file each:
// executor.cpp (prepare, the stages a target needs, layer steps, the image commit),
// stage.cpp (FROM and ONBUILD), apply.cpp (one instruction; those that change only the
// config), run_instruction.cpp (RUN) and copy_instruction.cpp (COPY and ADD). Internal
// to executor/.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "builder/builder.h"
#include "builder/context/context.h"
#include "builder/dockerfile/dockerfile.h"
#include "builder/executor/build_network.h"
#include "builder/executor/executor.h"
#include "image/store/store.h"

namespace pier::builder::detail {

// The proxy ARGs Docker gives every RUN step without an ARG (and keeps out of the
// cache key), and never warns about as unused.
bool is_proxy_arg(std::string_view name);
// BuildKit's automatic platform ARGs (given a value only when declared).
std::optional<std::string> platform_arg(std::string_view name);
// Unique in this process: names the build's runtime project and its RUN containers.
unsigned next_build_serial();

class Executor {
 public:
  Executor(const image::Store& store, const std::string& root, const BuildRequest& request,
           const BuildProgress& progress)
      : store_(store), root_(root), request_(request), progress_(progress) {}
  ~Executor();
  Result<BuildResult> run();

 private:
  Status prepare();
  std::set<int> needed_stages(int target) const;
  Status build_stage(int index);
  Status apply(StageState& stage, const Instruction& ins, bool trigger);
  Result<bool> apply_command(StageState& stage, const Instruction& ins, const Command& command);
  void declare_args(StageState& stage, const ArgCommand& cmd);
  Status from_image(StageState& stage, const FromCommand& from);
  Result<std::string> step_network(const Instruction& ins, const RunCommand& cmd);
  Status run_step(StageState& stage, const Instruction& ins, const RunCommand& cmd);
  Result<LayerBlob> run_container(RunInput& input, const Instruction& ins);
  Status copy_step(StageState& stage, const Instruction& ins, const CopyCommand& cmd);
  Status check_copy_sources(const std::string& loc, const CopyCommand& cmd, std::vector<std::string>& urls,
                            std::vector<std::string>& local) const;
  Result<std::vector<std::string>> copy_from_layers(const StageState& stage, const CopyCommand& cmd,
                                                    const std::string& loc, nlohmann::json& step);
  Status add_layer(StageState& stage, const std::string& key, const std::string& created_by,
                   const std::function<Result<LayerBlob>()>& make);
  Result<int> stage_ref(const std::string& name, int before) const;
  VariableLookup lookup_for(const StageState& stage) const;
  std::optional<std::string> global_arg(std::string_view name) const;
  std::vector<std::string> shell_of(const StageState& stage) const;
  std::string where(const Instruction& ins) const {
    return fmt::format("{}:{}: {}", file_.path, ins.line, instruction_name(ins.kind));
  }
  void step_line(const std::string& text) {
    ++step_;
    std::string prefix = request_.name.empty() ? fmt::format("[{}/{}]", step_, total_)
                                               : fmt::format("[{} {}/{}]", request_.name, step_, total_);
    current_ = prefix;
    if (progress_) progress_({BuildEvent::Kind::step, prefix + " " + text, 0});
  }
  void event(BuildEvent::Kind kind, const std::string& text, double seconds = 0) {
    if (progress_) progress_({kind, text.empty() ? current_ : current_ + " " + text, seconds});
  }
  Result<image::ImageRecord> commit(StageState& stage);

  const image::Store& store_;
  std::string root_;
  const BuildRequest& request_;
  const BuildProgress& progress_;
  Dockerfile file_;
  std::optional<BuildContext> context_;
  std::vector<StageState> stages_;
  std::map<std::string, std::optional<std::string>> globals_;  // global ARGs
  std::set<std::string> used_args_;
  std::string tmp_, empty_dir_, project_;
  std::unique_ptr<BuildNetwork> network_;  // made at the first RUN on the default network
  bool spawned_ = false;
  int step_ = 0, total_ = 0, layer_steps_ = 0, cached_ = 0;
  std::string current_;
};

}  // namespace pier::builder::detail
