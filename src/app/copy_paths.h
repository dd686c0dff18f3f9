// Where `pier cp` puts what it copies, by `docker cp`'s rules (pure, unit-tested):
//
// | source    | destination                      | result                                   |
// |-----------|----------------------------------|------------------------------------------|
// | file      | missing                          | a file of that name                      |
// | file      | missing, ends in `/`             | error: the directory must exist          |
// | file      | a file                           | overwritten                              |
// | file      | a directory                      | copied into it, under its own name       |
// | directory | missing                          | made, with the source's content          |
// | directory | a file                           | error: cannot copy a directory to a file |
// | directory | a directory                      | copied into it, under its own name       |
// | `dir/.`   | a directory                      | its content copied into it               |
#pragma once

#include <string>

#include "base/result.h"

namespace pier::app {

// Extract into `dir`, naming the copy's top entry `name`; an empty `name` puts the
// source directory's entries straight into `dir`.
struct Placement {
  std::string dir;
  std::string name;
};

struct CopyDestination {
  std::string path;  // as the user typed it
  bool exists = false;
  bool is_dir = false;
};

// `source`: the path as typed (its trailing `/` or `/.` matters).
Result<Placement> place_copy(const std::string& source, bool source_is_dir, const CopyDestination& destination);

// "dir/" and "dir/." end in a separator: they must name a directory.
bool ends_in_separator(const std::string& path);
// "dir/." (or "/"): the directory's content, not the directory.
bool means_content(const std::string& path);
// The last component ("a/b/" -> "b"); "" for "/".
std::string base_name(const std::string& path);
// The directory holding the last component ("a/b" -> "a", "b" -> ".", "/b" -> "/").
std::string parent_path(const std::string& path);

}  // namespace pier::app
