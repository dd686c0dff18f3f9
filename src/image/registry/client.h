// The OCI distribution API for one repository: manifests and blobs, with
// anonymous, bearer-token (from the WWW-Authenticate challenge) or basic auth,
// retries of transient failures, and plain HTTP only for insecure registries.
// Thread-safe: each call uses its own curl handle; the token is shared.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "image/oci.h"
#include "image/reference.h"
#include "image/registry/auth.h"
#include "image/registry/http.h"
#include "image/registry/registry_config.h"
#include "image/store/blob_writer.h"

namespace pier::image {

struct FetchedDocument {
  std::string content_type;
  std::string body;
  std::string digest;  // sha256 of body, checked against the one asked for
};

using ByteProgress = std::function<void(uint64_t done, uint64_t total)>;

class RegistryClient {
 public:
  RegistryClient(const Reference& ref, const RegistryConfig& config);

  // GET /v2/: picks the scheme and learns the auth challenge.
  Status ping();
  // `tag_or_digest`: a tag, or a digest which the content must match.
  Result<FetchedDocument> get_manifest(const std::string& tag_or_digest);
  // Streams a blob into `out`, verifying size and digest; restarts on transient errors.
  Status get_blob(const Descriptor& blob, BlobWriter& out, const ByteProgress& progress = {});

  int max_attempts = 4;

 private:
  Result<HttpResponse> send(HttpClient& http, const std::string& path, const std::vector<std::string>& headers,
                            const BodySink* sink);
  Status authorize(HttpClient& http, const std::string& challenge_header);
  Result<std::string> fetch_token(HttpClient& http, const Challenge& challenge);
  HttpRequest request_for(const std::string& path, const std::vector<std::string>& headers) const;
  Status sleep_before_retry(int attempt) const;

  Reference ref_;
  RegistryConfig config_;
  std::string host_;
  std::string base_url_;  // "https://host" or "http://host"
  bool verify_tls_ = true;
  Credentials credentials_;
  bool credentials_loaded_ = false;
  std::mutex auth_mutex_;
  std::string auth_header_;  // "Authorization: Bearer ..." once authorized
};

}  // namespace pier::image
