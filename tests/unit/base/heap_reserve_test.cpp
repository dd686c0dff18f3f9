#include <catch2/catch.hpp>

#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "base/heap_reserve.h"

namespace {

// The heap's address ranges that carry MADV_HUGEPAGE ("hg" in smaps' VmFlags).
std::vector<std::pair<uintptr_t, uintptr_t>> huge_page_heap_ranges() {
  std::vector<std::pair<uintptr_t, uintptr_t>> out;
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  uintptr_t start = 0, end = 0;
  bool heap = false;
  while (std::getline(smaps, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && !std::isupper(line[0])) {
      // A mapping's first line: "start-end perms offset dev inode [name]"; the lines
      // after it are "Key: value", keys capitalised.
      std::istringstream fields(line);
      std::string range;
      fields >> range;
      start = std::stoull(range.substr(0, range.find('-')), nullptr, 16);
      end = std::stoull(range.substr(range.find('-') + 1), nullptr, 16);
      heap = line.find("[heap]") != std::string::npos;
    } else if (heap && line.rfind("VmFlags:", 0) == 0 && line.find(" hg") != std::string::npos) {
      out.emplace_back(start, end);
    }
  }
  return out;
}

size_t total(const std::vector<std::pair<uintptr_t, uintptr_t>>& ranges) {
  size_t bytes = 0;
  for (auto [start, end] : ranges) bytes += end - start;
  return bytes;
}

bool kernel_has_transparent_huge_pages() { return access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0; }

}  // namespace

TEST_CASE("reserve_heap: the small allocations after it come from heap advised for huge pages",
          "[base][heap]") {
  if (!kernel_has_transparent_huge_pages()) {
    WARN("the kernel has no transparent huge pages: nothing to check");
    return;
  }
  const size_t before = total(huge_page_heap_ranges());
  pier::reserve_heap(size_t{16} << 20);
  const auto ranges = huge_page_heap_ranges();
  // 16 MiB less what aligning both ends to 2 MiB leaves out.
  CHECK(total(ranges) - before >= (size_t{12} << 20));

  // About 12 MiB of tree-sized nodes, carved from the reserved stretch from its first
  // aligned huge page on (a few may fill holes the process's earlier frees left).
  std::vector<void*> blocks;
  blocks.reserve(120000);
  size_t inside = 0;
  for (int i = 0; i < 120000; ++i) {
    void* p = std::malloc(100);
    blocks.push_back(p);
    const auto at = reinterpret_cast<uintptr_t>(p);
    for (auto [start, end] : ranges)
      if (at >= start && at < end) {
        ++inside;
        break;
      }
  }
  for (void* p : blocks) std::free(p);
  INFO(inside << " of " << blocks.size() << " blocks in huge-page ranges");
  CHECK(inside >= blocks.size() * 9 / 10);
}

TEST_CASE("reserve_heap: under 4 MiB it leaves the heap as it is", "[base][heap]") {
  const auto before = huge_page_heap_ranges();
  pier::reserve_heap(size_t{3} << 20);
  pier::reserve_heap(0);
  CHECK(huge_page_heap_ranges() == before);
}
