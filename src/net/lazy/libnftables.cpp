// libnftables, loaded the first time pier changes a firewall table (see
// base/shared_library.h): each function here is libnftables' own, forwarding to the real
// one. Add a function here when net/ starts calling it; the linker names any missing.
#include <nftables/libnftables.h>

#include "base/shared_library.h"

namespace {
pier::SharedLibrary libnftables(PIER_LIBNFTABLES_SONAME, PIER_LIBNFTABLES_PACKAGE);
}  // namespace

extern "C" {

nft_ctx* nft_ctx_new(uint32_t flags) { return PIER_FORWARD(libnftables, nft_ctx_new)(flags); }
void nft_ctx_free(nft_ctx* ctx) { PIER_FORWARD(libnftables, nft_ctx_free)(ctx); }
int nft_ctx_buffer_output(nft_ctx* ctx) { return PIER_FORWARD(libnftables, nft_ctx_buffer_output)(ctx); }
int nft_ctx_buffer_error(nft_ctx* ctx) { return PIER_FORWARD(libnftables, nft_ctx_buffer_error)(ctx); }
const char* nft_ctx_get_output_buffer(nft_ctx* ctx) {
  return PIER_FORWARD(libnftables, nft_ctx_get_output_buffer)(ctx);
}
const char* nft_ctx_get_error_buffer(nft_ctx* ctx) {
  return PIER_FORWARD(libnftables, nft_ctx_get_error_buffer)(ctx);
}
int nft_run_cmd_from_buffer(nft_ctx* nft, const char* buf) {
  return PIER_FORWARD(libnftables, nft_run_cmd_from_buffer)(nft, buf);
}

}  // extern "C"
