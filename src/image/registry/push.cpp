#include "image/registry/push.h"

#include <fcntl.h>

#include <cerrno>

#include <vector>

#include "base/unique_fd.h"
#include "image/digest.h"
#include "image/limits.h"
#include "image/registry/client.h"

namespace pier::image {
namespace {

Status push_blob(const Store& store, RegistryClient& client, const Descriptor& blob, const PushOptions& o) {
  PIER_TRY(bool present, client.has_blob(blob));
  if (present) {
    if (o.progress) o.progress(short_id(blob.digest), "Layer already exists");
    return {};
  }
  std::string path = store.blob_path(blob.digest);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::system("open", path, errno);
  PIER_CHECK(client.put_blob(blob, fd.get()));
  if (o.progress) o.progress(short_id(blob.digest), "Pushed");
  return {};
}

}  // namespace

Result<std::string> push_image(const Store& store, const std::string& local, const Reference& remote,
                               const PushOptions& o) {
  // Held shared, as writers do, so GC cannot remove a blob while it is uploaded.
  PIER_TRY(FileLock lock, store.writer_lock());
  const std::string what = "push " + local + " as " + remote.familiar();
  PIER_TRY(ImageRecord record, store.find(local).context(what));
  PIER_TRY(std::string manifest_json, store.read_blob(record.manifest_digest, limits::kMaxManifestBytes).context(what));
  PIER_TRY(Manifest manifest, parse_manifest(manifest_json).context(what));
  if (!remote.digest.empty() && remote.digest != record.manifest_digest)
    return Error(what + ": the image's manifest is " + record.manifest_digest + ", not " + remote.digest);
  RegistryClient client(remote, o.registries);
  client.push_access = true;
  std::vector<Descriptor> blobs = manifest.layers;
  blobs.push_back(manifest.config);
  for (const auto& blob : blobs) PIER_CHECK(push_blob(store, client, blob, o).context(what));
  std::string media_type = record.media_type.empty() ? manifest.media_type : record.media_type;
  return client.put_manifest(remote.digest.empty() ? remote.tag : remote.digest, media_type, manifest_json)
      .context(what);
}

}  // namespace pier::image
