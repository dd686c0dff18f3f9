#include "image/registry/http.h"

#include <curl/curl.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "image/limits.h"

namespace pier::image {
namespace {

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

struct HttpClient::Transfer {
  HttpResponse response;
  const HttpRequest* request = nullptr;
  uint64_t sent = 0;  // bytes of the request body handed to curl
  const BodySink* sink = nullptr;
  size_t max_body = 0;
  Error sink_error;
  bool failed = false;

  static size_t on_header(char* data, size_t size, size_t n, void* self_ptr) {
    auto* self = static_cast<Transfer*>(self_ptr);
    std::string_view line(data, size * n);
    if (line.starts_with("HTTP/")) {  // a new response (there is one per redirect)
      self->response.headers.clear();
      auto space = line.find(' ');
      if (space != std::string_view::npos) self->response.status = std::atol(std::string(line.substr(space + 1, 3)).c_str());
      return size * n;
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos)
      self->response.headers[to_lower(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
    return size * n;
  }

  static size_t on_read(char* buffer, size_t size, size_t n, void* self_ptr) {
    auto* self = static_cast<Transfer*>(self_ptr);
    const HttpRequest& req = *self->request;
    uint64_t total = req.body_fd >= 0 ? req.body_size : req.body.size();
    size_t len = static_cast<size_t>(std::min<uint64_t>(size * n, total - self->sent));
    if (len == 0) return 0;
    if (req.body_fd < 0) {
      std::memcpy(buffer, req.body.data() + self->sent, len);
    } else {
      ssize_t got = ::pread(req.body_fd, buffer, len, static_cast<off_t>(self->sent));
      if (got <= 0) {
        self->sink_error = Error("read the body of " + req.method + " " + req.url + ": " +
                                 (got < 0 ? std::strerror(errno) : "the file ended early"));
        self->failed = true;
        return CURL_READFUNC_ABORT;
      }
      len = static_cast<size_t>(got);
    }
    self->sent += len;
    return len;
  }

  static size_t on_body(char* data, size_t size, size_t n, void* self_ptr) {
    auto* self = static_cast<Transfer*>(self_ptr);
    size_t len = size * n;
    if (self->sink && self->response.status == 200) {
      if (auto st = (*self->sink)(data, len); !st) {
        self->sink_error = std::move(st).error();
        self->failed = true;
        return 0;  // aborts the transfer
      }
      return len;
    }
    if (self->response.body.size() + len > self->max_body) {
      self->sink_error = Error("response body larger than " + limits::byte_count(self->max_body));
      self->failed = true;
      return 0;
    }
    self->response.body.append(data, len);
    return len;
  }
};

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient() {
  init_curl_once();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Result<HttpResponse> HttpClient::fetch(const HttpRequest& request, size_t max_body) {
  Transfer t;
  t.max_body = max_body;
  return perform(request, t);
}

Result<HttpResponse> HttpClient::stream(const HttpRequest& request, const BodySink& sink) {
  Transfer t;
  t.sink = &sink;
  t.max_body = 1 << 20;  // error bodies only
  return perform(request, t);
}

Result<HttpResponse> HttpClient::perform(const HttpRequest& request, Transfer& t) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method == "GET" ? nullptr : request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  const bool sends_body = request.method == "POST" || request.method == "PUT";
  if (sends_body) {
    // UPLOAD sends Content-Length from INFILESIZE; CUSTOMREQUEST keeps the method.
    t.request = &request;
    uint64_t size = request.body_fd >= 0 ? request.body_size : request.body.size();
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &Transfer::on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
  }
  // Blob GETs redirect to object storage; curl drops our Authorization header
  // when the host changes (CURLOPT_UNRESTRICTED_AUTH stays off).
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, sends_body ? 0L : 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, request.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, request.low_speed_timeout_s);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "pier/0.1");
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  curl_blob ca{};
  if (!request.ca_pem.empty()) {
    ca.data = const_cast<char*>(request.ca_pem.data());
    ca.len = request.ca_pem.size();
    ca.flags = CURL_BLOB_COPY;
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!request.client_cert.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, request.client_cert.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, request.client_key.c_str());
  }
  if (!request.basic_user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, request.basic_user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, request.basic_password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  // The status must be known before the body arrives, to route it.
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);
  char detail[CURL_ERROR_SIZE] = {0};  // "Failed to connect to h port 1: Connection refused"
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(headers);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.response.status);
  if (t.failed) return std::move(t.sink_error);
  if (rc != CURLE_OK) {
    t.response.status = 0;
    t.response.tls_failure = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
                             rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE;
    t.response.transport_error =
        request.method + " " + request.url + ": " + (detail[0] ? std::string(detail) : curl_easy_strerror(rc));
  }
  return std::move(t.response);
}

Result<std::string> ca_bundle_with(const std::vector<std::string>& extra_files) {
  init_curl_once();
  std::string pem;
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (info && info->cainfo) {
    if (auto system = read_file(info->cainfo)) pem = *system + "\n";
  }
  for (const auto& path : extra_files) {
    PIER_TRY(std::string extra, read_file(path));
    if (extra.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      return Error("CA file " + path + " holds no PEM certificate");
    pem += extra + "\n";
  }
  return pem;
}

bool is_transient_status(long status) { return status == 0 || status == 429 || status == 408 || status >= 500; }


}  // namespace pier::image
