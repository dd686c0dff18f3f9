// libcurl, loaded the first time the registry client calls it (see base/shared_library.h):
// each function here is libcurl's own, forwarding to the real one. Add a function here
// when the registry client starts calling it; the linker names any that is missing.
#include <curl/curl.h>

#include <cstdarg>

#include "base/shared_library.h"

namespace {
pier::SharedLibrary libcurl(PIER_LIBCURL_SONAME, PIER_LIBCURL_PACKAGE);
}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) { return PIER_FORWARD(libcurl, curl_global_init)(flags); }
CURL* curl_easy_init() { return PIER_FORWARD(libcurl, curl_easy_init)(); }
void curl_easy_cleanup(CURL* curl) { PIER_FORWARD(libcurl, curl_easy_cleanup)(curl); }
void curl_easy_reset(CURL* curl) { PIER_FORWARD(libcurl, curl_easy_reset)(curl); }
CURLcode curl_easy_perform(CURL* curl) { return PIER_FORWARD(libcurl, curl_easy_perform)(curl); }
const char* curl_easy_strerror(CURLcode code) { return PIER_FORWARD(libcurl, curl_easy_strerror)(code); }
curl_version_info_data* curl_version_info(CURLversion age) { return PIER_FORWARD(libcurl, curl_version_info)(age); }

curl_slist* curl_slist_append(curl_slist* list, const char* data) {
  return PIER_FORWARD(libcurl, curl_slist_append)(list, data);
}

void curl_slist_free_all(curl_slist* list) { PIER_FORWARD(libcurl, curl_slist_free_all)(list); }

// Variadic, with one argument whose type the option's number range says (curl.h's
// CURLOPTTYPE_*): read it as that type and pass it on as that type.
CURLcode curl_easy_setopt(CURL* curl, CURLoption option, ...) {
  auto* real = PIER_FORWARD(libcurl, curl_easy_setopt);
  va_list ap;
  va_start(ap, option);
  CURLcode rc;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    rc = real(curl, option, va_arg(ap, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    rc = real(curl, option, va_arg(ap, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    rc = real(curl, option, va_arg(ap, void (*)()));
  } else if (option < CURLOPTTYPE_BLOB) {
    rc = real(curl, option, va_arg(ap, curl_off_t));
  } else {
    rc = real(curl, option, va_arg(ap, void*));
  }
  va_end(ap);
  return rc;
}

// Every CURLINFO_* takes one pointer to where the answer goes.
CURLcode curl_easy_getinfo(CURL* curl, CURLINFO info, ...) {
  va_list ap;
  va_start(ap, info);
  void* out = va_arg(ap, void*);
  va_end(ap);
  return PIER_FORWARD(libcurl, curl_easy_getinfo)(curl, info, out);
}

}  // extern "C"
