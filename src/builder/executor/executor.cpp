// The executor: stages in order, each instruction applied to the stage's image (its
// config, or a new layer for RUN, COPY and ADD), the layer cache consulted first, and
// the image named in the store only after the last step succeeded.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/scope_exit.h"
#include "base/strings.h"
#include "builder/executor/build_network.h"
#include "builder/executor/copy_step.h"
#include "builder/executor/executor.h"
#include "builder/executor/path_parts.h"
#include "image/digest.h"
#include "image/ensure.h"
#include "image/json_util.h"
#include "image/layer_view.h"
#include "image/oci.h"
#include "image/reference.h"
#include "image/store/commit.h"
#include "runtime/container.h"
#include "runtime/rootfs.h"
#include "runtime/users.h"

namespace pier::builder {
namespace detail {

using nlohmann::json;

std::optional<std::string> env_value(const json& env, std::string_view name) {
  if (!env.is_array()) return std::nullopt;
  for (const auto& item : env) {
    if (!item.is_string()) continue;
    const auto& s = item.get_ref<const std::string&>();
    auto eq = s.find('=');
    if (eq != std::string::npos && std::string_view(s).substr(0, eq) == name) return s.substr(eq + 1);
  }
  return std::nullopt;
}

void env_set(json& config, const std::string& name, const std::string& value) {
  json& env = config["Env"];
  if (!env.is_array()) env = json::array();
  for (auto& item : env) {
    if (!item.is_string()) continue;
    const auto& s = item.get_ref<const std::string&>();
    if (s.size() > name.size() && s.compare(0, name.size(), name) == 0 && s[name.size()] == '=') {
      item = name + "=" + value;
      return;
    }
  }
  env.push_back(name + "=" + value);
}

namespace {

const std::set<std::string, std::less<>> kProxyArgs = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                                      "FTP_PROXY",  "ftp_proxy",  "NO_PROXY",    "no_proxy",
                                                      "ALL_PROXY",  "all_proxy"};

std::atomic<unsigned> g_build_counter{0};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string clean_abs(const std::string& path) { return "/" + join_parts(split_clean(path), 1u << 30); }

// BuildKit's automatic platform ARGs (given a value only when declared).
std::optional<std::string> platform_arg(std::string_view name) {
  image::Platform p = image::host_platform();
  if (name == "TARGETPLATFORM" || name == "BUILDPLATFORM") return p.str();
  if (name == "TARGETOS" || name == "BUILDOS") return p.os;
  if (name == "TARGETARCH" || name == "BUILDARCH") return p.architecture;
  if (name == "TARGETVARIANT" || name == "BUILDVARIANT") return p.variant;
  return std::nullopt;
}

json duration_ns(const std::optional<std::chrono::nanoseconds>& d) { return d ? d->count() : 0; }

class Executor {
 public:
  Executor(const image::Store& store, const std::string& root, const BuildRequest& request,
           const BuildProgress& progress)
      : store_(store), root_(root), request_(request), progress_(progress) {}
  ~Executor() {
    network_.reset();
    if (!tmp_.empty()) (void)runtime::remove_tree(tmp_);
    if (spawned_) runtime::release_project(project_);
  }
  Result<BuildResult> run();

