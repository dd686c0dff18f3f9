// Randomised inputs: mutated layer tarballs and reference strings must fail
// cleanly (or succeed) without crashing and without writing outside the layer.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "base/atomic_file.h"
#include "image/reference.h"
#include "image/unpack/layer_unpacker.h"
#include "unit/image/tar_builder.h"
#include "unit/image/temp_dir.h"

using namespace pier;
using test::TarBuilder;
using test::TempDir;

TEST_CASE("mutated tarballs never escape the layer", "[unpack][robustness]") {
  TempDir tmp;
  std::filesystem::create_directory(tmp / "outside");
  std::string base = TarBuilder()
                         .dir("etc")
                         .file("etc/a", "aaaa")
                         .symlink("up", "../../outside")
                         .symlink("abs", tmp / "outside")
                         .hardlink("etc/b", "etc/a")
                         .file("etc/.wh.c", "")
                         .file("deep/x/y/z", std::string(3000, 'z'))
                         .finish();
  std::mt19937 rng(1234);
  for (int round = 0; round < 300; ++round) {
    std::string tar = base;
    int flips = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < flips; ++i) {
      size_t pos = rng() % tar.size();
      // Bias the mutations towards the 512-byte headers, where names and types live.
      if (rng() % 2) pos = (pos / 512) * 512 + rng() % 160;
      tar[pos % tar.size()] = static_cast<char>(rng() % 2 ? rng() : "./.."[rng() % 4]);
    }
    std::string layer = tmp / ("layer" + std::to_string(round));
    std::filesystem::create_directory(layer);
    std::ofstream(tmp / "t.tar", std::ios::binary | std::ios::trunc) << tar;
    (void)image::unpack_layer(tmp / "t.tar", layer);
    std::filesystem::remove_all(layer);
  }
  CHECK(std::filesystem::is_empty(tmp / "outside"));
  // Nothing may appear beside the layers either.
  for (auto& e : std::filesystem::directory_iterator(tmp.path())) {
    std::string name = e.path().filename();
    CHECK((name == "outside" || name == "t.tar"));
  }
}

TEST_CASE("random reference strings never crash the parser", "[reference][robustness]") {
  std::mt19937 rng(99);
  const std::string alphabet = "abcXYZ019._-:/@[]sha256";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    size_t len = rng() % 40;
    for (size_t j = 0; j < len; ++j) s += alphabet[rng() % alphabet.size()];
    auto r = image::parse_reference(s);
    if (r.ok()) {
      CHECK(image::parse_reference(r->str()).ok());  // normalised forms parse again
    }
  }
}
