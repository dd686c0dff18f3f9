// Paths inside a stage as lists of components, for writing a layer's member names.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pier::builder {

// "/a/./b//c/" -> {"a", "b", "c"}; ".." pops (never above the root).
std::vector<std::string> split_clean(const std::string& path);
// The first `count` components joined with '/', without a leading one.
std::string join_parts(const std::vector<std::string>& parts, size_t count);
// `path` cleaned and absolute: "a/../b/" -> "/b".
std::string clean_abs(const std::string& path);

}  // namespace pier::builder
