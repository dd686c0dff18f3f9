// What a supervisor gives back once a command's burst of work is over. It lives as long
// as the project's containers run, while the memory the plans, records and replies of
// `up` used is freed when the command ends and stays with the allocator.
#pragma once

namespace pier::supervisor {

// Frees the nftables contexts (net::nat::release_contexts: libnftables' caches, ~0.6 MiB)
// and returns the heap's free pages to the kernel (malloc_trim). Code pages are left as
// they are: they are clean file pages the kernel reclaims when it needs to, so dropping
// this process's mappings of them would shrink its Rss without freeing any memory.
void release_idle_memory();

}  // namespace pier::supervisor
