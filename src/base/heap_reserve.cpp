#include "base/heap_reserve.h"

#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace pier {

namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kSmallest = size_t{4} << 20;
// glibc refuses an mmap threshold above 32 MiB on 64-bit systems (HEAP_MAX_SIZE / 2).
constexpr size_t kLargest = (size_t{32} << 20) - 4096;
// glibc's default threshold for serving a block with its own mmap.
constexpr int kDefaultMmapThreshold = 128 << 10;

uintptr_t align_down(uintptr_t p) { return p & ~(uintptr_t{kHugePage} - 1); }

}  // namespace

void reserve_heap(size_t bytes) {
  if (bytes < kSmallest) return;
  bytes = std::min(bytes, kLargest);
  // Blocks this large must come from the heap (brk), not from an mmap of their own, and
  // once freed the reservation must stay there as the heap's free top for later
  // allocations: raise the mmap threshold for this call, the trim threshold for good.
  if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes + 4096)) == 0) return;
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(bytes * 2));
  void* block = std::malloc(bytes);
  if (block != nullptr) {
    // Only whole, aligned 2 MiB stretches can be huge pages. Nothing in the block has
    // been touched but its first bytes (the allocator's header), so every page of it
    // is faulted in after the advice.
    const auto start = reinterpret_cast<uintptr_t>(block);
    const uintptr_t first = align_down(start + kHugePage - 1);
    const uintptr_t end = align_down(start + bytes);
    if (end > first) madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
    std::free(block);
    // The stretch before the first huge page would be handed out first, and faulted
    // 4 KiB at a time: hold it with a block never used (nor touched: no memory) nor
    // freed, so that the allocations after this start on the huge pages.
    constexpr size_t kChunkHeader = 2 * sizeof(size_t);
    if (end > first && first - start > 2 * kChunkHeader) {
      static std::vector<void*> held;  // reachable, for leak checkers
      held.push_back(std::malloc(first - start - kChunkHeader));
    }
  }
  mallopt(M_MMAP_THRESHOLD, kDefaultMmapThreshold);
}

}  // namespace pier
