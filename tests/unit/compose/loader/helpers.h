// Shared helpers for the loader tests: temporary project directories and a
// compact one-line rendering of a Node for comparisons.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "compose/loader.h"
#include "compose/node.h"
#include "compose/yaml_loader.h"

namespace pier::compose::test {

// A fresh directory under $TMPDIR, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pier-loader-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& rel) const { return path_ + "/" + rel; }
  // Writes `content` to `rel`, creating parent directories.
  std::string write(const std::string& rel, const std::string& content) const {
    auto full = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream(full) << content;
    return full.string();
  }

 private:
  std::string path_;
};

// {a: 1, b: [x, y], c: ~}; tags other than none print as `!tag `.
inline std::string flow(const Node& n) {
  std::string out = n.tag().empty() ? "" : n.tag() + " ";
  switch (n.kind()) {
    case Node::Kind::Null: return out + "~";
    case Node::Kind::Scalar: return out + n.value();
    case Node::Kind::Sequence: {
      out += "[";
      for (size_t i = 0; i < n.items().size(); ++i) out += (i ? ", " : "") + flow(n.items()[i]);
      return out + "]";
    }
    case Node::Kind::Mapping: {
      out += "{";
      for (size_t i = 0; i < n.entries().size(); ++i)
        out += (i ? ", " : "") + n.entries()[i].key + ": " + flow(n.entries()[i].value);
      return out + "}";
    }
  }
  return out;
}

inline Node parse(const std::string& yaml) {
  auto r = parse_yaml(yaml, "test.yaml");
  if (!r) FAIL("parse failed: " << r.error().to_string() << "\n" << yaml);
  return std::move(r).value();
}

// The same tree rendered in flow form, to compare against a YAML literal.
inline std::string flow_of(const std::string& yaml) { return flow(parse(yaml)); }

// Loads `files` from `dir` as if pier ran there with `-p test`.
inline pier::Result<ProjectTree> load_dir(const TempDir& dir,
                                          std::vector<std::string> files = {"compose.yaml"},
                                          Environment env = {}) {
  LoadOptions opts;
  opts.files = std::move(files);
  opts.working_directory = dir.path();
  opts.environment = std::move(env);
  opts.project_name = "test";
  return load_tree(opts);
}

}  // namespace pier::compose::test
