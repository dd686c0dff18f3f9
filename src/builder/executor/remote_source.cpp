#include "builder/executor/remote_source.h"

#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>

#include <fmt/format.h>

#include "base/unique_fd.h"
#include "image/digest.h"
#include "image/registry/http.h"

namespace pier::builder::detail {
namespace {

std::atomic<unsigned> g_download_counter{0};

// The URL's path: after the authority, before any query or fragment.
std::string url_path(const std::string& url) {
  auto scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  auto slash = url.find('/', start);
  if (slash == std::string::npos) return "";
  auto end = url.find_first_of("?#", slash);
  return url.substr(slash, end == std::string::npos ? std::string::npos : end - slash);
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool valid_sha256(const std::string& digest) {
  if (!digest.starts_with("sha256:") || digest.size() != 7 + 64) return false;
  for (size_t i = 7; i < digest.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(digest[i]))) return false;
  return true;
}

}  // namespace

bool is_http_url(const std::string& s) { return s.starts_with("http://") || s.starts_with("https://"); }

bool is_git_url(const std::string& s) {
  if (s.starts_with("git@") || s.starts_with("git://")) return true;
  if (!is_http_url(s)) return false;
  std::string path = url_path(s);
  return path.ends_with(".git");
}

std::string url_file_name(const std::string& url) {
  std::string path = url_path(url);
  while (!path.empty() && path.back() == '/') path.pop_back();
  auto slash = path.rfind('/');
  std::string name = percent_decode(slash == std::string::npos ? path : path.substr(slash + 1));
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) return "index";
  return name;
}

std::optional<int64_t> parse_http_date(const std::string& value) {
  static const char* const kFormats[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                                         "%a %b %e %H:%M:%S %Y"};
  for (const char* f : kFormats) {
    struct tm tm {};
    const char* end = ::strptime(value.c_str(), f, &tm);
    if (end && *end == '\0') return static_cast<int64_t>(::timegm(&tm));
  }
  return std::nullopt;
}

Result<RemoteFile> download_source(const std::string& url, const std::string& dir, const std::string& where,
                                   const std::string& checksum) {
  std::string what = where + " " + url;
  if (!checksum.empty() && !valid_sha256(checksum))
    return Error(what + ": --checksum=" + checksum + " is not a sha256 digest")
        .hint("write it as --checksum=sha256:<64 hex digits>");
  RemoteFile file;
  file.url = url;
  file.name = url_file_name(url);
  file.path = fmt::format("{}/download-{}", dir, g_download_counter++);
  UniqueFd fd(::open(file.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return Error::system("create", file.path, errno);
  image::Sha256 hasher;
  image::HttpRequest request;
  request.url = url;
  image::HttpClient client;
  auto response = client.stream(request, [&](const char* data, size_t size) -> Status {
    hasher.update(data, size);
    file.size += static_cast<int64_t>(size);
    while (size > 0) {
      ssize_t n = ::write(fd.get(), data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error::system("write", file.path, errno);
      data += n;
      size -= static_cast<size_t>(n);
    }
    return {};
  });
  if (!response) return std::move(response).error().context(what);
  if (response->status == 0) {
    std::string reason = response->transport_error;
    if (auto colon = reason.find(url + ": "); colon != std::string::npos) reason = reason.substr(colon + url.size() + 2);
    return Error(what + ": download failed: " + reason)
        .hint(response->tls_failure ? "the server's TLS certificate is not trusted by this host"
                                    : "check the URL and that this host can reach it");
  }
  if (response->status != 200)
    return Error(fmt::format("{}: download failed: the server answered HTTP {}", what, response->status))
        .hint("check the URL; pier downloads ADD sources with a plain GET, without credentials");
  file.digest = hasher.finish();
  if (!checksum.empty()) {
    std::string want = checksum;
    for (auto& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (want != file.digest)
      return Error(what + ": checksum mismatch: expected " + want + ", got " + file.digest)
          .hint("the file at the URL changed, or the --checksum is wrong");
  }
  if (auto date = parse_http_date(response->header("last-modified"))) file.mtime = *date;
  return file;
}

}  // namespace pier::builder::detail
