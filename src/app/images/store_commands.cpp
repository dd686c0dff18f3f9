// image ls, load, import, rm, prune: the store commands.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "app/images/commands.h"
#include "app/images/format.h"
#include "image/archive/import.h"
#include "image/archive/load.h"
#include "image/digest.h"
#include "image/store/store.h"

namespace pier::app::images {

using namespace pier::image;  // the commands speak the image library's types
namespace {

struct Row {
  std::string repository = "<none>", tag = "<none>", id;
  int64_t updated = 0;
  uint64_t size = 0;
};

uint64_t image_size(const Store& store, const ImageRecord& r) {
  uint64_t total = 0;
  if (auto m = load_manifest(store, r); m.ok())
    for (const auto& l : m->layers) total += static_cast<uint64_t>(l.size);
  return total;
}

Row row_for(const Store& store, const ImageRecord& r, bool no_trunc) {
  Row row;
  row.id = no_trunc ? r.id : image::short_id(r.id);
  row.updated = r.updated_at;
  row.size = image_size(store, r);
  if (auto ref = parse_reference(r.name); ref.ok() && !r.name.starts_with("sha256:")) {
    Reference bare = *ref;
    bare.tag.clear();
    bare.digest.clear();
    row.repository = bare.familiar();
    if (!ref->tag.empty()) row.tag = ref->tag;
  }
  return row;
}

}  // namespace

Status image_ls(const std::string& pier_root, const ListOptions& options, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  PIER_TRY(auto records, store.list());
  std::vector<std::string> wanted;
  for (const auto& name : options.only)
    if (auto ref = parse_reference(name); ref.ok()) wanted.push_back(ref->str());
  std::vector<Row> rows;
  for (const auto& r : records)
    if (wanted.empty() || std::find(wanted.begin(), wanted.end(), r.name) != wanted.end())
      rows.push_back(row_for(store, r, options.no_trunc));
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.updated > b.updated; });
  if (!options.quiet && !options.json)
    fmt::print(out, "{:<40} {:<16} {:<14} {:<24} {}\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
  for (const auto& row : rows) {
    if (options.quiet) {
      fmt::print(out, "{}\n", row.id);
    } else if (options.json) {
      nlohmann::json j = {{"Repository", row.repository}, {"Tag", row.tag}, {"ID", row.id},
                          {"CreatedSince", human_age(row.updated)}, {"Size", human_size(row.size)}};
      fmt::print(out, "{}\n", j.dump());
    } else {
      fmt::print(out, "{:<40} {:<16} {:<14} {:<24} {}\n", row.repository, row.tag, row.id, human_age(row.updated),
                 human_size(row.size));
    }
  }
  return {};
}

Status image_load(const std::string& pier_root, const std::string& input, bool quiet, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  PIER_TRY(auto loaded, load_archive(store, input));
  if (quiet) return {};
  for (const auto& r : loaded) {
    if (r.name.starts_with("sha256:")) {
      fmt::print(out, "Loaded image ID: {}\n", r.id);
    } else if (auto ref = parse_reference(r.name); ref.ok()) {
      fmt::print(out, "Loaded image: {}\n", ref->familiar());
    }
  }
  return {};
}

Status image_import(const std::string& pier_root, const ImportCommand& command, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  ImportOptions options;
  options.changes = command.changes;
  options.message = command.message;
  if (!command.platform.empty()) {
    PIER_TRY(options.platform, parse_platform(command.platform));
  }
  PIER_TRY(ImageRecord r, import_rootfs(store, command.tarball, command.name, options));
  fmt::print(out, "{}\n", r.id);
  return {};
}

namespace {

std::set<std::string> ids_in_use(const std::vector<ImageUse>& in_use) {
  std::set<std::string> ids;
  for (const auto& u : in_use) ids.insert(u.image_id);
  return ids;
}

std::string shown_name(const std::string& n) {
  auto ref = parse_reference(n);
  return ref.ok() && !n.starts_with("sha256:") ? ref->familiar() : n;
}

}  // namespace

Status image_rm(const std::string& pier_root, const std::vector<std::string>& names, bool force,
                const std::vector<ImageUse>& in_use, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  for (const auto& name : names) {
    PIER_TRY(ImageRecord found, store.find(name));
    for (const auto& use : in_use) {
      if (use.image_id != found.id) continue;
      std::string who = "container " + use.container + " (project " + use.project + ")";
      if (use.running)
        return Error("image " + name + " (" + image::short_id(found.id) + ") is used by running " + who)
            .hint("stop and remove the container first (`pier -p " + use.project + " down`)");
      if (!force)
        return Error("image " + name + " (" + image::short_id(found.id) + ") is used by " + who)
            .hint("remove the container first (`pier -p " + use.project + " down` or `rm`), or untag with --force");
    }
    std::vector<std::string> to_remove = {found.name};
    bool by_id = name == found.id || found.id.find(name) != std::string::npos;
    if (by_id) {  // an ID removes every name of the image, as `docker rmi <id>` does
      PIER_TRY(auto records, store.list());
      for (const auto& r : records)
        if (r.id == found.id && r.name != found.name) to_remove.push_back(r.name);
    }
    for (const auto& n : to_remove) {
      PIER_CHECK(store.untag(n));
      fmt::print(out, "Untagged: {}\n", shown_name(n));
    }
  }
  PIER_TRY(GcStats stats, store.gc(ids_in_use(in_use)));
  if (stats.blobs_removed || stats.layers_removed)
    fmt::print(out, "Deleted: {} blobs, {} layers\n", stats.blobs_removed, stats.layers_removed);
  return {};
}

Status image_prune(const std::string& pier_root, bool all, const std::vector<ImageUse>& in_use, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  auto keep = ids_in_use(in_use);
  if (all) {
    PIER_TRY(auto records, store.list());
    for (const auto& r : records) {
      if (keep.count(r.id)) continue;
      PIER_CHECK(store.untag(r.name));
      fmt::print(out, "Untagged: {}\n", shown_name(r.name));
    }
  }
  PIER_TRY(GcStats stats, store.gc(keep));
  fmt::print(out, "Deleted {} blobs and {} layers\nTotal reclaimed space: {}\n", stats.blobs_removed,
             stats.layers_removed, human_size(stats.bytes_freed));
  return {};
}

}  // namespace pier::app::images
