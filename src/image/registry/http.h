// A small blocking HTTP client over one libcurl easy handle (reused, so
// connections are kept alive). One HttpClient per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::image {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string basic_user;            // CURLOPT_USERNAME/PASSWORD when set
  std::string basic_password;
  bool verify_tls = true;
  std::string ca_pem;       // trusted CAs (PEM) instead of the system's bundle, when set
  std::string client_cert;  // PEM files for mutual TLS, when set
  std::string client_key;
  long connect_timeout_s = 15;
  long low_speed_timeout_s = 30;     // abort when below 1 byte/s for this long
  // A body (POST, PUT): `body`, or `body_size` bytes of `body_fd` read from offset 0
  // (again on every attempt, so a retried upload sends the same bytes). Requests with
  // a body do not follow redirects: the body would have to be sent again elsewhere.
  std::string body;
  int body_fd = -1;
  uint64_t body_size = 0;
};

struct HttpResponse {
  long status = 0;              // 0: the transfer failed; see transport_error
  std::string transport_error;  // connection refused, timeout, reset...
  bool tls_failure = false;     // the transfer failed in TLS (verification, handshake)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const;
};

// Receives the body of a streamed download; an error aborts the transfer.
using BodySink = std::function<Status(const char* data, size_t size)>;

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Errors are only local ones (a sink failing, a body too large); transport
  // failures come back as status 0 so callers can retry them.
  // The whole body in memory, refused beyond `max_body` bytes.
  Result<HttpResponse> fetch(const HttpRequest& request, size_t max_body = 8 << 20);
  // The body goes to `sink` when the status is 200; otherwise it is kept in the response.
  Result<HttpResponse> stream(const HttpRequest& request, const BodySink& sink);

 private:
  struct Transfer;
  Result<HttpResponse> perform(const HttpRequest& request, Transfer& transfer);
  void* curl_;
};

// The system's CA bundle (the one libcurl uses by default) followed by `extra_files`.
Result<std::string> ca_bundle_with(const std::vector<std::string>& extra_files);

// True for failures worth retrying: transport errors (0), 408, 429 and 5xx.
bool is_transient_status(long status);

}  // namespace pier::image
