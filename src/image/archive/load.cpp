#include "image/archive/load.h"

#include <nlohmann/json.hpp>

#include "image/json_util.h"

#include "image/archive/archive_members.h"
#include "image/limits.h"
#include "image/store/commit.h"

namespace pier::image {
namespace {

using nlohmann::json;

// Archive JSON is untrusted: read string arrays without nlohmann's throwing conversions.
std::vector<std::string> string_array_at(const json& j, const char* key) {
  std::vector<std::string> out;
  if (auto it = j.find(key); it != j.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::vector<std::string> normalized_names(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const auto& t : tags)
    if (auto ref = parse_reference(t); ref.ok()) out.push_back(ref->str());
  return out;
}

// One entry of docker save's manifest.json: {Config, RepoTags, Layers}.
Result<ImageRecord> load_docker_entry(const Store& store, const ArchiveMembers& members, const json& entry) {
  if (!entry.is_object() || !entry.contains("Config") || !entry["Config"].is_string())
    return Error("`manifest.json` entry has no Config path");
  PIER_TRY(std::string config_json, members.text_of(store, entry["Config"].get<std::string>()));
  PIER_TRY(std::string config_digest, store.put_blob(config_json));
  json layers = json::array();
  for (const auto& path : string_array_at(entry, "Layers")) {
    PIER_TRY(std::string digest, members.digest_of(path));
    PIER_TRY(uint64_t size, store.blob_size(digest));
    layers.push_back(descriptor_json(media::kOciLayer, digest, size));
  }
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", media::kOciManifest},
                   {"config", descriptor_json(media::kOciConfig, config_digest, config_json.size())},
                   {"layers", layers}};
  PIER_TRY(std::string manifest_digest, store.put_blob(manifest.dump()));
  CommitRequest request;
  request.manifest_digest = manifest_digest;
  request.names = normalized_names(string_array_at(entry, "RepoTags"));
  return commit_image(store, request);
}

// A manifest or index of the archive, as its descriptor says it is: the blob
// must have the descriptor's size, and its type must agree with the document's.
Result<DocumentKind> read_described(const Store& store, const Descriptor& d, std::string& doc) {
  PIER_TRY(doc, store.read_blob(d.digest, limits::kMaxManifestBytes));
  if (doc.size() != static_cast<uint64_t>(d.size))
    return Error("blob " + d.digest + " has " + std::to_string(doc.size()) + " bytes, its descriptor gives " +
                 std::to_string(d.size));
  return classify_document(d.media_type, doc).context("blob " + d.digest);
}

// An OCI index entry: a manifest, or a nested index to pick the platform from.
Result<ImageRecord> load_oci_entry(const Store& store, const Descriptor& top, const LoadOptions& options) {
  Descriptor chosen = top;
  std::string doc;
  PIER_TRY(DocumentKind kind, read_described(store, top, doc));
  if (kind == DocumentKind::index) {
    PIER_TRY(Index index, parse_index(doc));
    PIER_TRY(chosen, select_platform(index, options.platform));
    PIER_TRY(DocumentKind chosen_kind, read_described(store, chosen, doc));
    if (chosen_kind != DocumentKind::manifest)
      return Error("index entry " + chosen.digest + " is not an image manifest").hint("pier reads one level of index");
  }
  CommitRequest request;
  request.manifest_digest = chosen.digest;
  request.repo_digest = top.digest;
  for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
    auto it = top.annotations.find(key);
    if (it == top.annotations.end()) continue;
    // A bare tag ("latest") names no repository: such an image stays untagged.
    if (it->second.find_first_of("/") == std::string::npos && it->second.find(':') == std::string::npos) continue;
    if (auto ref = parse_reference(it->second); ref.ok()) {
      request.names.push_back(ref->str());
      break;
    }
  }
  return commit_image(store, request);
}

}  // namespace

Result<std::vector<ImageRecord>> load_archive(const Store& store, const std::string& path, const LoadOptions& options) {
  PIER_TRY(FileLock lock, store.writer_lock());
  PIER_TRY(ArchiveMembers members, read_archive_members(store, path));
  std::vector<ImageRecord> loaded;
  if (auto it = members.json_files.find("manifest.json"); it != members.json_files.end()) {
    auto entries = json::parse(it->second, nullptr, false);
    if (!entries.is_array()) return Error("`manifest.json` in `" + path + "` is not a JSON array");
    for (const auto& entry : entries) {
      PIER_TRY(ImageRecord r, load_docker_entry(store, members, entry).context("loading `" + path + "`"));
      loaded.push_back(std::move(r));
    }
    return loaded;
  }
  auto index_json = members.json_files.find("index.json");
  if (index_json == members.json_files.end())
    return Error("`" + path + "` is neither a docker save archive nor an OCI archive")
        .hint("it has no manifest.json or index.json");
  PIER_TRY(Index index, parse_index(index_json->second));
  for (const auto& d : index.manifests) {
    PIER_TRY(ImageRecord r, load_oci_entry(store, d, options).context("loading `" + path + "`"));
    loaded.push_back(std::move(r));
  }
  return loaded;
}

}  // namespace pier::image
