#include "image/registry/client.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "image/digest.h"
#include "image/json_util.h"

namespace pier::image {
namespace {

std::string url_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Error status_error(const std::string& what, const HttpResponse& r) {
  if (r.status == 0) return Error(what + ": " + r.transport_error);
  std::string detail;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty())
    detail = json_string(j["errors"][0], "message");
  Error e(what + ": HTTP " + std::to_string(r.status) + (detail.empty() ? "" : " (" + detail + ")"));
  if (r.status == 401 || r.status == 403) e.hint("check your credentials in ~/.docker/config.json");
  if (r.status == 404) e.hint("check the image name and tag");
  return e;
}

}  // namespace

RegistryClient::RegistryClient(const Reference& ref, const RegistryConfig& config)
    : ref_(ref), config_(config), host_(ref.registry_host()) {
  auto endpoints = config_.endpoints(ref.domain, host_);
  if (!endpoints) {
    setup_error_ = std::move(endpoints).error();
    return;
  }
  for (auto& e : *endpoints) {
    Site site;
    site.base_url = e.url;
    if (!e.tls.ca_files.empty()) {
      auto pem = ca_bundle_with(e.tls.ca_files);
      if (!pem) {
        setup_error_ = std::move(pem).error();
        return;
      }
      site.ca_pem = std::move(*pem);
    }
    site.endpoint = std::move(e);
    sites_.push_back(std::move(site));
  }
}

std::string RegistryClient::endpoint_url() {
  std::lock_guard lock(mutex_);
  return current_ < sites_.size() && sites_[current_].pinged ? sites_[current_].base_url : std::string();
}

HttpRequest RegistryClient::request_for(const Site& site, const std::string& url,
                                        const std::vector<std::string>& headers) const {
  HttpRequest req;
  req.url = url;
  req.headers = headers;
  req.verify_tls = !site.endpoint.insecure;
  req.ca_pem = site.ca_pem;
  req.client_cert = site.endpoint.tls.client_cert;
  req.client_key = site.endpoint.tls.client_key;
  return req;
}

Status RegistryClient::ping_site(HttpClient& http, Site& site) {
  const Endpoint& e = site.endpoint;
  PIER_TRY(HttpResponse r, http.fetch(request_for(site, site.base_url + "/v2/", {})));
  // Insecure registries may speak plain HTTP: Docker tries HTTPS first, then HTTP.
  if (r.status == 0 && e.insecure && site.base_url.starts_with("https://")) {
    std::string plain = "http://" + site.base_url.substr(8);
    PIER_TRY(HttpResponse r2, http.fetch(request_for(site, plain + "/v2/", {})));
    if (r2.status != 0) {
      site.base_url = plain;
      r = std::move(r2);
    }
  }
  std::string what = e.mirror ? "mirror " + e.url : "registry " + e.host;
  if (r.status == 0) {
    Error err = status_error("contact " + what, r);
    if (r.tls_failure && !e.insecure)
      err.hint("if it uses a private CA, put the CA in <root>/certs.d/" + e.host + "/ca.crt or /etc/docker/certs.d/" +
               e.host + "/ca.crt (a client certificate goes there as client.cert and client.key); if it serves "
               "plain HTTP or must not be verified, list it in insecure-registries of <root>/registries.json");
    else if (!e.insecure && site.base_url.starts_with("https://"))
      err.hint("if it serves plain HTTP, list it in insecure-registries of <root>/registries.json");
    return err;
  }
  if (r.status != 200 && r.status != 401) return status_error("ping " + what, r);
  site.pinged = true;
  return {};
}

Result<size_t> RegistryClient::site_in_use(HttpClient& http) {
  if (setup_error_) return *setup_error_;
  std::lock_guard lock(mutex_);
  while (!sites_[current_].pinged) {
    auto st = ping_site(http, sites_[current_]);
    if (st) break;
    if (!sites_[current_].endpoint.mirror) return std::move(st).error();
    log::warn("{}; trying {}", st.error().to_string(),
              sites_[current_ + 1].endpoint.mirror ? "the next mirror" : "the registry " + host_);
    ++current_;
  }
  return current_;
}

