// Every compose file of the shared corpus goes through load_tree: valid ones load,
// the broken ones (cycles, references to files that do not exist) fail with a
// located error. SKIPs when /work/shared/corpus is absent.
#include <filesystem>
#include <map>

#include "compose/loader.h"
#include "base/atomic_file.h"
#include "base/strings.h"
#include "helpers.h"

using namespace pier::compose;
namespace fs = std::filesystem;

namespace {

const fs::path kCorpus = (fs::path(PIER_SHARED_DIR) / "corpus").lexically_normal();

std::vector<fs::path> yaml_files_under(const fs::path& root, bool compose_named_only) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    auto ext = entry.path().extension();
    if (ext != ".yaml" && ext != ".yml") continue;
    auto name = entry.path().filename().string();
    if (compose_named_only && name.find("compose") == std::string::npos) continue;
    out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

pier::Result<ProjectTree> load_file(const fs::path& file) {
  LoadOptions opts;
  opts.files = {file.string()};
  opts.working_directory = file.parent_path().string();
  return load_tree(opts);
}

}  // namespace

TEST_CASE("corpus: compose-go loader-testdata", "[loader][corpus]") {
  fs::path root = kCorpus / "compose-go" / "loader-testdata";
  if (!fs::exists(root)) {
    WARN("SKIP: " << root << " not found");
    return;
  }
  // Files expected to fail, with a fragment of the error.
  const std::map<std::string, std::string> failing = {
      {"compose-include-cycle.yaml", "include cycle"},
      {"remote/cycle/compose.yaml", "remote:cycle/compose-cycle.yaml"},
      {"remote/cycle/compose-cycle.yaml", "remote:cycle/compose.yaml"},
      {"remote/nested/compose.yaml", "remote:nested/compose-nested.yaml"},
      {"empty.yaml", "empty compose file"},
  };
  auto files = yaml_files_under(root, false);
  CHECK(files.size() >= 30);
  for (const auto& file : files) {
    std::string rel = fs::relative(file, root).string();
    INFO(rel);
    auto tree = load_file(file);
    auto expected = failing.find(rel);
    if (expected == failing.end()) {
      CHECK(tree.ok());
      if (!tree) UNSCOPED_INFO(tree.error().to_string());
      if (tree) CHECK_FALSE(tree->name.empty());
    } else {
      REQUIRE_FALSE(tree.ok());
      CHECK_THAT(tree.error().to_string(), Catch::Contains(expected->second));
      CHECK(pier::starts_with(tree.error().location(), root.string()));
    }
  }
}

TEST_CASE("corpus: compose-go extends and include results", "[loader][corpus]") {
  fs::path root = kCorpus / "compose-go" / "loader-testdata";
  if (!fs::exists(root)) {
    WARN("SKIP: " << root << " not found");
    return;
  }
  auto tree = load_file(root / "compose-test-extends.yaml");
  REQUIRE(tree.ok());
  const Node* importer = tree->root.find("services")->find("importer");
  REQUIRE(importer);
  CHECK(importer->find("image")->value() == "nginx");
  CHECK(importer->find("container_name")->value() == "imported");
  CHECK(test::flow(*importer->find("env_file")) == "[" + (root / "subdir/extra.env").string() + "]");

  tree = load_file(root / "extends/reset.yaml");
  REQUIRE(tree.ok());
  CHECK(tree->root.find("services")->find("base")->find("command") == nullptr);

  tree = load_file(root / "include/project-directory.yaml");
  REQUIRE(tree.ok());
  const Node* service = tree->root.find("services")->find("service");
  CHECK(test::flow(*service->find("env_file")) == "[" + (root / "subdir/extra.env").string() + "]");
  CHECK(service->find("volumes")->items()[0].find("source")->value() ==
        (root / "subdir/compose-test-extends-imported.yaml").string());
}

TEST_CASE("corpus: awesome-compose", "[loader][corpus]") {
  fs::path root = kCorpus / "awesome-compose";
  if (!fs::exists(root)) {
    WARN("SKIP: " << root << " not found");
    return;
  }
  auto files = yaml_files_under(root, true);
  CHECK(files.size() >= 30);
  for (const auto& file : files) {
    INFO(file.string());
    auto tree = load_file(file);
    if (!tree) UNSCOPED_INFO(tree.error().to_string());
    CHECK(tree.ok());
    if (tree) CHECK(tree->root.find("services") != nullptr);
  }
}

TEST_CASE("corpus: every truncated awesome-compose file parses or fails cleanly", "[loader][corpus]") {
  fs::path root = kCorpus / "awesome-compose";
  if (!fs::exists(root)) {
    WARN("SKIP: " << root << " not found");
    return;
  }
  for (const auto& file : yaml_files_under(root, true)) {
    auto text = pier::read_file(file.string());
    REQUIRE(text.ok());
    // Cut at every 7th byte: half-written documents must give errors, never crash.
    for (size_t cut = 0; cut < text->size(); cut += 7) {
      auto r = parse_yaml(std::string_view(*text).substr(0, cut), file.string());
      if (!r) CHECK_FALSE(r.error().location().empty());
    }
  }
}
