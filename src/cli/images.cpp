// `pier images [SERVICE...]`: the images the project's containers were created from,
// with their size in the local store, as `docker compose images` lists them.
#include <cstdio>
#include <set>

#include "app/format/listing.h"
#include "app/images/format.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"
#include "cli/table.h"
#include "image/reference.h"
#include "image/store/store.h"
#include "state/container_record.h"

namespace pier::cli {
namespace {

struct ImagesFlags {
  bool quiet = false;
  std::string format = "table";
  std::vector<std::string> services;
};

struct Row {
  std::string container, repository, tag, id;  // id: "sha256:<hex>"
  uint64_t size = 0;
};

// Sum of the compressed layer blobs, as `docker images` counts an image pulled here.
uint64_t image_size(const image::Store& store, const std::string& id) {
  auto record = store.find(id);
  if (!record) return 0;
  auto manifest = image::load_manifest(store, *record);
  if (!manifest) return 0;
  uint64_t total = 0;
  for (const auto& layer : manifest->layers) total += static_cast<uint64_t>(layer.size);
  return total;
}

Row row_of(const image::Store& store, const state::ContainerRecord& r) {
  Row row{r.name, r.image, "<none>", r.image_id, image_size(store, r.image_id)};
  if (auto ref = image::parse_reference(r.image)) {
    image::Reference bare = *ref;
    bare.tag.clear();
    bare.digest.clear();
    row.repository = bare.familiar();
    if (!ref->tag.empty()) row.tag = ref->tag;
  }
  return row;
}

std::string hex_of(const std::string& id) {
  auto colon = id.find(':');
  return colon == std::string::npos ? id : id.substr(colon + 1);
}

Status print_rows(const std::vector<Row>& rows, const ImagesFlags& f) {
  if (f.quiet) {
    std::set<std::string> seen;
    for (const auto& row : rows)
      if (seen.insert(row.id).second) std::printf("%s\n", hex_of(row.id).c_str());
    return {};
  }
  bool default_table = f.format.empty() || f.format == "table" || f.format == "pretty";
  if (!default_table) {
    std::vector<nlohmann::json> out;
    for (const auto& row : rows)
      out.push_back({{"ID", row.id}, {"ContainerName", row.container}, {"Repository", row.repository},
                     {"Tag", row.tag}, {"Size", row.size}});
    static const app::format::Listing listing{{{"ID", "IMAGE ID"}, {"ContainerName", "CONTAINER"},
                                               {"Repository", "REPOSITORY"}, {"Tag", "TAG"}, {"Size", "SIZE"}},
                                              "", 20, true};
    return app::format::print_listing(f.format, out, listing, stdout);
  }
  Table table({"CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"});
  table.set_min_width(20);  // Compose's own tables: tabwriter minwidth 20
  for (const auto& row : rows)
    table.add({row.container, row.repository, row.tag, hex_of(row.id).substr(0, 12),
               app::images::human_size(row.size)});
  table.print(stdout);
  return {};
}

Status list_images(const GlobalOptions& globals, const ImagesFlags& f) {
  PIER_CHECK(app::format::check_format(f.format));
  PIER_TRY(auto project, resolve_project(globals, f.services));
  PIER_CHECK(check_services(project, f.services));
  PIER_TRY(auto records, state::RecordStore(project.paths.records_dir()).list());
  PIER_TRY(auto store, image::Store::open(state_root(globals)));
  std::vector<Row> rows;
  for (const auto& r : records) {
    if (r.oneoff) continue;
    if (!f.services.empty() && std::find(f.services.begin(), f.services.end(), r.service) == f.services.end()) continue;
    rows.push_back(row_of(store, r));
  }
  return print_rows(rows, f);
}

}  // namespace

void register_images(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("images", "List images used by the created containers");
  auto f = std::make_shared<ImagesFlags>();
  cmd->add_flag("-q,--quiet", f->quiet, "Only display IDs");
  cmd->add_option("--format", f->format, "Format the output: table, json or a Go template ('{{json .}}')");
  cmd->add_option("services", f->services, "Services (default: all)");
  cmd->callback([f, &globals, &result] {
    auto st = list_images(globals, *f);
    result.exit_code = st ? 0 : report(st.error());
  });
}

}  // namespace pier::cli
