#include "app/commit.h"

#include <sys/stat.h>

#include <ctime>

#include <nlohmann/json.hpp>

#include "base/scope_exit.h"
#include "builder/executor/layer_tar.h"
#include "image/archive/change.h"
#include "image/json_util.h"
#include "image/oci.h"
#include "image/reference.h"
#include "image/store/commit.h"
#include "runtime/cgroup/manager.h"

namespace pier::app {

using nlohmann::json;

namespace {

// RFC 3339 in UTC, as image configs carry their times.
std::string commit_time() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// The writable layer's content, read with the container frozen (when it runs and
// `pause` is on) so its files do not change half way through.
Result<builder::LayerBlob> upper_layer(const image::Store& store, const state::ContainerRecord& r, bool pause) {
  const std::string upper = r.scratch_dir + "/upper";
  struct stat st {};
  if (::lstat(upper.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Error("container " + r.name + " has no writable layer at " + upper);
  bool live = r.state == state::ContainerState::running && state::process_matches(r.pid, r.pid_start_time);
  runtime::CgroupManager* cgroups = nullptr;
  if (pause && live) {
    PIER_TRY(cgroups, runtime::cgroup_manager());
    PIER_CHECK(cgroups->freeze(r.cgroup, true).context("pause container " + r.name));
  }
  ScopeExit thaw([&] {
    if (cgroups) (void)cgroups->freeze(r.cgroup, false);
  });
  PIER_TRY(builder::LayerTar tar, builder::LayerTar::create(store));
  PIER_CHECK(tar.add_upper_dir(upper));
  return tar.commit();
}

}  // namespace

Result<image::ImageRecord> commit_container(const std::string& pier_root, const state::ContainerRecord& r,
                                            const CommitOptions& o) {
  PIER_TRY(image::Store store, image::Store::open(pier_root));
  std::vector<std::string> names;
  if (!o.reference.empty()) {
    PIER_TRY(image::Reference ref, image::parse_reference(o.reference));
    names.push_back(ref.str());
  }
  PIER_TRY(image::ImageRecord base, store.find(r.image_id).context("the image of container " + r.name));
  PIER_TRY(image::Manifest manifest, image::load_manifest(store, base));
  PIER_TRY(std::string base_config, store.read_blob(manifest.config.digest));
  json config = json::parse(base_config, nullptr, false);
  if (!config.is_object()) return Error("the config of image " + base.id + " is not a JSON object");
  if (!config["config"].is_object()) config["config"] = json::object();
  for (const auto& change : o.changes) PIER_CHECK(image::apply_change(config["config"], change));

  PIER_TRY(FileLock lock, store.writer_lock());
  PIER_TRY(builder::LayerBlob blob, upper_layer(store, r, o.pause));
  std::string chain;
  if (!config["rootfs"].is_object() || !config["rootfs"]["diff_ids"].is_array())
    return Error("the config of image " + base.id + " has no rootfs.diff_ids");
  for (const auto& diff : config["rootfs"]["diff_ids"]) {
    if (!diff.is_string()) return Error("the config of image " + base.id + " has a diff id that is not a string");
    chain = image::next_chain_id(chain, diff.get<std::string>());
  }
  PIER_TRY(std::string diff_id, store.unpack_layer(chain, blob.digest, store.blob_path(blob.digest)));

  const std::string now = commit_time();
  config["rootfs"]["diff_ids"].push_back(diff_id);
  config["created"] = now;
  if (!o.author.empty()) config["author"] = o.author;
  json entry = {{"created", now}, {"created_by", r.command}};
  if (!o.author.empty()) entry["author"] = o.author;
  if (!o.message.empty()) entry["comment"] = o.message;
  if (!config["history"].is_array()) config["history"] = json::array();
  config["history"].push_back(entry);
  // The user's -a, -m and -c text: invalid UTF-8 must not throw from dump().
  std::string config_json = config.dump(-1, ' ', false, json::error_handler_t::replace);
  PIER_TRY(std::string config_digest, store.put_blob(config_json));

  json layers = json::array();
  for (const auto& l : manifest.layers)
    layers.push_back(image::descriptor_json(l.media_type, l.digest, static_cast<uint64_t>(l.size)));
  layers.push_back(image::descriptor_json(image::media::kOciLayer, blob.digest, blob.size));
  json doc = {{"schemaVersion", 2},
              {"mediaType", image::media::kOciManifest},
              {"config", image::descriptor_json(image::media::kOciConfig, config_digest, config_json.size())},
              {"layers", layers}};
  PIER_TRY(std::string manifest_digest, store.put_blob(doc.dump()));
  image::CommitRequest request;
  request.manifest_digest = manifest_digest;
  request.names = std::move(names);
  return image::commit_image(store, request);
}

}  // namespace pier::app
