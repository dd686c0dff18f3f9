// The executor: stages in order, each instruction applied to the stage's image (its
// config, or a new layer for RUN, COPY and ADD), the layer cache consulted first, and
// the image named in the store only after the last step succeeded.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>

#include "base/atomic_file.h"
#include "builder/executor/executor_steps.h"
#include "image/json_util.h"
#include "image/oci.h"
#include "image/reference.h"
#include "image/store/commit.h"
#include "runtime/container.h"
#include "runtime/rootfs.h"

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

bool is_proxy_arg(std::string_view name) {
  static const std::set<std::string, std::less<>> kProxyArgs = {
      "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
      "ftp_proxy",  "NO_PROXY",   "no_proxy",    "ALL_PROXY",   "all_proxy"};
  return kProxyArgs.count(name) != 0;
}

std::optional<std::string> platform_arg(std::string_view name) {
  image::Platform p = image::host_platform();
  if (name == "TARGETPLATFORM" || name == "BUILDPLATFORM") return p.str();
  if (name == "TARGETOS" || name == "BUILDOS") return p.os;
  if (name == "TARGETARCH" || name == "BUILDARCH") return p.architecture;
  if (name == "TARGETVARIANT" || name == "BUILDVARIANT") return p.variant;
  return std::nullopt;
}

unsigned next_build_serial() {
  static std::atomic<unsigned> counter{0};
  return counter++;
}

Executor::~Executor() {
  network_.reset();
  if (!tmp_.empty()) (void)runtime::remove_tree(tmp_);
  if (spawned_) runtime::release_project(project_);
}

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
  project_ = fmt::format("build-{}-{}", ::getpid(), next_build_serial());
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

// The stages `target` needs: its FROM chain and COPY --from stages, transitively.
std::set<int> Executor::needed_stages(int target) const {
  VariableLookup globals = [this](std::string_view name) { return global_arg(name); };
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
  return needed;
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
  std::set<int> needed = needed_stages(target);
  for (int i : needed) total_ += 1 + static_cast<int>(file_.stages[static_cast<size_t>(i)].instructions.size());
  stages_.resize(file_.stages.size());
  for (int i = 0; i <= target; ++i)
    if (needed.count(i)) PIER_CHECK(build_stage(i));
  for (const auto& [name, value] : request_.args)
    if (!used_args_.count(name) && !is_proxy_arg(name))
      event(BuildEvent::Kind::warning, "build arg `" + name + "` was not consumed by any ARG in the Dockerfile");
  PIER_TRY(image::ImageRecord record, commit(stages_[static_cast<size_t>(target)]));
  BuildResult result;
  result.record = std::move(record);
  result.steps = layer_steps_;
  result.cached = cached_;
  return result;
}

}  // namespace detail

Result<BuildResult> build_image(const image::Store& store, const std::string& pier_root, const BuildRequest& request,
                                const BuildProgress& progress) {
  detail::Executor executor(store, pier_root, request, progress);
  return executor.run();
}

}  // namespace pier::builder
