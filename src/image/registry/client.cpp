#include "image/registry/client.h"

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
  verify_tls_ = !config_.is_insecure(host_) && !config_.is_insecure(ref.domain);
  base_url_ = "https://" + host_;
  if (auto m = config_.mirrors.find(ref.domain); m != config_.mirrors.end() && !m->second.empty())
    base_url_ = m->second.front();
}

HttpRequest RegistryClient::request_for(const std::string& path, const std::vector<std::string>& headers) const {
  HttpRequest req;
  req.url = base_url_ + path;
  req.headers = headers;
  req.verify_tls = verify_tls_;
  return req;
}

Status RegistryClient::ping() {
  HttpClient http;
  PIER_TRY(HttpResponse r, http.fetch(request_for("/v2/", {})));
  if (r.status == 0 && base_url_ != "https://" + host_) {  // a mirror is down: use the registry itself
    log::warn("mirror {} unreachable, using {}", base_url_, host_);
    base_url_ = "https://" + host_;
    PIER_TRY(r, http.fetch(request_for("/v2/", {})));
  }
  // Insecure registries may speak plain HTTP: Docker tries HTTPS first, then HTTP.
  if (r.status == 0 && !verify_tls_ && base_url_.starts_with("https://")) {
    base_url_ = "http://" + host_;
    PIER_TRY(r, http.fetch(request_for("/v2/", {})));
  }
  if (r.status == 0) {
    Error e = status_error("contact registry " + host_, r);
    if (verify_tls_) e.hint("if it serves plain HTTP, list it in insecure-registries of <root>/registries.json");
    return e;
  }
  if (r.status == 200 || r.status == 401) return {};
  return status_error("ping registry " + host_, r);
}

Result<std::string> RegistryClient::fetch_token(HttpClient& http, const Challenge& ch) {
  auto realm = ch.params.find("realm");
  if (realm == ch.params.end()) return Error("registry " + host_ + " sent a bearer challenge without a realm");
  std::string url = realm->second + (realm->second.find('?') == std::string::npos ? "?" : "&");
  if (auto s = ch.params.find("service"); s != ch.params.end()) url += "service=" + url_escape(s->second) + "&";
  url += "scope=" + url_escape("repository:" + ref_.path + ":pull");
  HttpRequest req;
  req.url = url;
  req.verify_tls = verify_tls_;
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

Status RegistryClient::authorize(HttpClient& http, const std::string& header) {
  std::lock_guard lock(auth_mutex_);
  if (!credentials_loaded_) {
    PIER_TRY(credentials_, find_credentials(ref_.domain == kDefaultDomain ? host_ : ref_.domain,
                                            config_.docker_config_path));
    credentials_loaded_ = true;
  }
  PIER_TRY(Challenge ch, parse_challenge(header));
  if (ch.scheme == "bearer") {
    PIER_TRY(std::string token, fetch_token(http, ch));
    auth_header_ = "Authorization: Bearer " + token;
    return {};
  }
  if (ch.scheme == "basic") {
    if (credentials_.empty())
      return Error("registry " + host_ + " requires a login").hint("add credentials to ~/.docker/config.json");
    auth_header_ = "Authorization: Basic " + base64_encode(credentials_.username + ":" + credentials_.password);
    return {};
  }
  return Error("registry " + host_ + " asks for unsupported auth scheme `" + ch.scheme + "`");
}

Result<HttpResponse> RegistryClient::send(HttpClient& http, const std::string& path,
                                          const std::vector<std::string>& headers, const BodySink* sink) {
  for (int round = 0;; ++round) {
    auto all = headers;
    {
      std::lock_guard lock(auth_mutex_);
      if (!auth_header_.empty()) all.push_back(auth_header_);
    }
    HttpRequest req = request_for(path, all);
    PIER_TRY(HttpResponse r, sink ? http.stream(req, *sink) : http.fetch(req));
    if (r.status != 401 || round > 0) return r;
    std::string challenge = r.header("www-authenticate");
    if (challenge.empty()) return r;
    PIER_CHECK(authorize(http, challenge));
  }
}

Status RegistryClient::sleep_before_retry(int attempt) const {
  std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
  return {};
}

Result<FetchedDocument> RegistryClient::get_manifest(const std::string& tag_or_digest) {
  HttpClient http;
  std::string path = "/v2/" + ref_.path + "/manifests/" + tag_or_digest;
  std::vector<std::string> headers = {"Accept: " + std::string(media::kAccept)};
  for (int attempt = 0;; ++attempt) {
    PIER_TRY(HttpResponse r, send(http, path, headers, nullptr));
    if (r.status == 200) {
      FetchedDocument doc{r.header("content-type"), std::move(r.body), ""};
      doc.digest = sha256_digest(doc.body);
      if (tag_or_digest.starts_with("sha256:") && doc.digest != tag_or_digest)
        return Error("manifest " + tag_or_digest + " from " + host_ + " has digest " + doc.digest);
      return doc;
    }
    if (!is_transient_status(r.status) || attempt + 1 >= max_attempts)
      return status_error("get manifest " + ref_.name() + ":" + tag_or_digest, r);
    PIER_CHECK(sleep_before_retry(attempt));
  }
}

Status RegistryClient::get_blob(const Descriptor& blob, BlobWriter& out, const ByteProgress& progress) {
  HttpClient http;
  std::string path = "/v2/" + ref_.path + "/blobs/" + blob.digest;
  uint64_t total = blob.size > 0 ? static_cast<uint64_t>(blob.size) : 0;
  BodySink sink = [&](const char* data, size_t size) -> Status {
    if (total && out.size() + size > total) return Error("blob " + blob.digest + " is larger than its descriptor says");
    PIER_CHECK(out.write(data, size));
    if (progress) progress(out.size(), total);
    return {};
  };
  for (int attempt = 0;; ++attempt) {
    PIER_CHECK(out.reset());
    PIER_TRY(HttpResponse r, send(http, path, {}, &sink));
    if (r.status == 200 && (!total || out.size() == total)) return {};
    if (r.status != 0 && !is_transient_status(r.status))
      return status_error("get blob " + blob.digest + " of " + ref_.name(), r);
    if (attempt + 1 >= max_attempts) {
      if (r.status == 200) return Error("blob " + blob.digest + " ended early after retries");
      return status_error("get blob " + blob.digest + " of " + ref_.name() + " (after " + std::to_string(max_attempts) + " attempts)", r);
    }
    log::debug("retrying blob {} (attempt {})", blob.digest, attempt + 2);
    PIER_CHECK(sleep_before_retry(attempt));
  }
}

}  // namespace pier::image
