// Registry configuration, as Docker's daemon.json and certs.d give it:
// mirrors per registry, insecure registries (host[:port] or CIDR), extra CAs
// and client certificates per host. The format is in docs/images.md.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::image {

// What `<certs dir>/<host[:port]>/` holds: `*.crt` are extra CAs (added to the
// system's), `*.cert` + `*.key` a client certificate for mutual TLS.
struct TlsFiles {
  std::string dir;                    // the directory used, "" when none exists
  std::vector<std::string> ca_files;
  std::string client_cert, client_key;
};

// One place to fetch a repository from: a mirror or the registry itself.
struct Endpoint {
  std::string url;   // "https://host[:port]" or "http://host[:port]", no trailing slash
  std::string host;  // "host[:port]" as certs.d and insecure-registries name it
  bool mirror = false;
  bool insecure = false;  // unverified TLS, then plain HTTP, are allowed
  TlsFiles tls;
};

struct RegistryConfig {
  // "host[:port]" (exact) or a CIDR ("10.0.0.0/8") matched against the host's addresses.
  std::set<std::string> insecure;
  // Registry domain ("docker.io", "host:5000") -> mirror URLs, tried in order.
  std::map<std::string, std::vector<std::string>> mirrors;
  // Searched in order for `<dir>/<host[:port]>/`; the first that exists is used.
  std::vector<std::string> certs_dirs;
  std::string docker_config_path;  // "" = ~/.docker/config.json
  std::string source;              // the file this was read from, "" when none
  // Docker's default, which load() sets: a registry on this machine's loopback
  // (127.0.0.0/8, ::1, `localhost`) is insecure with no configuration, for the local
  // registries of kind and CI. Only those literals count, never a name that DNS points
  // at loopback (Docker resolves names; an answer from DNS must not turn TLS off).
  bool insecure_loopback = false;

  bool is_insecure(const std::string& host) const;
  Result<TlsFiles> tls_files(const std::string& host) const;
  // The mirrors of `domain` in order, then `registry_host` itself.
  Result<std::vector<Endpoint>> endpoints(const std::string& domain, const std::string& registry_host) const;

  // Reads $PIER_REGISTRIES_CONFIG, else `<root>/registries.json`, else
  // /etc/pier/registries.json (the first that exists), plus
  // $PIER_INSECURE_REGISTRIES (comma-separated). Only loopback registries are insecure
  // by default (insecure_loopback).
  static Result<RegistryConfig> load(const std::string& pier_root);
  // Parses one file's text; `path` names it in errors.
  static Result<RegistryConfig> parse(const std::string& text, const std::string& path);
};

}  // namespace pier::image
