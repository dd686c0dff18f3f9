// Room on the heap for a burst of small allocations, backed by huge pages where the
// kernel allows it.
#pragma once

#include <cstddef>

namespace pier {

// Grows the process's heap by `bytes` in one step, advises the kernel to back that
// stretch with transparent huge pages (MADV_HUGEPAGE), and keeps it for the small
// allocations that follow. Reading a large project builds tens of thousands of small
// nodes, and each fresh 4 KiB page costs a page fault: on the virtual machine pier is
// developed on that is 15 µs, so `config` of 500 services spent 59 of its 90 ms in
// faults. A 2 MiB page is one fault for 512 of them. glibc does the same with its `glibc.malloc.hugetlb`
// tunable, which it reads only from the environment at start-up.
//
// Less than 4 MiB does nothing (a project of ordinary size gains nothing from it); more
// than 32 MiB reserves 32 MiB (glibc serves larger blocks with mmap). Without
// transparent huge pages the heap is only grown: no page is touched. For short-lived
// processes: what it keeps is not returned to the system before the process exits.
void reserve_heap(size_t bytes);

}  // namespace pier
