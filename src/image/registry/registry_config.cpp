#include "image/registry/registry_config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/strings.h"

namespace pier::image {
namespace {

namespace fs = std::filesystem;

// An address family and its bytes (4 or 16).
struct IpBytes {
  int family = 0;
  unsigned char bytes[16] = {};
};

bool parse_ip(const std::string& text, IpBytes& out) {
  if (::inet_pton(AF_INET, text.c_str(), out.bytes) == 1) {
    out.family = AF_INET;
    return true;
  }
  if (::inet_pton(AF_INET6, text.c_str(), out.bytes) == 1) {
    out.family = AF_INET6;
    return true;
  }
  return false;
}

bool in_cidr(const IpBytes& ip, const IpBytes& net, int prefix) {
  if (ip.family != net.family) return false;
  for (int i = 0; prefix > 0; ++i, prefix -= 8) {
    unsigned char mask = prefix >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - prefix));
    if ((ip.bytes[i] & mask) != (net.bytes[i] & mask)) return false;
  }
  return true;
}

// "host:port", "[v6]:port", "host" -> the host without port and brackets.
std::string strip_port(const std::string& host) {
  if (host.starts_with("[")) {
    auto close = host.find(']');
    return close == std::string::npos ? host : host.substr(1, close - 1);
  }
  auto colon = host.find(':');
  if (colon != std::string::npos && host.find(':', colon + 1) == std::string::npos) return host.substr(0, colon);
  return host;
}

// The addresses of `host`: itself when it is an IP literal, else what the resolver says.
std::vector<IpBytes> addresses_of(const std::string& host) {
  std::vector<IpBytes> out;
  IpBytes literal;
  if (parse_ip(host, literal)) return {literal};
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &list) != 0) return out;
  for (auto* a = list; a; a = a->ai_next) {
    IpBytes ip;
    if (a->ai_family == AF_INET) {
      ip.family = AF_INET;
      std::memcpy(ip.bytes, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, 4);
    } else if (a->ai_family == AF_INET6) {
      ip.family = AF_INET6;
      std::memcpy(ip.bytes, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    out.push_back(ip);
  }
  ::freeaddrinfo(list);
  return out;
}

// `localhost`, 127.0.0.0/8 or ::1, with or without a port.
bool on_loopback(const std::string& host) {
  std::string name = strip_port(host);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name == "localhost") return true;
  IpBytes ip, v6_loopback;
  if (!parse_ip(name, ip)) return false;
  if (ip.family == AF_INET) return ip.bytes[0] == 127;
  parse_ip("::1", v6_loopback);
  return std::memcmp(ip.bytes, v6_loopback.bytes, 16) == 0;
}

Result<std::pair<IpBytes, int>> parse_cidr(const std::string& text) {
  auto slash = text.find('/');
  IpBytes net;
  if (!parse_ip(text.substr(0, slash), net)) return Error("`" + text + "` is not a CIDR");
  int max = net.family == AF_INET ? 32 : 128;
  std::string bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 || !std::all_of(bits.begin(), bits.end(), ::isdigit) || std::stoi(bits) > max)
    return Error("`" + text + "` has an invalid prefix length");
  return std::make_pair(net, std::stoi(bits));
}

Result<std::vector<std::string>> string_list(const nlohmann::json& j, const std::string& key, const std::string& path) {
  if (!j.is_array()) return Error(path + ": `" + key + "` must be a list of strings");
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string()) return Error(path + ": `" + key + "` must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Status check_mirror_url(const std::string& url, const std::string& path) {
  std::string rest = url;
  if (rest.starts_with("https://")) rest = rest.substr(8);
  else if (rest.starts_with("http://")) rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos) return Error(path + ": mirror `" + url + "` must be http:// or https://");
  if (rest.empty() || rest.front() == '/') return Error(path + ": mirror `" + url + "` has no host");
  return {};
}

}  // namespace

bool RegistryConfig::is_insecure(const std::string& host) const {
  if (insecure.count(host)) return true;
  if (insecure_loopback && on_loopback(host)) return true;
  std::vector<IpBytes> addrs;
  bool resolved = false;
  for (const auto& entry : insecure) {
    if (entry.find('/') == std::string::npos) continue;
    auto cidr = parse_cidr(entry);
    if (!cidr) continue;  // rejected when the file was read
    if (!resolved) {
      addrs = addresses_of(strip_port(host));
      resolved = true;
    }
    for (const auto& a : addrs)
      if (in_cidr(a, cidr->first, cidr->second)) return true;
  }
  return false;
}

