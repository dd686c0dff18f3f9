// The executor's internals, shared by its files (stages, RUN, COPY/ADD, cache).
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "builder/builder.h"
#include "builder/context/context.h"
#include "builder/dockerfile/dockerfile.h"
#include "builder/executor/layer_tar.h"

namespace pier::builder::detail {

// A stage's image as the steps so far made it.
class BuildNetwork;

struct StageImage {
  nlohmann::json config = nlohmann::json::object();  // the image config's `config`
  nlohmann::json history = nlohmann::json::array();
  std::vector<std::string> diff_ids;                 // lowest first
  std::vector<nlohmann::json> layers;                // manifest descriptors, lowest first
  std::vector<std::string> layer_dirs;               // topmost first
  std::string chain;                                 // chain id of the top layer ("" for scratch)
  std::string os = "linux", architecture, variant, author;
  std::string created = "1970-01-01T00:00:00Z";      // of the newest layer (keeps rebuilds identical)
};

struct StageState {
  std::string name;
  StageImage image;
  std::map<std::string, std::optional<std::string>> args;  // ARGs declared in this stage
  bool cmd_set = false;  // CMD given in this stage (ENTRYPOINT then keeps it)
  bool built = false;
};

// The variables of the env list "K=V" as a map lookup.
std::optional<std::string> env_value(const nlohmann::json& env, std::string_view name);
void env_set(nlohmann::json& config, const std::string& name, const std::string& value);

// What a RUN step runs in.
struct RunInput {
  std::vector<std::string> layer_dirs;  // topmost first; empty: scratch
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string user, workdir;
  std::string stdin_data;               // a heredoc fed to the command
  std::string network;                  // default (the build's bridge) | none | host
  class BuildNetwork* bridge = nullptr; // with `default`
  std::vector<std::pair<std::string, std::string>> extra_hosts;
  uint64_t shm_size = 64ull << 20;
  std::string project, name, state_dir, empty_dir;
};

struct RunOutcome {
  int exit_code = 0;
  std::string output_tail;  // the last lines, for the error
  std::optional<LayerBlob> layer;  // with exit code 0
};

// Spawns the step's container, streams its output to `progress`, waits, and on
// success writes its upper dir as a layer blob. The container is destroyed either way.
Result<RunOutcome> run_in_container(const image::Store& store, const RunInput& input, const BuildProgress& progress);

// The layer cache: <root>/build/cache/<key hex> -> the layer a step made.
struct CacheEntry {
  std::string diff_id;
  uint64_t size = 0;
  std::string created;
};
std::string cache_key(const std::string& parent_chain, const nlohmann::json& config, const std::string& step);
std::optional<CacheEntry> cache_lookup(const image::Store& store, const std::string& root, const std::string& parent_chain,
                                       const std::string& key);
Status cache_store(const std::string& root, const std::string& key, const CacheEntry& entry);

std::string now_rfc3339();

}  // namespace pier::builder::detail
