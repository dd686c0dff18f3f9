// The members of an image archive, gathered in one pass: blobs go straight into
// the store (verified when their name is a digest), small JSON files stay in memory.
#pragma once

#include <map>
#include <string>

#include "base/result.h"
#include "image/store/store.h"

namespace pier::image {

struct ArchiveMembers {
  std::map<std::string, std::string> json_files;  // "manifest.json" -> content
  std::map<std::string, std::string> blobs;       // member path -> stored digest
  std::map<std::string, std::string> symlinks;    // member path -> target (relative to the archive root)

  // The stored digest of a member, following archive symlinks (legacy docker save).
  Result<std::string> digest_of(const std::string& member) const;
  // A JSON member's content, or the content of the blob it names.
  Result<std::string> text_of(const Store& store, const std::string& member) const;
};

Result<ArchiveMembers> read_archive_members(const Store& store, const std::string& path);

}  // namespace pier::image