void RegistryClient::skip_mirror(size_t site, const Error& why) {
  std::lock_guard lock(mutex_);
  if (current_ != site) return;  // another thread moved on already
  log::warn("mirror {}: {}; trying {}", sites_[site].endpoint.url, why.to_string(),
            sites_[site + 1].endpoint.mirror ? "the next mirror" : "the registry " + host_);
  ++current_;
}

Status RegistryClient::ping() {
  HttpClient http;
  PIER_TRY(size_t site, site_in_use(http));
  (void)site;
  return {};
}

Result<std::string> RegistryClient::fetch_token(HttpClient& http, const Site& site, const Challenge& ch) {
  auto realm = ch.params.find("realm");
  if (realm == ch.params.end())
    return Error("registry " + site.endpoint.host + " sent a bearer challenge without a realm");
  std::string url = realm->second + (realm->second.find('?') == std::string::npos ? "?" : "&");
  if (auto s = ch.params.find("service"); s != ch.params.end()) url += "service=" + url_escape(s->second) + "&";
  if (login_) url += "account=" + url_escape(credentials_.username);
  else url += "scope=" + url_escape("repository:" + ref_.path + (push_access ? ":pull,push" : ":pull"));
  HttpRequest req = request_for(site, url, {});
  if (!credentials_.empty()) {
    req.basic_user = credentials_.username;
    req.basic_password = credentials_.password;
  }
  PIER_TRY(HttpResponse r, http.fetch(req, 1 << 20));
  if (r.status != 200) return status_error("get a token from " + realm->second, r);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string token = json_string(j, "token");
  if (token.empty()) token = json_string(j, "access_token");
  if (token.empty()) return Error("token server " + realm->second + " returned no token");
  return token;
}

Status RegistryClient::authorize(HttpClient& http, size_t index, const std::string& header) {
  std::lock_guard lock(mutex_);
  Site& site = sites_[index];
  if (!credentials_loaded_) {
    // Mirrors get the registry's credentials, as Docker gives Docker Hub's to its mirrors.
    PIER_TRY(credentials_, find_credentials(ref_.domain == kDefaultDomain ? host_ : ref_.domain,
                                            config_.docker_config_path));
    credentials_loaded_ = true;
  }
  PIER_TRY(Challenge ch, parse_challenge(header));
  if (ch.scheme == "bearer") {
    PIER_TRY(std::string token, fetch_token(http, site, ch));
    site.auth_header = "Authorization: Bearer " + token;
    return {};
  }
  if (ch.scheme == "basic") {
    if (credentials_.empty())
      return Error("registry " + site.endpoint.host + " requires a login").hint("add credentials to ~/.docker/config.json");
    site.auth_header = "Authorization: Basic " + base64_encode(credentials_.username + ":" + credentials_.password);
    return {};
  }
  return Error("registry " + site.endpoint.host + " asks for unsupported auth scheme `" + ch.scheme + "`");
}

Result<HttpResponse> RegistryClient::send(HttpClient& http, size_t index, const std::string& path,
                                          const std::vector<std::string>& headers, const BodySink* sink,
                                          uint64_t max_body) {
  HttpRequest req;
  req.url = path;
  req.headers = headers;
  return exchange(http, index, req, sink, max_body);
}

Result<HttpResponse> RegistryClient::exchange(HttpClient& http, size_t index, const HttpRequest& shape,
                                              const BodySink* sink, uint64_t max_body) {
  for (int round = 0;; ++round) {
    HttpRequest req;
    {
      std::lock_guard lock(mutex_);
      const Site& site = sites_[index];
      bool absolute = shape.url.starts_with("http://") || shape.url.starts_with("https://");
      std::string url = absolute ? shape.url : site.base_url + shape.url;
      auto all = shape.headers;
      // The token is for the registry's own origin: an upload Location on another
      // host gets no Authorization header.
      if (!site.auth_header.empty() && url.starts_with(site.base_url + "/")) all.push_back(site.auth_header);
      req = request_for(site, url, all);
    }
    req.method = shape.method;
    req.body = shape.body;
    req.body_fd = shape.body_fd;
    req.body_size = shape.body_size;
    PIER_TRY(HttpResponse r, sink ? http.stream(req, *sink) : http.fetch(req, max_body));
    if (r.status != 401 || round > 0) return r;
    std::string challenge = r.header("www-authenticate");
    if (challenge.empty()) return r;
    PIER_CHECK(authorize(http, index, challenge));
  }
}

