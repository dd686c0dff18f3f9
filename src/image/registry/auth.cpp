#include "image/registry/auth.h"

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "image/registry/credential_helper.h"

namespace pier::image {
namespace {

using nlohmann::json;

// Docker Hub's credentials live under its legacy index URL.
std::vector<std::string> config_keys(const std::string& host) {
  if (host == "registry-1.docker.io" || host == "docker.io" || host == "index.docker.io")
    return {"https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"};
  return {host, "https://" + host, "http://" + host, "https://" + host + "/v1/", "https://" + host + "/v2/"};
}

Result<Credentials> from_auths(const json& auths, const std::string& key) {
  auto it = auths.find(key);
  if (it == auths.end() || !it->is_object()) return Credentials{};
  Credentials c;
  if (auto auth = it->find("auth"); auth != it->end() && auth->is_string()) {
    std::string decoded = base64_decode(auth->get<std::string>());
    auto colon = decoded.find(':');
    if (colon == std::string::npos) return Error("malformed `auth` for " + key + " in the docker config");
    c.username = decoded.substr(0, colon);
    c.password = decoded.substr(colon + 1);
  }
  if (auto tok = it->find("identitytoken"); tok != it->end() && tok->is_string()) {
    c.username = "<token>";
    c.password = tok->get<std::string>();
  }
  return c;
}

}  // namespace

std::string docker_config_path() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir) return std::string(dir) + "/config.json";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/root") + "/.docker/config.json";
}

std::string auths_key(const std::string& host) {
  if (host == "registry-1.docker.io" || host == "docker.io" || host == "index.docker.io")
    return "https://index.docker.io/v1/";
  return host;
}

namespace {

// The config as an object: none yet is an empty one, anything else is an error (the
// user's file is never overwritten with less than it had).
Result<json> read_config(const std::string& path) {
  auto text = read_file(path);
  if (!text) {
    if (std::filesystem::exists(path)) return std::move(text).error().context("read docker config `" + path + "`");
    return json::object();
  }
  auto config = json::parse(*text, nullptr, false);
  if (!config.is_object()) return Error("docker config `" + path + "` is not a JSON object").hint("fix or remove it");
  return config;
}

Status write_config(const std::string& path, const json& config) {
  auto dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error("create `" + dir.string() + "`: " + ec.message());
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  return write_file_atomic(path, config.dump(1, '\t') + "\n", 0600).context("write docker config `" + path + "`");
}

}  // namespace

Status store_credentials(const std::string& key, const Credentials& credentials, const std::string& config_path) {
  std::string path = config_path.empty() ? docker_config_path() : config_path;
  PIER_TRY(json config, read_config(path));
  if (!config.contains("auths") || !config["auths"].is_object()) config["auths"] = json::object();
  json& entry = config["auths"][key];
  if (!entry.is_object()) entry = json::object();
  entry.erase("identitytoken");
  entry["auth"] = base64_encode(credentials.username + ":" + credentials.password);
  return write_config(path, config);
}

Result<bool> erase_credentials(const std::string& key, const std::string& config_path) {
  std::string path = config_path.empty() ? docker_config_path() : config_path;
  if (!std::filesystem::exists(path)) return false;
  PIER_TRY(json config, read_config(path));
  auto auths = config.find("auths");
  if (auths == config.end() || !auths->is_object() || !auths->contains(key)) return false;
  auths->erase(key);
  PIER_CHECK(write_config(path, config));
  return true;
}

Result<Challenge> parse_challenge(std::string_view header) {
  header = trim(header);
  auto space = header.find(' ');
  Challenge c;
  c.scheme = to_lower(header.substr(0, space));
  if (c.scheme.empty()) return Error("empty WWW-Authenticate challenge");
  std::string_view rest = space == std::string_view::npos ? std::string_view() : header.substr(space + 1);
  while (!rest.empty()) {
    rest = trim(rest);
    auto eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    std::string key = to_lower(trim(rest.substr(0, eq)));
    rest = rest.substr(eq + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value += rest[i];
      }
      rest = i < rest.size() ? rest.substr(i + 1) : std::string_view();
    } else {
      auto comma = rest.find(',');
      value = std::string(trim(rest.substr(0, comma)));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma);
    }
    c.params[key] = value;
    rest = trim(rest);
    if (!rest.empty() && rest.front() == ',') rest = rest.substr(1);
  }
  return c;
}

Result<Credentials> find_credentials(const std::string& host, const std::string& config_path) {
  std::string path = config_path.empty() ? docker_config_path() : config_path;
  auto text = read_file(path);
  if (!text) return Credentials{};  // no docker config: anonymous
  auto config = json::parse(*text, nullptr, false);
  if (!config.is_object()) return Error("docker config `" + path + "` is not valid JSON");
  auto keys = config_keys(host);
  if (auto helpers = config.find("credHelpers"); helpers != config.end() && helpers->is_object())
    for (const auto& key : keys)
      if (auto h = helpers->find(key); h != helpers->end() && h->is_string())
        return run_credential_helper(h->get<std::string>(), key);
  if (auto store = config.find("credsStore"); store != config.end() && store->is_string() && !store->get<std::string>().empty()) {
    auto c = run_credential_helper(store->get<std::string>(), keys.front());
    if (c.ok() && !c->empty()) return c;
  }
  if (auto auths = config.find("auths"); auths != config.end() && auths->is_object())
    for (const auto& key : keys) {
      PIER_TRY(Credentials c, from_auths(*auths, key));
      if (!c.empty()) return c;
    }
  return Credentials{};
}

std::string base64_decode(std::string_view in) {
  auto value = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+' || ch == '-') return 62;
    if (ch == '/' || ch == '_') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char ch : in) {
    int v = value(ch);
    if (v < 0) continue;  // padding and whitespace
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string base64_encode(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(v >> s) & 63];
  }
  if (size_t rest = in.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace pier::image
