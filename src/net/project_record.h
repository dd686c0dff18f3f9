// What a project created in the kernel, recorded as it is created, so `down` still
// finds everything after a supervisor crash (design rule 4). One file per project
// in the same state directory as its subnets: `<dir>/<project>.bridges`, and beside
// it `<dir>/<project>.hashes`, the configuration each bridge was made with.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/netlink/socket.h"

namespace pier::net {

class ProjectRecord {
 public:
  ProjectRecord(std::string dir, std::string project) : dir_(std::move(dir)), project_(std::move(project)) {}
  // Call before creating the bridge: a crash in between leaves a record of a bridge
  // that does not exist, which teardown tolerates; the reverse would leak it.
  Status add_bridge(const std::string& name);
  Result<std::vector<std::string>> bridges() const;
  // The configuration hash (NetworkSpec::config_hash) the bridge was made with, so a
  // later supervisor can tell that the file now asks for another network. "" when none
  // was recorded.
  Status set_config_hash(const std::string& bridge, const std::string& hash);
  Result<std::string> config_hash(const std::string& bridge) const;
  Status forget();

 private:
  std::string path() const { return dir_ + "/" + project_ + ".bridges"; }
  std::string hashes_path() const { return dir_ + "/" + project_ + ".hashes"; }
  // "bridge hash" lines.
  Result<std::map<std::string, std::string>> hashes() const;
  std::string dir_, project_;
};

// `down` for networking: removes the veths left on the project's recorded bridges,
// the bridges (never external ones: they are not recorded), the nft table, and the
// project's state files. Keeps going after an error and reports the first one.
Status teardown_project(const netlink::Socket& host, const std::string& state_dir, const std::string& project);

}  // namespace pier::net
