#include "image/store/store.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/atomic_file.h"
#include "base/scope_exit.h"
#include "base/unique_fd.h"
#include "image/digest.h"
#include "image/unpack/in_root.h"

namespace pier::image {
namespace {

Status make_dir(const std::string& path, mode_t mode = 0700) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return Error::system("create directory", path, errno);
  return {};
}

std::string hex_or_empty(std::string_view digest) {
  auto hex = digest_hex(digest);
  return hex ? *hex : std::string();
}

Status remove_path(const std::string& path) {
  auto slash = path.rfind('/');
  UniqueFd parent(::open(path.substr(0, slash).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!parent) return Error::system("open", path.substr(0, slash), errno);
  return remove_at(parent.get(), path.substr(slash + 1));
}

}  // namespace

Result<Store> Store::open(const std::string& pier_root) {
  std::error_code ec;
  std::filesystem::create_directories(pier_root, ec);  // like --root of docker, parents too
  if (ec) return Error::system("create directory", pier_root, ec.value());
  std::string dir = pier_root + "/images";
  for (const auto& sub : {dir, dir + "/blobs", dir + "/blobs/sha256", dir + "/layers", dir + "/tmp"})
    PIER_CHECK(make_dir(sub).context("opening the image store"));
  return Store(dir);
}

std::string Store::blob_path(std::string_view digest) const {
  return dir_ + "/blobs/sha256/" + hex_or_empty(digest);
}

bool Store::has_blob(std::string_view digest) const {
  if (hex_or_empty(digest).empty()) return false;
  return ::access(blob_path(digest).c_str(), F_OK) == 0;
}

Result<std::string> Store::read_blob(std::string_view digest, uint64_t max_bytes) const {
  PIER_CHECK(digest_hex(digest));
  PIER_TRY(uint64_t size, blob_size(digest));
  if (size > max_bytes)
    return Error("blob " + std::string(digest) + " is " + std::to_string(size) + " bytes, more than the " +
                 limits::byte_count(max_bytes) + " pier reads for a manifest or config");
  return read_file(blob_path(digest));
}

Result<uint64_t> Store::blob_size(std::string_view digest) const {
  struct stat st {};
  if (::stat(blob_path(digest).c_str(), &st) != 0) return Error::system("stat", blob_path(digest), errno);
  return static_cast<uint64_t>(st.st_size);
}

Result<BlobWriter> Store::new_blob() const { return BlobWriter::create(dir_ + "/tmp", dir_ + "/blobs/sha256"); }

Result<std::string> Store::put_blob(std::string_view data, std::string_view expected) const {
  PIER_TRY(BlobWriter w, new_blob());
  PIER_CHECK(w.write(data));
  return w.commit(expected, -1);
}

std::string Store::layer_root(std::string_view chain_id) const {
  return dir_ + "/layers/" + hex_or_empty(chain_id) + "/root";
}

bool Store::has_layer(std::string_view chain_id) const {
  if (hex_or_empty(chain_id).empty()) return false;
  return ::access(layer_root(chain_id).c_str(), F_OK) == 0;
}

std::string next_chain_id(std::string_view parent_chain, std::string_view diff_id) {
  if (parent_chain.empty()) return std::string(diff_id);
  return sha256_digest(std::string(parent_chain) + " " + std::string(diff_id));
}

Result<std::string> Store::unpack_layer(std::string_view parent_chain, std::string_view expected_diff_id,
                                        const std::string& blob) const {
  if (!expected_diff_id.empty() && has_layer(next_chain_id(parent_chain, expected_diff_id)))
    return std::string(expected_diff_id);
  std::string tmpl = dir_ + "/tmp/layer-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return Error::system("create temp layer in", dir_ + "/tmp", errno);
  ScopeExit cleanup([&] { (void)remove_path(tmpl); });
  std::string root = tmpl + "/root";
  PIER_CHECK(make_dir(root, 0755));
  PIER_TRY(UnpackStats stats, image::unpack_layer(blob, root));
  if (!expected_diff_id.empty() && stats.diff_id != expected_diff_id)
    return Error("layer " + std::string(expected_diff_id) + " unpacked to content " + stats.diff_id)
        .hint("the layer blob does not match the image config; nothing was stored");
  // The layer must be on disk before it becomes visible under its chain id.
  UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd) ::syncfs(fd.get());
  std::string final_dir = dir_ + "/layers/" + hex_or_empty(next_chain_id(parent_chain, stats.diff_id));
  if (::rename(tmpl.c_str(), final_dir.c_str()) != 0) {
    if (errno == EEXIST || errno == ENOTEMPTY) return stats.diff_id;  // a concurrent unpack won
    return Error::system("rename layer to", final_dir, errno);
  }
  cleanup.release();
  return stats.diff_id;
}

Result<FileLock> Store::writer_lock() const {
  return FileLock::acquire(dir_ + "/gc.lock", FileLock::Mode::shared);
}

bool Store::is_complete(const ImageRecord& record) const {
  if (!has_blob(record.manifest_digest) || !has_blob(record.id)) return false;
  auto config_json = read_blob(record.id);
  if (!config_json) return false;
  auto config = parse_image_config(*config_json);
  if (!config) return false;
  for (const auto& chain : chain_ids(config->diff_ids))
    if (!has_layer(chain)) return false;
  return true;
}

Result<Manifest> load_manifest(const Store& store, const ImageRecord& record) {
  PIER_TRY(std::string text, store.read_blob(record.manifest_digest, limits::kMaxManifestBytes));
  return parse_manifest(text);
}

Result<ResolvedImage> Store::resolve(std::string_view name_or_id) const {
  ResolvedImage out;
  PIER_TRY(out.record, find(name_or_id));
  PIER_TRY(std::string config_json, read_blob(out.record.id).context("reading the image config"));
  PIER_TRY(out.config, parse_image_config(config_json).context("image " + out.record.name));
  auto chains = chain_ids(out.config.diff_ids);
  for (auto it = chains.rbegin(); it != chains.rend(); ++it) {
    if (!has_layer(*it))
      return Error("image " + out.record.name + " is missing layer " + *it).hint("pull it again");
    out.layer_dirs.push_back(layer_root(*it));
  }
  return out;
}

}  // namespace pier::image
