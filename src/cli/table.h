// Column-aligned tables as Docker's tabwriter prints them: each column as wide as its
// widest cell (counted in characters, not bytes) plus three spaces.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace pier::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  // Every column at least this wide, padding included (tabwriter's minwidth).
  void set_min_width(size_t width) { min_width_ = width; }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(FILE* out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
  size_t min_width_ = 0;
};

}  // namespace pier::cli
