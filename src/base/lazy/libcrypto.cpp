// libcrypto (OpenSSL), loaded the first time pier computes a SHA-256: image digests and
// the configuration hash of `up` and `config --hash` (see base/shared_library.h). It is
// here, not in image/ or compose/, because both call it. Each function here is
// libcrypto's own, forwarding to the real one; add one here when pier starts calling
// it (the linker names any that is missing).
#include <openssl/evp.h>

#include "base/shared_library.h"

namespace {
pier::SharedLibrary libcrypto(PIER_LIBCRYPTO_SONAME, PIER_LIBCRYPTO_PACKAGE);
}  // namespace

extern "C" {

const EVP_MD* EVP_sha256() { return PIER_FORWARD(libcrypto, EVP_sha256)(); }
EVP_MD_CTX* EVP_MD_CTX_new() { return PIER_FORWARD(libcrypto, EVP_MD_CTX_new)(); }
void EVP_MD_CTX_free(EVP_MD_CTX* ctx) { PIER_FORWARD(libcrypto, EVP_MD_CTX_free)(ctx); }

int EVP_DigestInit_ex(EVP_MD_CTX* ctx, const EVP_MD* type, ENGINE* impl) {
  return PIER_FORWARD(libcrypto, EVP_DigestInit_ex)(ctx, type, impl);
}

int EVP_DigestUpdate(EVP_MD_CTX* ctx, const void* data, size_t count) {
  return PIER_FORWARD(libcrypto, EVP_DigestUpdate)(ctx, data, count);
}

int EVP_DigestFinal_ex(EVP_MD_CTX* ctx, unsigned char* md, unsigned int* size) {
  return PIER_FORWARD(libcrypto, EVP_DigestFinal_ex)(ctx, md, size);
}

int EVP_Digest(const void* data, size_t count, unsigned char* md, unsigned int* size, const EVP_MD* type,
               ENGINE* impl) {
  return PIER_FORWARD(libcrypto, EVP_Digest)(data, count, md, size, type, impl);
}

}  // extern "C"
