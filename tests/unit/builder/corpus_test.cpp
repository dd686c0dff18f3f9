// Every Dockerfile of the shared awesome-compose corpus parses, and each instruction
// expands with no variable set (BuildKit features such as RUN --mount and heredocs
// included). SKIPs when the corpus is absent.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "builder/dockerfile/dockerfile.h"

using namespace pier::builder;
namespace fs = std::filesystem;

namespace {

const fs::path kCorpus = (fs::path(PIER_SHARED_DIR) / "corpus" / "awesome-compose").lexically_normal();

std::vector<fs::path> dockerfiles(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    if (pier::to_lower(entry.path().filename().string()).find("dockerfile") == std::string::npos) continue;
    out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void expand_all(const Dockerfile& file, const Instruction& ins) {
  static const VariableLookup none = [](std::string_view) { return std::optional<std::string>(); };
  INFO(file.path << ":" << ins.line << ": " << ins.text);
  auto command = expand(file, ins, none);
  if (!command) UNSCOPED_INFO(command.error().to_string());
  CHECK(command.ok());
}

}  // namespace

TEST_CASE("corpus: awesome-compose Dockerfiles parse and expand", "[dockerfile][corpus]") {
  if (!fs::exists(kCorpus)) {
    WARN("SKIP: " << kCorpus << " not found");
    return;
  }
  auto files = dockerfiles(kCorpus);
  CHECK(files.size() >= 30);
  size_t mounts = 0, heredocs = 0;
  for (const auto& path : files) {
    INFO(path.string());
    auto text = pier::read_file(path.string());
    REQUIRE(text.ok());
    auto file = parse_dockerfile(*text, path.string());
    if (!file) UNSCOPED_INFO(file.error().to_string());
    REQUIRE(file.ok());
    CHECK_FALSE(file->stages.empty());
    for (const auto& ins : file->global_args) expand_all(*file, ins);
    for (const auto& stage : file->stages) {
      expand_all(*file, stage.from);
      for (const auto& ins : stage.instructions) {
        expand_all(*file, ins);
        for (const auto& [name, value] : ins.flags) mounts += name == "mount";
        heredocs += ins.heredocs.size();
      }
    }
  }
  // The corpus uses BuildKit's features; they must have been read as such.
  CHECK(mounts > 0);
  CHECK(heredocs > 0);
}

TEST_CASE("corpus: every truncated Dockerfile parses or fails with a location", "[dockerfile][corpus]") {
  if (!fs::exists(kCorpus)) {
    WARN("SKIP: " << kCorpus << " not found");
    return;
  }
  for (const auto& path : dockerfiles(kCorpus)) {
    auto text = pier::read_file(path.string());
    REQUIRE(text.ok());
    // Cut at every 5th byte: half-written files give errors, never a crash.
    for (size_t cut = 0; cut < text->size(); cut += 5) {
      auto file = parse_dockerfile(std::string_view(*text).substr(0, cut), "Dockerfile");
      if (!file) CHECK(pier::starts_with(file.error().location(), "Dockerfile"));
    }
  }
}
