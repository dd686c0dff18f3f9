#include "base/heap_reserve.h"

#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

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
  // One block this large must come from the heap (brk), not from an mmap of its own,
  // and once freed it must stay there as the heap's free top for later allocations:
  // raise the mmap threshold for this one call, and the trim threshold for good.
  if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes + 4096)) == 0) return;
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(bytes * 2));
  void* block = std::malloc(bytes);
  mallopt(M_MMAP_THRESHOLD, kDefaultMmapThreshold);
  if (block == nullptr) return;
  // Only whole, aligned 2 MiB stretches can be huge pages. Nothing in the block has
  // been touched yet but its first bytes (the allocator's header), so every page of
  // it is faulted in after the advice.
  const auto start = reinterpret_cast<uintptr_t>(block);
  const uintptr_t first = align_down(start + kHugePage - 1);
  const uintptr_t end = align_down(start + bytes);
  if (end > first) madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
  std::free(block);
}

}  // namespace pier
