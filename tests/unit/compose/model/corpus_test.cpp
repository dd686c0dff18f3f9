// Smoke test over the real-world compose files in the shared corpus: every file
// that parses and needs no interpolation must normalise, or fail with a located error.
#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "helpers.h"

using namespace pier::compose;

TEST_CASE("awesome-compose files normalise", "[compose][corpus]") {
  namespace fs = std::filesystem;
  fs::path root = fs::path(PIER_SHARED_DIR) / "corpus" / "awesome-compose";
  if (!fs::exists(root)) return;  // Catch2 v2 has no SKIP: nothing to check without the corpus
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    std::string name = entry.path().filename().string();
    if (name != "compose.yaml" && name != "docker-compose.yml" && name != "compose.yml") continue;
    auto text = pier::read_file(entry.path().string());
    REQUIRE(text.ok());
    if (text->find("${") != std::string::npos) continue;  // needs the loader's interpolation
    auto root_node = parse_yaml(*text, entry.path().string());
    if (!root_node) continue;
    ProjectTree tree;
    tree.root = std::move(*root_node);
    tree.name = "corpus";
    tree.working_dir = entry.path().parent_path().string();
    Warnings warnings;
    auto project = normalize_project(tree, warnings);
    INFO(entry.path().string());
    if (!project) INFO(project.error().to_string());
    CHECK(project.ok());
    if (project) CHECK_FALSE(to_yaml(to_json(*project)).empty());
    ++checked;
  }
  CHECK(checked > 10);
}

// Hidden (run with "[.compose-go]"): prints how pier judges compose-go's loader test
// files, many of which are invalid on purpose. A review aid, not an assertion.
TEST_CASE("compose-go loader testdata report", "[.compose-go]") {
  namespace fs = std::filesystem;
  fs::path root = fs::path(PIER_SHARED_DIR) / "corpus" / "compose-go" / "loader-testdata";
  if (!fs::exists(root)) return;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".yaml" && entry.path().extension() != ".yml") continue;
    auto text = pier::read_file(entry.path().string());
    if (!text) continue;
    auto node = parse_yaml(*text, entry.path().filename().string());
    if (!node) continue;
    ProjectTree tree;
    tree.root = std::move(*node);
    tree.name = "corpus";
    tree.working_dir = entry.path().parent_path().string();
    Warnings warnings;
    auto project = normalize_project(tree, warnings);
    std::cout << entry.path().filename().string() << ": "
              << (project ? "ok" : project.error().to_string()) << "\n";
  }
}
