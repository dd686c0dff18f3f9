#include "supervisor/memory_release.h"

#include <malloc.h>

#include "net/nat/firewall.h"

namespace pier::supervisor {

void release_idle_memory() {
  net::nat::release_contexts();
  ::malloc_trim(0);
}

}  // namespace pier::supervisor
