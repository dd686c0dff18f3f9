// The OCI distribution API for one repository: manifests and blobs, with
// anonymous, bearer-token (from the WWW-Authenticate challenge) or basic auth,
// retries of transient failures, and plain HTTP only for insecure registries.
// Thread-safe: each call uses its own curl handle; the token is shared.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
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

  // GET /v2/ of the first endpoint that answers (mirrors in order, then the
  // registry): picks the scheme and learns the auth challenge.
  Status ping();
  // `tag_or_digest`: a tag, or a digest which the content must match. A body
  // over `max_bytes` is cut off with an error.
  Result<FetchedDocument> get_manifest(const std::string& tag_or_digest, uint64_t max_bytes);
  // Streams a blob into `out`, restarting on transient errors. The descriptor's
  // size bounds the download: a byte beyond it cuts the transfer off with an
  // error. The caller verifies the digest (BlobWriter::commit).
  Status get_blob(const Descriptor& blob, BlobWriter& out, const ByteProgress& progress = {});
  // The base URL of the endpoint in use ("" before ping).
  std::string endpoint_url();

  // Pushing goes to the registry itself, never a mirror, and asks tokens for
  // "pull,push" once `push_access` is set (before the first request).
  // Whether the repository has the blob (HEAD).
  Result<bool> has_blob(const Descriptor& blob);
  // A monolithic upload: POST an upload session, then PUT the descriptor's size
  // bytes of `fd` to its Location with the digest.
  Status put_blob(const Descriptor& blob, int fd);
  // PUT the manifest's exact bytes under `tag_or_digest`; returns its digest.
  Result<std::string> put_manifest(const std::string& tag_or_digest, const std::string& media_type,
                                   const std::string& body);

  // `pier login`: GET /v2/ of the registry itself (never a mirror) with `credentials`
  // instead of the Docker config's, asking a token server for a token to no
  // repository as `docker login` does. An error when the registry refuses them.
  Status check_login(const Credentials& credentials);

  int max_attempts = 4;
  bool push_access = false;

 private:
  struct Site {
    Endpoint endpoint;
    std::string base_url;  // endpoint.url, or its plain-HTTP form for an insecure registry
    std::string ca_pem;    // system CAs plus the certs.d ones, when there are any
    bool pinged = false;
    std::string auth_header;  // "Authorization: Bearer ..." once authorized
  };
  // Mirrors are skipped, in order, when they fail; the registry itself never is.
  Result<size_t> site_in_use(HttpClient& http);
  void skip_mirror(size_t site, const Error& why);
  Status ping_site(HttpClient& http, Site& site);
  Result<FetchedDocument> manifest_from(HttpClient& http, size_t site, const std::string& tag_or_digest,
                                        uint64_t max_bytes);
  Status blob_from(HttpClient& http, size_t site, const Descriptor& blob, BlobWriter& out, const ByteProgress& progress);
  // With a sink, a 200 body streams into it; without, it is kept, up to `max_body`.
  Result<HttpResponse> send(HttpClient& http, size_t site, const std::string& path,
                            const std::vector<std::string>& headers, const BodySink* sink, uint64_t max_body = 0);
  // `req` carries the method and body; its url is a path on the site, or an
  // absolute URL (an upload's Location).
  Result<HttpResponse> exchange(HttpClient& http, size_t site, const HttpRequest& req, const BodySink* sink,
                                uint64_t max_body);
  Result<size_t> registry_site(HttpClient& http);
  Status authorize(HttpClient& http, size_t site, const std::string& challenge_header);
  Result<std::string> fetch_token(HttpClient& http, const Site& site, const Challenge& challenge);
  HttpRequest request_for(const Site& site, const std::string& url, const std::vector<std::string>& headers) const;
  Status sleep_before_retry(int attempt) const;

  Reference ref_;
  RegistryConfig config_;
  std::string host_;
  std::optional<Error> setup_error_;
  Credentials credentials_;
  bool credentials_loaded_ = false;
  bool login_ = false;  // check_login: tokens name the account, not a repository
  std::mutex mutex_;  // guards sites_, current_ and the credentials
  std::vector<Site> sites_;
  size_t current_ = 0;
};

}  // namespace pier::image
