// Garbage collection: mark what index.json reaches, sweep the rest. Runs under
// gc.lock held exclusive, so no pull, load or import is half-way through.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "base/unique_fd.h"
#include "image/store/store.h"
#include "image/unpack/in_root.h"

namespace pier::image {
namespace {

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(path.c_str())) {
    while (auto* e = ::readdir(d))
      if (std::string n = e->d_name; n != "." && n != "..") out.push_back(n);
    ::closedir(d);
  }
  return out;
}

uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

Status sweep(const std::string& dir, const std::set<std::string>& keep, int& removed, uint64_t* bytes) {
  UniqueFd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return Error::system("open", dir, errno);
  for (const auto& name : list_dir(dir)) {
    if (keep.count(name)) continue;
    if (bytes) *bytes += file_size(dir + "/" + name);
    PIER_CHECK(remove_at(fd.get(), name));
    ++removed;
  }
  return {};
}

}  // namespace

Result<GcStats> Store::gc(const std::set<std::string>& keep_ids) const {
  PIER_TRY(FileLock lock, FileLock::acquire(dir_ + "/gc.lock", FileLock::Mode::exclusive));
  PIER_TRY(auto records, read_index());
  std::set<std::string> blobs, layers;
  auto keep_blob = [&](const std::string& d) {
    if (d.size() > 7) blobs.insert(d.substr(7));
  };
  for (const auto& r : records) {
    keep_blob(r.manifest_digest);
    keep_blob(r.id);
    if (auto m = load_manifest(*this, r); m.ok())
      for (const auto& l : m->layers) keep_blob(l.digest);
    auto config_json = read_blob(r.id);
    if (!config_json) continue;
    auto config = parse_image_config(*config_json);
    if (!config) continue;
    for (const auto& c : chain_ids(config->diff_ids)) layers.insert(c.substr(7));
  }
  for (const auto& id : keep_ids) {
    auto config_json = read_blob(id);
    if (!config_json) continue;  // already gone: nothing of it to keep
    keep_blob(id);
    auto config = parse_image_config(*config_json);
    if (!config) continue;
    for (const auto& c : chain_ids(config->diff_ids)) layers.insert(c.substr(7));
  }
  GcStats stats;
  int tmp_removed = 0;
  PIER_CHECK(sweep(dir_ + "/blobs/sha256", blobs, stats.blobs_removed, &stats.bytes_freed));
  PIER_CHECK(sweep(dir_ + "/layers", layers, stats.layers_removed, nullptr));
  PIER_CHECK(sweep(dir_ + "/tmp", {}, tmp_removed, nullptr));
  return stats;
}

}  // namespace pier::image
