#include "image/store/commit.h"

#include <ctime>


namespace pier::image {

Status unpack_manifest_layers(const Store& store, const Manifest& manifest, const ImageConfig& config) {
  if (manifest.layers.size() != config.diff_ids.size())
    return Error("manifest lists " + std::to_string(manifest.layers.size()) + " layers but the config has " +
                 std::to_string(config.diff_ids.size()) + " diff ids");
  std::string chain;
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    const auto& layer = manifest.layers[i];
    std::string next = next_chain_id(chain, config.diff_ids[i]);
    if (store.has_layer(next)) {  // shared with an image already in the store
      chain = next;
      continue;
    }
    if (!store.has_blob(layer.digest)) return Error("layer blob " + layer.digest + " is missing from the store");
    PIER_CHECK(store.unpack_layer(chain, config.diff_ids[i], store.blob_path(layer.digest))
                   .context("layer " + layer.digest));
    chain = next;
  }
  return {};
}

Result<ImageRecord> commit_image(const Store& store, const CommitRequest& request) {
  PIER_TRY(std::string manifest_json, store.read_blob(request.manifest_digest, limits::kMaxManifestBytes));
  PIER_TRY(Manifest manifest, parse_manifest(manifest_json));
  PIER_TRY(std::string config_json, store.read_blob(manifest.config.digest).context("image config"));
  PIER_TRY(ImageConfig config, parse_image_config(config_json));
  PIER_CHECK(unpack_manifest_layers(store, manifest, config));
  ImageRecord record;
  record.manifest_digest = request.manifest_digest;
  record.media_type = manifest.media_type.empty() ? std::string(media::kOciManifest) : manifest.media_type;
  record.manifest_size = static_cast<int64_t>(manifest_json.size());
  record.id = manifest.config.digest;
  record.repo_digest = request.repo_digest;
  record.platform = Platform{config.os.empty() ? "linux" : config.os, config.architecture, config.variant}.str();
  record.updated_at = static_cast<int64_t>(std::time(nullptr));
  std::vector<std::string> names = request.names;
  if (names.empty()) names.push_back(record.id);  // untagged: reachable by ID until removed
  for (const auto& name : names) {
    record.name = name;
    PIER_CHECK(store.tag(record));
  }
  return record;
}

}  // namespace pier::image
