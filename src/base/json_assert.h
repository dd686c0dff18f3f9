// Included ahead of every C++ file (the top CMakeLists.txt, -include): nlohmann-json
// checks its callers' preconditions with JSON_ASSERT, which is assert() unless defined
// before <nlohmann/json.hpp>, and so vanishes under NDEBUG. A broken one there is
// undefined behaviour: a const operator[] on a missing key reads past the end of the
// object's map and crashes at random, later and on another thread. Broken invariants
// abort, in release too (docs/architecture.md, Errors), and so tests catch them.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace pier {

[[noreturn]] inline void json_precondition_failed(const char* check, const char* file, int line) {
  std::fprintf(stderr, "pier: nlohmann-json precondition `%s` failed at %s:%d\n", check, file, line);
  std::abort();
}

}  // namespace pier

#define JSON_ASSERT(x) ((x) ? static_cast<void>(0) : ::pier::json_precondition_failed(#x, __FILE__, __LINE__))
