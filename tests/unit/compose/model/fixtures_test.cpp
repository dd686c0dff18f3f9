// Runs the golden `config` fixture cases (tests/fixtures/config/<case>/) through
// stage 2 directly, so they are checked before the CLI and loader are wired: error
// cases must fail with every line of expected.err in the message, others must pass.
// The files use no interpolation, so parsing stands in for the loader.
#include <catch2/catch.hpp>

#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "compose/discovery.h"
#include "compose/profiles.h"
#include "helpers.h"

using namespace pier::compose;

namespace {

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

Environment read_case_env(const std::filesystem::path& dir) {
  Environment env;
  for (const auto& line : lines_of(dir / "env")) {
    auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

void check_case(const std::filesystem::path& dir) {
  INFO("case " << dir.filename().string());
  auto text = pier::read_file((dir / "compose.yaml").string());
  REQUIRE(text.ok());
  // Stage 2 alone cannot apply command-line flags (`args`) or the loader's
  // interpolation of the project's name: the golden runner checks those cases through
  // the real binary.
  if (std::filesystem::exists(dir / "args") || text->find("${COMPOSE_PROJECT_NAME") != std::string::npos) return;
  auto root = parse_yaml(*text, (dir / "compose.yaml").string());
  if (!root && std::filesystem::exists(dir / "expected.err")) {
    // Broken YAML fails in stage 1: its message is checked as any other error's.
    std::string error = root.error().to_string();
    INFO(error);
    for (const auto& line : lines_of(dir / "expected.err")) CHECK_THAT(error, Catch::Contains(line));
    return;
  }
  REQUIRE(root.ok());
  // Cases whose file is not even a document (an empty file) fail in stage 1;
  // the golden runner checks those through the real binary.
  if (!root->is_mapping()) return;
  ProjectTree tree;
  tree.root = std::move(*root);
  tree.name = dir.filename().string();
  tree.working_dir = dir.string();
  tree.environment = read_case_env(dir);
  // Stage 1 takes the project's name from a top-level `name:` and refuses a bad one.
  pier::Status named;
  if (const Node* name = tree.root.find("name"); name && name->is_scalar())
    if (named = check_project_name(name->value()); !named) named = std::move(named).error().at(name->mark().to_string());
  Warnings warnings;
  auto project = normalize_project(tree, warnings);
  pier::Status profiles;
  if (project) profiles = apply_profiles(*project, {}, {});
  std::string error = !named     ? named.error().to_string()
                      : !project ? project.error().to_string()
                      : !profiles ? profiles.error().to_string()
                                  : "";
  INFO(error);
  if (std::filesystem::exists(dir / "expected.err")) {
    CHECK_FALSE(error.empty());
    for (const auto& line : lines_of(dir / "expected.err")) CHECK_THAT(error, Catch::Contains(line));
  } else {
    CHECK(error.empty());
    if (project) {
      // The YAML must read back as the same document: quoting and block styles are right.
      Json doc = to_json(*project);
      auto reread = parse_yaml(to_yaml(doc), "output.yaml");
      REQUIRE(reread.ok());
      CHECK(node_to_json(*reread).dump(2) == doc.dump(2));
    }
  }
  if (project && std::getenv("PIER_PRINT_CONFIG")) std::cout << "### " << tree.name << "\n" << to_yaml(to_json(*project));
  std::string warned;
  for (const auto& w : warnings) warned += w.location + ": " + w.message + "\n";
  for (const auto& line : lines_of(dir / "expected.warn")) CHECK_THAT(warned, Catch::Contains(line));
}

}  // namespace

TEST_CASE("config fixture cases pass stage 2", "[compose][fixtures]") {
  namespace fs = std::filesystem;
  fs::path root = fs::path(PIER_SOURCE_DIR) / "tests" / "fixtures" / "config";
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!fs::exists(entry.path() / "compose.yaml")) continue;
    check_case(entry.path());
    ++cases;
  }
  CHECK(cases >= 30);
}