Status RegistryClient::sleep_before_retry(int attempt) const {
  std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
  return {};
}

Result<FetchedDocument> RegistryClient::manifest_from(HttpClient& http, size_t index, const std::string& tag_or_digest,
                                                      uint64_t max_bytes) {
  std::string path = "/v2/" + ref_.path + "/manifests/" + tag_or_digest;
  std::vector<std::string> headers = {"Accept: " + std::string(media::kAccept)};
  bool mirror = sites_[index].endpoint.mirror;  // fixed at construction
  std::string from = mirror ? " from mirror " + sites_[index].endpoint.url : "";
  int attempts = mirror ? std::min(2, max_attempts) : max_attempts;
  for (int attempt = 0;; ++attempt) {
    PIER_TRY(HttpResponse r, send(http, index, path, headers, nullptr, max_bytes)
                                 .context("get manifest " + ref_.name() + ":" + tag_or_digest + from));
    if (r.status == 200) {
      FetchedDocument doc{r.header("content-type"), std::move(r.body), ""};
      doc.digest = sha256_digest(doc.body);
      if (tag_or_digest.starts_with("sha256:") && doc.digest != tag_or_digest)
        return Error("manifest " + tag_or_digest + from + " has digest " + doc.digest);
      return doc;
    }
    if (!is_transient_status(r.status) || attempt + 1 >= attempts)
      return status_error("get manifest " + ref_.name() + ":" + tag_or_digest + from, r);
    PIER_CHECK(sleep_before_retry(attempt));
  }
}

Result<FetchedDocument> RegistryClient::get_manifest(const std::string& tag_or_digest, uint64_t max_bytes) {
  HttpClient http;
  for (;;) {
    PIER_TRY(size_t site, site_in_use(http));
    auto doc = manifest_from(http, site, tag_or_digest, max_bytes);
    if (doc || !sites_[site].endpoint.mirror) return doc;
    skip_mirror(site, doc.error());
  }
}

Status RegistryClient::blob_from(HttpClient& http, size_t index, const Descriptor& blob, BlobWriter& out,
                                 const ByteProgress& progress) {
  std::string path = "/v2/" + ref_.path + "/blobs/" + blob.digest;
  bool mirror = sites_[index].endpoint.mirror;
  std::string from = mirror ? " from mirror " + sites_[index].endpoint.url : "";
  int attempts = mirror ? std::min(2, max_attempts) : max_attempts;
  if (blob.size < 0)
    return Error("blob " + blob.digest + " has no size in its descriptor; refusing an unbounded download");
  const uint64_t total = static_cast<uint64_t>(blob.size);
  BodySink sink = [&](const char* data, size_t size) -> Status {
    if (size > total - out.size())
      return Error("blob " + blob.digest + from + ": the registry sent more than the " + std::to_string(total) +
                   " bytes its descriptor gives; the download was cut off")
          .hint("the registry or a proxy on the way serves different content; nothing was stored");
    PIER_CHECK(out.write(data, size));
    if (progress) progress(out.size(), total);
    return {};
  };
  for (int attempt = 0;; ++attempt) {
    PIER_CHECK(out.reset());
    PIER_TRY(HttpResponse r, send(http, index, path, {}, &sink));
    if (r.status == 200 && out.size() == total) return {};
    if (r.status != 0 && !is_transient_status(r.status))
      return status_error("get blob " + blob.digest + " of " + ref_.name() + from, r);
    if (attempt + 1 >= attempts) {
      if (r.status == 200) return Error("blob " + blob.digest + from + " ended early after retries");
      return status_error("get blob " + blob.digest + " of " + ref_.name() + from + " (after " +
                              std::to_string(attempts) + " attempts)", r);
    }
    log::debug("retrying blob {} (attempt {})", blob.digest, attempt + 2);
    PIER_CHECK(sleep_before_retry(attempt));
  }
}

Status RegistryClient::get_blob(const Descriptor& blob, BlobWriter& out, const ByteProgress& progress) {
  HttpClient http;
  for (;;) {
    PIER_TRY(size_t site, site_in_use(http));
    auto st = blob_from(http, site, blob, out, progress);
    if (st || !sites_[site].endpoint.mirror) return st;
    skip_mirror(site, st.error());
  }
}

