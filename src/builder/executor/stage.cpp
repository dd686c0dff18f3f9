// A stage's start: FROM (an earlier stage, an image, or scratch) and the base image's
// ONBUILD triggers, then its own instructions in order.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>

#include "builder/executor/executor_steps.h"
#include "image/ensure.h"
#include "image/json_util.h"
#include "image/oci.h"

namespace pier::builder::detail {

using nlohmann::json;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<std::string> Executor::global_arg(std::string_view name) const {
  auto g = globals_.find(std::string(name));
  if (g == globals_.end()) return std::nullopt;
  return g->second;
}

VariableLookup Executor::lookup_for(const StageState& stage) const {
  return [&stage](std::string_view name) -> std::optional<std::string> {
    if (auto v = env_value(image::json_field(stage.image.config, "Env"), name)) return v;
    auto it = stage.args.find(std::string(name));
    if (it != stage.args.end()) return it->second;
    return std::nullopt;
  };
}

std::vector<std::string> Executor::shell_of(const StageState& stage) const {
  const json& shell = image::json_field(stage.image.config, "Shell");
  std::vector<std::string> out;
  if (shell.is_array())
    for (const auto& s : shell)
      if (s.is_string()) out.push_back(s.get<std::string>());
  if (out.empty()) out = {"/bin/sh", "-c"};
  return out;
}

Result<int> Executor::stage_ref(const std::string& name, int before) const {
  std::string want = lower(name);
  for (int i = 0; i < before; ++i)
    if (!file_.stages[static_cast<size_t>(i)].name.empty() && file_.stages[static_cast<size_t>(i)].name == want) return i;
  if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
    int n = std::atoi(name.c_str());
    if (n < before) return n;
  }
  return -1;
}

Status Executor::from_image(StageState& stage, const FromCommand& from) {
  if (lower(from.image) == "scratch") return {};
  image::PullPolicy policy;
  policy.kind = request_.pull ? image::PullPolicy::Kind::always : image::PullPolicy::Kind::missing;
  PIER_TRY(auto resolved, image::ensure_image(store_, from.image, policy, image::PullOptions{}));
  PIER_TRY(std::string config_text, store_.read_blob(resolved.record.id));
  json doc = json::parse(config_text, nullptr, false);
  if (!doc.is_object()) return Error("image " + from.image + ": its config is not JSON");
  PIER_TRY(auto manifest, image::load_manifest(store_, resolved.record));
  StageImage& img = stage.image;
  img.config = doc.contains("config") && doc["config"].is_object() ? doc["config"] : json::object();
  img.history = doc.contains("history") && doc["history"].is_array() ? doc["history"] : json::array();
  img.diff_ids = resolved.config.diff_ids;
  img.os = resolved.config.os.empty() ? "linux" : resolved.config.os;
  img.architecture = resolved.config.architecture;
  img.variant = resolved.config.variant;
  img.created = resolved.config.created.empty() ? img.created : resolved.config.created;
  for (const auto& l : manifest.layers) img.layers.push_back(image::descriptor_json(l.media_type, l.digest, l.size));
  img.layer_dirs = resolved.layer_dirs;
  auto chains = image::chain_ids(img.diff_ids);
  img.chain = chains.empty() ? "" : chains.back();
  return {};
}

Status Executor::build_stage(int index) {
  const Stage& s = file_.stages[static_cast<size_t>(index)];
  StageState& stage = stages_[static_cast<size_t>(index)];
  stage.name = s.name;
  VariableLookup globals = [this](std::string_view name) { return global_arg(name); };
  PIER_TRY(Command c, expand(file_, s.from, globals));
  auto from = std::get<FromCommand>(c);
  step_line("FROM " + from.image + (from.name.empty() ? "" : " AS " + from.name));
  auto started = std::chrono::steady_clock::now();
  if (!from.platform.empty()) {
    auto p = image::parse_platform(from.platform);
    if (!p || p->architecture != image::host_platform().architecture)
      return Error(fmt::format("{}:{}: FROM --platform={}: pier builds for the host platform ({}) only", file_.path,
                               s.from.line, from.platform, image::host_platform().str()));
  }
  PIER_TRY(int ref, stage_ref(from.image, index));
  if (ref >= 0) {
    stage.image = stages_[static_cast<size_t>(ref)].image;
  } else {
    auto st = from_image(stage, from);
    if (!st) return std::move(st).error().context(fmt::format("{}:{}: FROM {}", file_.path, s.from.line, from.image));
  }
  event(BuildEvent::Kind::done, "", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  // ONBUILD triggers of the base image run first, then leave the config.
  json triggers = stage.image.config.contains("OnBuild") ? stage.image.config["OnBuild"] : json();
  stage.image.config.erase("OnBuild");
  if (triggers.is_array() && !triggers.empty()) {
    std::string text = "FROM scratch\n";
    for (const auto& t : triggers)
      if (t.is_string()) text += t.get<std::string>() + "\n";
    PIER_TRY(Dockerfile trig, parse_dockerfile(text, "ONBUILD of " + from.image));
    for (const auto& ins : trig.stages.front().instructions) PIER_CHECK(apply(stage, ins, true));
  }
  for (const auto& ins : s.instructions) PIER_CHECK(apply(stage, ins, false));
  stage.built = true;
  return {};
}

}  // namespace pier::builder::detail