 private:
  Status prepare();
  Status build_stage(int index);
  Status apply(StageState& stage, const Instruction& ins, bool trigger);
  Status from_image(StageState& stage, const FromCommand& from);
  Result<std::string> step_network(const Instruction& ins, const RunCommand& cmd);
  Status run_step(StageState& stage, const Instruction& ins, const RunCommand& cmd);
  Status copy_step(StageState& stage, const Instruction& ins, const CopyCommand& cmd);
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

Status Executor::prepare() {
  std::string text;
  std::string path = request_.dockerfile;
  if (!request_.dockerfile_inline.empty()) {
    text = request_.dockerfile_inline;
    path = "Dockerfile (inline)";
  } else {
    auto read = read_file(request_.dockerfile);
    if (!read) return Error("cannot read Dockerfile " + request_.dockerfile + ": " + read.error().message());
    text = std::move(*read);
  }
  PIER_TRY(file_, parse_dockerfile(text, path));
  for (const auto& w : file_.warnings) event(BuildEvent::Kind::warning, w);
  struct stat st {};
  if (::stat(request_.context_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Error("build context " + request_.context_dir + " is not a directory");
  PIER_TRY(auto ctx, BuildContext::open(request_.context_dir,
                                        request_.dockerfile_inline.empty() ? request_.dockerfile : std::string()));
  context_.emplace(std::move(ctx));
  std::error_code ec;
  std::filesystem::create_directories(root_ + "/build/tmp", ec);
  if (ec) return Error::system("create directory", root_ + "/build/tmp", ec.value());
  tmp_ = root_ + "/build/tmp/b-XXXXXX";
  if (!::mkdtemp(tmp_.data())) {
    std::string t = tmp_;
    tmp_.clear();
    return Error::system("mkdtemp", t, errno);
  }
  empty_dir_ = tmp_ + "/empty";
  if (::mkdir(empty_dir_.c_str(), 0755) != 0) return Error::system("mkdir", empty_dir_, errno);
  if (::chmod(empty_dir_.c_str(), 0755) != 0) return Error::system("chmod", empty_dir_, errno);  // past the umask
  project_ = fmt::format("build-{}-{}", ::getpid(), g_build_counter++);
  return {};
}

std::optional<std::string> Executor::global_arg(std::string_view name) const {
  auto g = globals_.find(std::string(name));
  if (g == globals_.end()) return std::nullopt;
  return g->second;
}

VariableLookup Executor::lookup_for(const StageState& stage) const {
  return [&stage](std::string_view name) -> std::optional<std::string> {
    if (auto v = env_value(stage.image.config["Env"], name)) return v;
    auto it = stage.args.find(std::string(name));
    if (it != stage.args.end()) return it->second;
    return std::nullopt;
  };
}

std::vector<std::string> Executor::shell_of(const StageState& stage) const {
  const json& shell = stage.image.config["Shell"];
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

Status Executor::apply(StageState& stage, const Instruction& ins, bool trigger) {
  PIER_TRY(Command command, expand(file_, ins, lookup_for(stage)));
  if (!trigger) step_line(ins.text);
  else step_line("ONBUILD " + ins.text);
  auto started = std::chrono::steady_clock::now();
  json& config = stage.image.config;
  std::string created_by = ins.text;
  bool layer = false;
  Status st;
  std::visit(
      [&](auto& cmd) {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, ArgCommand>) {
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
          json argv = json::array();
          if (cmd.shell_form && !cmd.argv.empty()) {
            for (const auto& s : shell_of(stage)) argv.push_back(s);
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
        } else if constexpr (std::is_same_v<T, HealthcheckCommand>) {
          if (cmd.none) config["Healthcheck"] = {{"Test", {"NONE"}}};
          else
            config["Healthcheck"] = {{"Test", cmd.test},
                                     {"Interval", duration_ns(cmd.interval)},
                                     {"Timeout", duration_ns(cmd.timeout)},
                                     {"StartPeriod", duration_ns(cmd.start_period)},
                                     {"StartInterval", duration_ns(cmd.start_interval)},
                                     {"Retries", cmd.retries.value_or(0)}};
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
  if (!layer) {
    stage.image.history.push_back({{"created", stage.image.created}, {"created_by", created_by}, {"empty_layer", true}});
    event(BuildEvent::Kind::done, "", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return {};
}

// One layer step: from the cache when its key is known, else made by `make`.
Status Executor::add_layer(StageState& stage, const std::string& key, const std::string& created_by,
                           const std::function<Result<LayerBlob>()>& make) {
  auto started = std::chrono::steady_clock::now();
  StageImage& img = stage.image;
  ++layer_steps_;
  std::optional<CacheEntry> hit;
  if (!request_.no_cache) hit = cache_lookup(store_, root_, img.chain, key);
  CacheEntry entry;
  if (hit) {
    entry = *hit;
    ++cached_;
    event(BuildEvent::Kind::cached, "CACHED");
  } else {
    PIER_TRY(LayerBlob blob, make());
    PIER_TRY(std::string diff_id, store_.unpack_layer(img.chain, blob.digest, store_.blob_path(blob.digest)));
    entry.diff_id = diff_id;
    entry.size = blob.size;
    entry.created = now_rfc3339();
    PIER_CHECK(cache_store(root_, key, entry));
    event(BuildEvent::Kind::done, "", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  img.chain = image::next_chain_id(img.chain, entry.diff_id);
  img.diff_ids.push_back(entry.diff_id);
  img.layers.push_back(image::descriptor_json(image::media::kOciLayer, entry.diff_id, entry.size));
  img.layer_dirs.insert(img.layer_dirs.begin(), store_.layer_root(img.chain));
  img.created = entry.created;
  img.history.push_back({{"created", entry.created}, {"created_by", created_by}});
  return {};
}

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
  std::vector<std::string> shell = shell_of(stage);
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
  const json& config = stage.image.config;
  if (config["Env"].is_array())
    for (const auto& e : config["Env"])
      if (e.is_string()) input.env.push_back(e.get<std::string>());
  // ARGs in scope are in the step's environment (ENV of the same name wins); proxy
  // args without an ARG too, and they stay out of the cache key, as in Docker.
  std::string arg_key;
  for (const auto& [name, value] : stage.args) {
    if (!value || env_value(config["Env"], name)) continue;
    input.env.push_back(name + "=" + *value);
    arg_key += name + "=" + *value + "\n";
  }
  for (const auto& [name, value] : request_.args)
    if (kProxyArgs.count(name) && value && !stage.args.count(name)) input.env.push_back(name + "=" + *value);
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
  return add_layer(stage, key, created_by, [&]() -> Result<LayerBlob> {
    int n = static_cast<int>(g_build_counter++);
    input.name = fmt::format("step-{}", n);
    input.state_dir = fmt::format("{}/run-{}", tmp_, n);
    spawned_ = true;
    if (network == "default") {
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
  });
}

Result<std::pair<uid_t, gid_t>> parse_chown(const std::string& chown, const image::LayerView& view, const std::string& where) {
  auto colon = chown.find(':');
  std::string user = chown.substr(0, colon);
  std::string group = colon == std::string::npos ? std::string() : chown.substr(colon + 1);
  auto numeric = [](const std::string& s) { return !s.empty() && std::all_of(s.begin(), s.end(), ::isdigit); };
  auto passwd = view.read("etc/passwd", runtime::kImageFileLimit);
  if (!passwd) return std::move(passwd).error().context(where + " --chown=" + chown);
  auto groups = view.read("etc/group", runtime::kImageFileLimit);
  if (!groups) return std::move(groups).error().context(where + " --chown=" + chown);
  uid_t uid = 0;
  gid_t gid = 0;
  if (numeric(user)) {
    uid = static_cast<uid_t>(std::stoul(user));
    gid = static_cast<gid_t>(uid);
  } else {
    auto r = runtime::resolve_user(user, {}, *passwd, *groups);
    if (!r) return Error(where + " --chown=" + chown + ": " + r.error().message());
    uid = r->uid;
    gid = r->gid;
  }
  if (!group.empty()) {
    if (numeric(group)) gid = static_cast<gid_t>(std::stoul(group));
    else {
      auto r = runtime::resolve_user("0:" + group, {}, *passwd, *groups);
      if (!r) return Error(where + " --chown=" + chown + ": " + r.error().message());
      gid = r->gid;
    }
  }
  return std::make_pair(uid, gid);
}

Status Executor::copy_step(StageState& stage, const Instruction& ins, const CopyCommand& cmd) {
  std::string name = cmd.add ? "ADD" : "COPY";
  std::string loc = where(ins);
  std::vector<std::string> urls, local;
  for (const auto& s : cmd.sources) {
    if (is_git_url(s))
      return Error(loc + " " + s + ": git sources are not supported yet")
          .hint("clone it in a RUN step, or put the files in the build context");
    if (!is_http_url(s)) {
      local.push_back(s);
      continue;
    }
    if (!cmd.add) return Error(loc + " " + s + ": COPY does not take URLs").hint("use ADD to download a file");
    urls.push_back(s);
  }
  if (!cmd.checksum.empty() && (urls.size() != 1 || !local.empty()))
    return Error(loc + " --checksum=" + cmd.checksum + ": --checksum needs exactly one http(s) URL source");
  if (!urls.empty()) {
    if (!cmd.from.empty())
      return Error(loc + " --from=" + cmd.from + ": --from cannot be combined with a URL source (" + urls.front() + ")");
    if (request_.network == "none")
      return Error(loc + " " + urls.front() + ": the build has no network (`build.network: none`), so ADD cannot "
                         "download it")
          .hint("remove `network: none` from the service's build section, set it to `default` or `host`, or put "
                "the file in the build context");
  }
  if (!cmd.exclude.empty()) return Error(loc + " --exclude is not supported yet");
  if (cmd.parents) return Error(loc + " --parents is not supported yet");
  image::LayerView dest_view(stage.image.layer_dirs);
  detail::CopySpec spec;
  spec.command = &cmd;
  spec.where = loc;
  std::string workdir = stage.image.config.value("WorkingDir", std::string("/"));
  std::string dest = cmd.dest.starts_with("/") ? cmd.dest : workdir + "/" + cmd.dest;
  spec.dest = clean_abs(dest) + ((cmd.dest.ends_with("/") || cmd.dest.ends_with("/.") || cmd.dest == ".") &&
                                         clean_abs(dest) != "/"
                                     ? "/"
                                     : "");
  spec.dest_view = &dest_view;
  if (!cmd.chown.empty()) { PIER_TRY(spec.owner, parse_chown(cmd.chown, dest_view, loc)); }
  json step = {{"op", name}, {"dest", spec.dest}, {"chown", cmd.chown}, {"chmod", cmd.chmod ? *cmd.chmod : -1},
               {"unpack", cmd.unpack.value_or(true)}};
  json heredocs = json::array();
  for (const auto& h : cmd.heredocs) heredocs.push_back({h.name, h.content});
  step["heredocs"] = heredocs;
  std::optional<image::LayerView> from_view;
  if (!cmd.from.empty()) {
    PIER_TRY(int ref, stage_ref(cmd.from, static_cast<int>(&stage - stages_.data())));
    if (ref >= 0) {
      if (!stages_[static_cast<size_t>(ref)].built)
        return Error(loc + " --from=" + cmd.from + ": that stage was not built");
      from_view.emplace(stages_[static_cast<size_t>(ref)].image.layer_dirs);
      step["from"] = "stage " + stages_[static_cast<size_t>(ref)].image.chain;
    } else {
      image::PullPolicy policy;
      policy.kind = request_.pull ? image::PullPolicy::Kind::always : image::PullPolicy::Kind::missing;
      auto resolved = image::ensure_image(store_, cmd.from, policy, image::PullOptions{});
      if (!resolved) return std::move(resolved).error().context(loc + " --from=" + cmd.from);
      from_view.emplace(resolved->layer_dirs);
      step["from"] = "image " + resolved->record.id;
    }
    spec.from = &*from_view;
    step["sources"] = cmd.sources;
  } else if (!local.empty()) {
    spec.context = &*context_;
    json digests = json::array();
    for (const auto& source : local) {
      auto entries = context_->resolve(source);
      if (!entries) return std::move(entries).error().context(loc);
      PIER_TRY(std::string digest, context_->digest(*entries));
      digests.push_back({source, digest});
      spec.context_entries.push_back(std::move(*entries));
    }
    step["sources"] = digests;
  }
  // URLs: downloaded now and keyed by their content's digest (Docker re-downloads and
  // compares), or with --checksum keyed by it and downloaded only on a cache miss.
  json remote = json::array();
  for (const auto& url : urls) {
    if (!cmd.checksum.empty()) {
      remote.push_back({url, "checksum", cmd.checksum});
      continue;
    }
    PIER_TRY(RemoteFile file, download_source(url, tmp_, loc, ""));
    remote.push_back({url, file.digest, file.mtime});
    spec.remote.push_back(std::move(file));
  }
  if (!urls.empty()) step["remote"] = remote;
  std::string key = cache_key(stage.image.chain, stage.image.config, step.dump());
  return add_layer(stage, key, ins.text, [&]() -> Result<LayerBlob> {
    if (!cmd.checksum.empty()) {
      PIER_TRY(RemoteFile file, download_source(urls.front(), tmp_, loc, cmd.checksum));
      spec.remote.push_back(std::move(file));
    }
    PIER_TRY(LayerTar tar, LayerTar::create(store_));
    PIER_CHECK(write_copy_layer(tar, spec));
    return tar.commit();
  });
}

Result<image::ImageRecord> Executor::commit(StageState& stage) {
  StageImage& img = stage.image;
  json config = img.config;
  for (const auto& [k, v] : request_.labels) config["Labels"][k] = v;
  json doc = {{"created", img.created},
              {"architecture", img.architecture.empty() ? image::host_platform().architecture : img.architecture},
              {"os", img.os},
              {"config", config},
              {"rootfs", {{"type", "layers"}, {"diff_ids", img.diff_ids}}},
              {"history", img.history}};
  if (!img.variant.empty()) doc["variant"] = img.variant;
  if (!img.author.empty()) doc["author"] = img.author;
  std::string config_json = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  PIER_TRY(std::string config_digest, store_.put_blob(config_json));
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", image::media::kOciManifest},
                   {"config", image::descriptor_json(image::media::kOciConfig, config_digest, config_json.size())},
                   {"layers", img.layers}};
  PIER_TRY(std::string manifest_digest, store_.put_blob(manifest.dump()));
  image::CommitRequest req;
  req.manifest_digest = manifest_digest;
  for (const auto& tag : request_.tags) {
    PIER_TRY(image::Reference ref, image::parse_reference(tag));
    req.names.push_back(ref.str());
  }
  return image::commit_image(store_, req);
}

Result<BuildResult> Executor::run() {
  PIER_CHECK(prepare());
  PIER_TRY(FileLock lock, store_.writer_lock());
  // Global ARGs: their defaults (substituted in order), overridden by build args.
  VariableLookup globals = [this](std::string_view name) { return global_arg(name); };
  for (const auto& ins : file_.global_args) {
    PIER_TRY(Command c, expand(file_, ins, globals));
    for (const auto& [name, def] : std::get<ArgCommand>(c).args) {
      auto given = request_.args.find(name);
      std::optional<std::string> value = given != request_.args.end() && given->second ? given->second : def;
      if (!value) value = platform_arg(name);
      globals_[name] = value;
      used_args_.insert(name);
    }
  }
  PIER_TRY(int target, file_.stage_index(request_.target));
  // The stages the target needs: its FROM chain and COPY --from stages, transitively.
  std::set<int> needed;
  std::vector<int> todo{target};
  while (!todo.empty()) {
    int i = todo.back();
    todo.pop_back();
    if (!needed.insert(i).second) continue;
    const Stage& s = file_.stages[static_cast<size_t>(i)];
    auto from = expand(file_, s.from, globals);
    if (from) {
      auto ref = stage_ref(std::get<FromCommand>(*from).image, i);
      if (ref && *ref >= 0) todo.push_back(*ref);
    }
    for (const auto& ins : s.instructions)
      for (const auto& [flag, value] : ins.flags)
        if (flag == "from") {
          auto ref = stage_ref(value, i);
          if (ref && *ref >= 0) todo.push_back(*ref);
        }
  }
  for (int i : needed) total_ += 1 + static_cast<int>(file_.stages[static_cast<size_t>(i)].instructions.size());
  stages_.resize(file_.stages.size());
  for (int i = 0; i <= target; ++i)
    if (needed.count(i)) PIER_CHECK(build_stage(i));
  for (const auto& [name, value] : request_.args)
    if (!used_args_.count(name) && !kProxyArgs.count(name))
      event(BuildEvent::Kind::warning, "build arg `" + name + "` was not consumed by any ARG in the Dockerfile");
  PIER_TRY(image::ImageRecord record, commit(stages_[static_cast<size_t>(target)]));
  BuildResult result;
  result.record = std::move(record);
  result.steps = layer_steps_;
  result.cached = cached_;
  return result;
}

}  // namespace
}  // namespace detail

Result<BuildResult> build_image(const image::Store& store, const std::string& pier_root, const BuildRequest& request,
                                const BuildProgress& progress) {
  detail::Executor executor(store, pier_root, request, progress);
  return executor.run();
}

}  // namespace pier::builder
