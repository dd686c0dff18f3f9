#include "image/archive/import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/json_util.h"

#include "base/unique_fd.h"
#include "image/archive/change.h"
#include "image/limits.h"
#include "image/store/commit.h"

namespace pier::image {
namespace {

using nlohmann::json;

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Copies the tarball into a blob and tells its media type from its magic bytes.
Result<std::pair<std::string, std::string>> store_tarball(const Store& store, const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::system("open", path, errno);
  PIER_TRY(BlobWriter blob, store.new_blob());
  std::vector<char> buf(1 << 20);
  std::string media(media::kOciLayer);
  bool first = true;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("read", path, errno);
    if (n == 0) break;
    if (first && n >= 4) {
      auto* b = reinterpret_cast<unsigned char*>(buf.data());
      if (b[0] == 0x1f && b[1] == 0x8b) media = media::kOciLayerGzip;
      if (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) media = media::kOciLayerZstd;
    }
    first = false;
    // Counted as it is read: the path may be a pipe or a device with no end.
    if (static_cast<uint64_t>(n) > limits::kMaxLayerBytes - blob.size())
      return Error("import `" + path + "`: more than " + limits::byte_count(limits::kMaxLayerBytes) +
                   ", pier's limit for a layer");
    PIER_CHECK(blob.write(buf.data(), static_cast<size_t>(n)));
  }
  PIER_TRY(std::string digest, blob.commit({}));
  return std::make_pair(digest, media);
}

Result<json> build_config(const std::string& diff_id, const ImportOptions& options) {
  json config = json::object();
  for (const auto& change : options.changes) PIER_CHECK(apply_change(config, change));
  json doc = {{"created", now_rfc3339()},
              {"architecture", options.platform.architecture},
              {"os", options.platform.os},
              {"config", config},
              {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id}}}},
              {"history", {{{"created", now_rfc3339()}, {"created_by", "pier image import"},
                            {"comment", options.message}}}}};
  if (!options.platform.variant.empty()) doc["variant"] = options.platform.variant;
  return doc;
}

}  // namespace

Result<ImageRecord> import_rootfs(const Store& store, const std::string& tarball, const std::string& name,
                                  const ImportOptions& options) {
  std::string full_name;
  if (!name.empty()) {
    PIER_TRY(Reference ref, parse_reference(name));
    full_name = ref.str();
  }
  PIER_TRY(FileLock lock, store.writer_lock());
  PIER_TRY(auto layer, store_tarball(store, tarball));
  auto& [layer_digest, layer_media] = layer;
  PIER_TRY(std::string diff_id, store.unpack_layer("", "", store.blob_path(layer_digest)));
  PIER_TRY(json config, build_config(diff_id, options));
  // --change text is the user's: never let invalid UTF-8 throw from dump().
  std::string config_json = config.dump(-1, ' ', false, json::error_handler_t::replace);
  PIER_TRY(std::string config_digest, store.put_blob(config_json));
  PIER_TRY(uint64_t layer_size, store.blob_size(layer_digest));
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", media::kOciManifest},
                   {"config", descriptor_json(media::kOciConfig, config_digest, config_json.size())},
                   {"layers", {descriptor_json(layer_media, layer_digest, layer_size)}}};
  PIER_TRY(std::string manifest_digest, store.put_blob(manifest.dump()));
  CommitRequest request;
  request.manifest_digest = manifest_digest;
  if (!full_name.empty()) request.names.push_back(full_name);
  return commit_image(store, request);
}

}  // namespace pier::image
