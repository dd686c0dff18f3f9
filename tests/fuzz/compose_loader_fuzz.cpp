// libFuzzer target for the compose loader: arbitrary bytes as a compose file.
//
// Stage 1 always runs: parse_yaml must return a Node or an Error, never crash,
// hang or leak. When stage 2 is in the tree (compose/normalize.h), the bytes are
// also written as compose.yaml in a private temp dir and loaded like `pier config`
// would: load_tree, normalize_project, to_json and to_yaml.
// Build and run: tests/fuzz/run_fuzz.sh <seconds> (see docs/fuzzing.md).
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "compose/yaml_loader.h"

#if __has_include("compose/normalize.h") && __has_include("compose/output.h")
#define PIER_FUZZ_FULL_LOAD 1
#include "compose/loader.h"
#include "compose/normalize.h"
#include "compose/output.h"
#endif

namespace {

#ifdef PIER_FUZZ_FULL_LOAD
// One directory for the whole run, made once. Its name is random (mkdtemp), so two
// fuzzing processes never share it. libFuzzer exits without unwinding, so the
// directory is removed by an atexit handler (not after a crash: libFuzzer then
// leaves with _Exit, and $TMPDIR/pier-fuzz-* remains).
struct FuzzDir {
  std::string dir;
  std::string file;

  FuzzDir() {
    const char* tmp = getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/pier-fuzz-XXXXXX";
    if (!mkdtemp(tmpl.data())) {
      perror("mkdtemp");
      abort();
    }
    dir = tmpl;
    file = dir + "/compose.yaml";
  }
};

FuzzDir& fuzz_dir() {
  static FuzzDir* d = [] {
    auto* made = new FuzzDir();
    atexit([] {
      unlink(fuzz_dir().file.c_str());
      rmdir(fuzz_dir().dir.c_str());
    });
    return made;
  }();
  return *d;
}

bool write_all(const std::string& path, std::string_view text) {
  FILE* f = fopen(path.c_str(), "wb");
  if (!f) return false;
  bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
  return fclose(f) == 0 && ok;
}

void load_project(std::string_view text) {
  FuzzDir& d = fuzz_dir();
  if (!write_all(d.file, text)) abort();  // the fuzz dir itself failing is a harness bug

  pier::compose::LoadOptions options;
  options.files = {d.file};
  options.project_directory = d.dir;
  options.working_directory = d.dir;
  options.project_name = "fuzz";
  options.environment = {{"HOME", d.dir}, {"FUZZ_VAR", "value"}};

  auto tree = pier::compose::load_tree(options);
  if (!tree) {
    (void)tree.error().to_string();
    return;
  }
  pier::compose::Warnings warnings;
  auto project = pier::compose::normalize_project(*tree, warnings);
  if (!project) {
    (void)project.error().to_string();
    return;
  }
  auto json = pier::compose::to_json(*project);
  (void)pier::compose::to_yaml(json);   // `pier config`
  (void)json.dump(2);                   // `pier config --format json`
}
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto node = pier::compose::parse_yaml(text, "fuzz.yaml");
  if (!node) (void)node.error().to_string();

#ifdef PIER_FUZZ_FULL_LOAD
  load_project(text);
#endif
  return 0;
}