Result<TlsFiles> RegistryConfig::tls_files(const std::string& host) const {
  TlsFiles files;
  for (const auto& base : certs_dirs) {
    std::string dir = base + "/" + host;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    files.dir = dir;
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
    if (ec) return Error("read " + dir + ": " + ec.message());
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (name.ends_with(".crt")) {
        files.ca_files.push_back(dir + "/" + name);
      } else if (name.ends_with(".cert")) {
        std::string key = name.substr(0, name.size() - 5) + ".key";
        if (std::find(names.begin(), names.end(), key) == names.end())
          return Error(dir + ": client certificate " + name + " has no key " + key);
        if (!files.client_cert.empty()) return Error(dir + ": more than one client certificate (*.cert)");
        files.client_cert = dir + "/" + name;
        files.client_key = dir + "/" + key;
      } else if (name.ends_with(".key")) {
        std::string cert = name.substr(0, name.size() - 4) + ".cert";
        if (std::find(names.begin(), names.end(), cert) == names.end())
          return Error(dir + ": key " + name + " has no client certificate " + cert);
      }
    }
    return files;  // the first directory that exists is the only one read
  }
  return files;
}

Result<std::vector<Endpoint>> RegistryConfig::endpoints(const std::string& domain, const std::string& registry_host) const {
  std::vector<Endpoint> out;
  if (auto m = mirrors.find(domain); m != mirrors.end()) {
    for (std::string url : m->second) {
      while (url.ends_with("/")) url.pop_back();
      if (url.find("://") == std::string::npos) url = "https://" + url;
      Endpoint e;
      e.url = url;
      std::string rest = url.substr(url.find("://") + 3);
      e.host = rest.substr(0, rest.find('/'));
      e.mirror = true;
      e.insecure = is_insecure(e.host);
      PIER_TRY(e.tls, tls_files(e.host));
      out.push_back(std::move(e));
    }
  }
  Endpoint self;
  self.url = "https://" + registry_host;
  self.host = registry_host;
  self.insecure = is_insecure(registry_host) || is_insecure(domain);
  PIER_TRY(self.tls, tls_files(registry_host));
  if (self.tls.dir.empty() && domain != registry_host) {
    PIER_TRY(self.tls, tls_files(domain));
  }
  out.push_back(std::move(self));
  return out;
}

Result<RegistryConfig> RegistryConfig::parse(const std::string& text, const std::string& path) {
  RegistryConfig config;
  config.source = path;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Error(path + ": not valid JSON");
  if (!j.is_object()) return Error(path + ": must be a JSON object");
  for (auto& [key, value] : j.items()) {
    if (key == "insecure-registries") {
      PIER_TRY(auto list, string_list(value, key, path));
      for (auto& entry : list) {
        if (entry.find('/') != std::string::npos) {
          if (auto c = parse_cidr(entry); !c) return Error(path + ": insecure-registries: " + c.error().to_string());
        }
        config.insecure.insert(entry);
      }
    } else if (key == "registry-mirrors") {
      if (value.is_array()) {  // daemon.json's form: mirrors of Docker Hub
        PIER_TRY(config.mirrors["docker.io"], string_list(value, key, path));
      } else if (value.is_object()) {
        for (auto& [domain, urls] : value.items()) {
          PIER_TRY(config.mirrors[domain], string_list(urls, key + "." + domain, path));
        }
      } else {
        return Error(path + ": `registry-mirrors` must be a list of URLs (Docker Hub's) or an object of registry -> URLs");
      }
      for (const auto& [domain, urls] : config.mirrors)
        for (const auto& url : urls) PIER_CHECK(check_mirror_url(url, path));
    } else if (key == "certs-dirs") {
      PIER_TRY(config.certs_dirs, string_list(value, key, path));
    } else {
      return Error(path + ": unknown key `" + key + "`")
          .hint("known keys: registry-mirrors, insecure-registries, certs-dirs (see docs/images.md)");
    }
  }
  return config;
}

Result<RegistryConfig> RegistryConfig::load(const std::string& pier_root) {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("PIER_REGISTRIES_CONFIG"); env && *env) {
    candidates.push_back(env);
  } else {
    candidates = {pier_root + "/registries.json", "/etc/pier/registries.json"};
  }
  RegistryConfig config;
  for (const auto& path : candidates) {
    std::error_code ec;
    if (!fs::exists(path, ec)) continue;
    PIER_TRY(std::string text, read_file(path));
    PIER_TRY(config, parse(text, path));
    break;
  }
  if (config.source.empty() && std::getenv("PIER_REGISTRIES_CONFIG") && *std::getenv("PIER_REGISTRIES_CONFIG"))
    return Error("PIER_REGISTRIES_CONFIG names `" + candidates.front() + "`, which does not exist");
  if (config.certs_dirs.empty())
    config.certs_dirs = {pier_root + "/certs.d", "/etc/pier/certs.d", "/etc/docker/certs.d"};
  config.insecure_loopback = true;
  if (const char* env = std::getenv("PIER_INSECURE_REGISTRIES"))
    for (const auto& host : split(env, ','))
      if (!trim(host).empty()) config.insecure.insert(std::string(trim(host)));
  return config;
}

}  // namespace pier::image
