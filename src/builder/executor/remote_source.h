// ADD <url>: an http(s) source downloaded by the builder process (libcurl, through
// image/registry's HttpClient) into the build's temporary directory, hashed on the
// way, named as Docker names it and dated by its Last-Modified header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"

namespace pier::builder::detail {

struct RemoteFile {
  std::string url;
  std::string path;    // the downloaded file, in the build's temporary directory
  std::string name;    // its name in the layer when the destination is a directory
  std::string digest;  // "sha256:<hex>" of the content
  int64_t size = 0;
  int64_t mtime = 0;   // Last-Modified, else 0 (the epoch), as BuildKit
};

bool is_http_url(const std::string& s);
// Git sources as Docker recognises them: git@..., git://..., or an http(s) URL
// whose path ends in `.git` (optionally with a #ref fragment).
bool is_git_url(const std::string& s);

// The file name Docker gives a URL source: the last component of the URL's path
// (percent-decoded), or "index" when the path has none.
std::string url_file_name(const std::string& url);

// A Last-Modified value (RFC 7231 IMF-fixdate, RFC 850 or asctime) as seconds since
// the epoch, or nullopt.
std::optional<int64_t> parse_http_date(const std::string& value);

// Downloads `url` into a new file below `dir`. Errors (connection, HTTP status, a
// checksum mismatch) are prefixed with `where` ("Dockerfile:3: ADD") and name the URL.
// `checksum` is "" or "sha256:<hex>".
Result<RemoteFile> download_source(const std::string& url, const std::string& dir, const std::string& where,
                                   const std::string& checksum);

}  // namespace pier::builder::detail
