#include "image/registry/pull.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <mutex>
#include <thread>
#include <vector>

#include "image/context.h"
#include "image/digest.h"
#include "image/limits.h"
#include "image/registry/client.h"
#include "image/store/commit.h"

namespace pier::image {
namespace {

struct LayerJob {
  Descriptor blob;
  std::string parent_chain;
  std::string diff_id;
};

void report(const PullOptions& o, const std::string& digest, const char* status, uint64_t cur = 0, uint64_t total = 0) {
  if (o.progress) o.progress(LayerProgress{short_id(digest), status, cur, total});
}

// Refuses a descriptor whose size is over what pier accepts for its kind,
// before a byte is downloaded.
Status check_size(const Descriptor& d, uint64_t max, const char* what) {
  if (static_cast<uint64_t>(d.size) <= max) return {};
  return Error(std::string(what) + " " + d.digest + " is " + std::to_string(d.size) + " bytes, more than " +
               limits::byte_count(max) + ", pier's limit for a " + what);
}

// A manifest reached through an index: its descriptor's type and size must
// hold for what the registry sends.
Result<FetchedDocument> fetch_indexed_manifest(RegistryClient& client, const Descriptor& d) {
  PIER_CHECK(check_size(d, limits::kMaxManifestBytes, "manifest"));
  PIER_TRY(FetchedDocument doc, client.get_manifest(d.digest, static_cast<uint64_t>(d.size)));
  if (doc.body.size() != static_cast<uint64_t>(d.size))
    return Error("manifest " + d.digest + " has " + std::to_string(doc.body.size()) + " bytes, its descriptor gives " +
                 std::to_string(d.size));
  for (std::string_view declared : {std::string_view(doc.content_type), std::string_view(d.media_type)}) {
    PIER_TRY(DocumentKind kind, in_context(classify_document(declared, doc.body), "manifest " + d.digest));
    if (kind != DocumentKind::manifest)
      return Error("index entry " + d.digest + " is not an image manifest").hint("pier reads one level of index");
  }
  return doc;
}

// The platform manifest for `ref`, stored as a blob. Returns its digest and
// the digest the registry knows the reference by (the index's, if any).
Result<std::pair<std::string, std::string>> fetch_manifest(const Store& store, RegistryClient& client,
                                                           const Reference& ref, const PullOptions& o) {
  PIER_TRY(FetchedDocument top,
           client.get_manifest(ref.digest.empty() ? ref.tag : ref.digest, limits::kMaxManifestBytes));
  FetchedDocument chosen = top;
  PIER_TRY(DocumentKind kind, in_context(classify_document(top.content_type, top.body), ref.familiar()));
  switch (kind) {
    case DocumentKind::manifest: break;
    case DocumentKind::index: {
      PIER_TRY(Index index, in_context(parse_index(top.body), ref.familiar()));
      PIER_TRY(Descriptor d, in_context(select_platform(index, o.platform), ref.familiar()));
      PIER_TRY(chosen, in_context(fetch_indexed_manifest(client, d), ref.familiar()));
      break;
    }
    case DocumentKind::unknown:
      return Error("unsupported manifest type `" + top.content_type + "` for " + ref.familiar())
          .hint("pier reads Docker schema 2 and OCI images");
  }
  PIER_CHECK(store.put_blob(chosen.body, chosen.digest));
  return std::make_pair(chosen.digest, top.digest);
}

// `shown`: report its bytes (layers are shown, as docker does; the config is not).
Status fetch_blob(const Store& store, RegistryClient& client, const Descriptor& d, const PullOptions& o, bool shown) {
  if (store.has_blob(d.digest)) return {};
  PIER_TRY(BlobWriter w, store.new_blob());
  ByteProgress progress;
  if (shown) progress = [&](uint64_t cur, uint64_t total) { report(o, d.digest, "Downloading", cur, total); };
  PIER_CHECK(client.get_blob(d, w, progress));
  PIER_TRY(std::string stored, w.commit(d.digest, d.size));
  (void)stored;
  return {};
}

Status pull_layer(const Store& store, RegistryClient& client, const LayerJob& job, const PullOptions& o) {
  PIER_CHECK(fetch_blob(store, client, job.blob, o, true));
  auto size = static_cast<uint64_t>(job.blob.size);
  report(o, job.blob.digest, "Download complete", size, size);
  report(o, job.blob.digest, "Extracting");
  PIER_CHECK(store.unpack_layer(job.parent_chain, job.diff_id, store.blob_path(job.blob.digest)));
  report(o, job.blob.digest, "Pull complete");
  return {};
}

// Runs the jobs on a bounded number of threads; the first error stops new work.
Status run_layer_jobs(const Store& store, RegistryClient& client, const std::vector<LayerJob>& jobs,
                      const PullOptions& o) {
  std::atomic<size_t> next{0};
  std::mutex error_mutex;
  std::optional<Error> first_error;
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      {
        std::lock_guard lock(error_mutex);
        if (first_error) return;
      }
      if (auto st = pull_layer(store, client, jobs[i], o); !st) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::move(st).error();
      }
    }
  };
  int n = std::max(1, std::min<int>(o.parallel_downloads, static_cast<int>(jobs.size())));
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (first_error) return *first_error;
  return {};
}

}  // namespace

Result<ImageRecord> pull_image(const Store& store, const Reference& ref, const PullOptions& o) {
  PIER_TRY(FileLock lock, store.writer_lock());
  RegistryClient client(ref, o.registries);
  PIER_CHECK(client.ping());
  PIER_TRY(auto digests, fetch_manifest(store, client, ref, o));
  auto& [manifest_digest, repo_digest] = digests;
  PIER_TRY(std::string manifest_json, store.read_blob(manifest_digest, limits::kMaxManifestBytes));
  PIER_TRY(Manifest manifest, parse_manifest(manifest_json));
  PIER_CHECK(in_context(check_size(manifest.config, limits::kMaxConfigBytes, "config"), ref.familiar()));
  for (const auto& layer : manifest.layers)
    PIER_CHECK(in_context(check_size(layer, limits::kMaxLayerBytes, "layer"), ref.familiar()));
  PIER_CHECK(in_context(fetch_blob(store, client, manifest.config, o, false), "image config"));
  PIER_TRY(std::string config_json, store.read_blob(manifest.config.digest, limits::kMaxConfigBytes));
  PIER_TRY(ImageConfig config, parse_image_config(config_json));
  if (config.diff_ids.size() != manifest.layers.size())
    return Error("image " + ref.familiar() + ": manifest and config disagree on the number of layers");
  std::vector<LayerJob> jobs;
  std::string chain;
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    const auto& layer = manifest.layers[i];
    if (!is_layer_media_type(layer.media_type))
      return Error("image " + ref.familiar() + " has a layer of unsupported type `" + layer.media_type + "`");
    std::string next = next_chain_id(chain, config.diff_ids[i]);
    if (store.has_layer(next)) {
      report(o, layer.digest, "Already exists");
    } else {
      report(o, layer.digest, "Waiting");
      jobs.push_back(LayerJob{layer, chain, config.diff_ids[i]});
    }
    chain = next;
  }
  PIER_CHECK(in_context(run_layer_jobs(store, client, jobs, o), "pulling " + ref.familiar()));
  CommitRequest request{manifest_digest, {ref.str()}, repo_digest};
  return commit_image(store, request);
}

}  // namespace pier::image