Result<size_t> RegistryClient::registry_site(HttpClient& http) {
  if (setup_error_) return *setup_error_;
  std::lock_guard lock(mutex_);
  size_t last = sites_.size() - 1;  // mirrors come first, the registry last
  if (!sites_[last].pinged) PIER_CHECK(ping_site(http, sites_[last]));
  return last;
}

Status RegistryClient::check_login(const Credentials& credentials) {
  {
    std::lock_guard lock(mutex_);
    credentials_ = credentials;
    credentials_loaded_ = true;
    login_ = true;
  }
  HttpClient http;
  PIER_TRY(size_t site, registry_site(http));
  HttpRequest req;
  req.url = "/v2/";
  auto r = exchange(http, site, req, nullptr, 1 << 20);
  std::string what = "log in to " + host_;
  if (!r) return std::move(r).error().context(what);
  if (r->status == 401 || r->status == 403)
    return Error(what + ": unauthorized: incorrect username or password");
  if (r->status != 200) return status_error(what, *r);
  return {};
}

Result<bool> RegistryClient::has_blob(const Descriptor& blob) {
  HttpClient http;
  PIER_TRY(size_t site, registry_site(http));
  HttpRequest req;
  req.method = "HEAD";
  req.url = "/v2/" + ref_.path + "/blobs/" + blob.digest;
  for (int attempt = 0;; ++attempt) {
    PIER_TRY(HttpResponse r, exchange(http, site, req, nullptr, 1 << 20));
    if (r.status == 200) return true;
    if (r.status == 404) return false;
    if (!is_transient_status(r.status) || attempt + 1 >= max_attempts)
      return status_error("check for blob " + blob.digest + " in " + ref_.name(), r);
    PIER_CHECK(sleep_before_retry(attempt));
  }
}

Status RegistryClient::put_blob(const Descriptor& blob, int fd) {
  HttpClient http;
  PIER_TRY(size_t site, registry_site(http));
  const std::string what = "upload blob " + blob.digest + " to " + ref_.name();
  for (int attempt = 0;; ++attempt) {
    HttpRequest start;
    start.method = "POST";
    start.url = "/v2/" + ref_.path + "/blobs/uploads/";
    PIER_TRY(HttpResponse session, exchange(http, site, start, nullptr, 1 << 20));
    HttpResponse r = session;
    if (session.status == 202) {
      std::string location = session.header("location");
      if (location.empty()) return Error(what + ": the registry started an upload without a Location");
      HttpRequest put;
      put.method = "PUT";
      put.url = location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + url_escape(blob.digest);
      put.headers = {"Content-Type: application/octet-stream"};
      put.body_fd = fd;
      put.body_size = static_cast<uint64_t>(blob.size);
      PIER_TRY(r, exchange(http, site, put, nullptr, 1 << 20));
      if (r.status == 201) return {};
    }
    if (!is_transient_status(r.status) || attempt + 1 >= max_attempts) return status_error(what, r);
    PIER_CHECK(sleep_before_retry(attempt));
  }
}

Result<std::string> RegistryClient::put_manifest(const std::string& tag_or_digest, const std::string& media_type,
                                                 const std::string& body) {
  HttpClient http;
  PIER_TRY(size_t site, registry_site(http));
  HttpRequest req;
  req.method = "PUT";
  req.url = "/v2/" + ref_.path + "/manifests/" + tag_or_digest;
  req.headers = {"Content-Type: " + media_type};
  req.body = body;
  const std::string what = "put manifest " + ref_.name() + ":" + tag_or_digest;
  for (int attempt = 0;; ++attempt) {
    PIER_TRY(HttpResponse r, exchange(http, site, req, nullptr, 1 << 20));
    if (r.status == 201) {
      std::string digest = sha256_digest(body);
      std::string stored = r.header("docker-content-digest");
      if (!stored.empty() && stored != digest)
        return Error(what + ": the registry stored digest " + stored + ", the manifest has " + digest);
      return digest;
    }
    if (!is_transient_status(r.status) || attempt + 1 >= max_attempts) return status_error(what, r);
    PIER_CHECK(sleep_before_retry(attempt));
  }
}

}  // namespace pier::image
