#include "compose/discovery.h"

#include <filesystem>

#include "base/strings.h"
#include "compose/paths.h"

namespace pier::compose {
namespace fs = std::filesystem;
namespace {

constexpr const char* kMainNames[] = {"compose.yaml", "compose.yml", "docker-compose.yaml",
                                      "docker-compose.yml"};
constexpr const char* kOverrideNames[] = {"compose.override.yaml", "compose.override.yml",
                                          "docker-compose.override.yaml",
                                          "docker-compose.override.yml"};

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::vector<std::string> existing_in(const fs::path& dir, const auto& names) {
  std::vector<std::string> found;
  for (const char* name : names)
    if (is_file(dir / name)) found.push_back((dir / name).string());
  return found;
}

}  // namespace

Result<std::vector<std::string>> discover_compose_files(const std::string& dir,
                                                        Warnings& warnings) {
  std::error_code ec;
  fs::path current = fs::absolute(dir, ec);
  for (;;) {
    auto mains = existing_in(current, kMainNames);
    if (!mains.empty()) {
      if (mains.size() > 1)
        warnings.push_back(Warning{"", "found multiple config files with supported names: " +
                                           join(mains, ", ") + "; using " + mains.front()});
      std::vector<std::string> files{mains.front()};
      auto overrides = existing_in(current, kOverrideNames);
      if (!overrides.empty()) files.push_back(overrides.front());
      return files;
    }
    if (!current.has_parent_path() || current.parent_path() == current) break;
    current = current.parent_path();
  }
  return Error("no configuration file provided: not found")
      .hint("run pier in a directory with a compose.yaml, or pass -f FILE");
}

Result<std::vector<std::string>> select_compose_files(const std::vector<std::string>& files,
                                                      const Environment& env,
                                                      const std::string& working_dir,
                                                      const std::string& discovery_dir,
                                                      Warnings& warnings) {
  std::vector<std::string> chosen = files;
  if (chosen.empty()) {
    if (auto it = env.find("COMPOSE_FILE"); it != env.end() && !it->second.empty()) {
      auto sep_it = env.find("COMPOSE_PATH_SEPARATOR");
      char sep = sep_it != env.end() && !sep_it->second.empty() ? sep_it->second[0] : ':';
      for (auto& f : split(it->second, sep))
        if (!f.empty()) chosen.push_back(f);
    }
  }
  if (chosen.empty()) return discover_compose_files(discovery_dir, warnings);
  for (auto& f : chosen) {
    if (f == "-") continue;
    f = absolute_path(working_dir, f);
    if (!is_file(f))
      return Error("compose file `" + f + "` not found")
          .hint("check the path given with -f or COMPOSE_FILE");
  }
  return chosen;
}

std::vector<std::string> select_env_files(const std::vector<std::string>& env_files,
                                          const Environment& env, const std::string& working_dir,
                                          const std::string& project_dir) {
  std::vector<std::string> chosen;
  if (!env_files.empty()) {
    for (const auto& f : env_files) chosen.push_back(absolute_path(working_dir, f));
    return chosen;
  }
  if (auto it = env.find("COMPOSE_ENV_FILES"); it != env.end() && !it->second.empty()) {
    for (const auto& f : split(it->second, ','))
      if (!trim(f).empty()) chosen.push_back(absolute_path(working_dir, std::string(trim(f))));
    return chosen;
  }
  if (auto it = env.find("COMPOSE_DISABLE_ENV_FILE");
      it != env.end() && (it->second == "1" || to_lower(it->second) == "true"))
    return chosen;
  fs::path dot_env = fs::path(project_dir) / ".env";
  if (is_file(dot_env)) chosen.push_back(dot_env.string());
  return chosen;
}

std::string normalize_project_name(std::string_view name) {
  std::string out;
  for (char c : to_lower(name)) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (keep && !(out.empty() && (c == '_' || c == '-'))) out += c;
  }
  return out;
}

Status check_project_name(std::string_view name) {
  bool valid = !name.empty() && normalize_project_name(name) == name;
  if (!valid)
    return Error("invalid project name `" + std::string(name) +
                 "`: project name must contain only lowercase letters, digits, dashes and "
                 "underscores, and start with a letter or digit");
  return {};
}

}  // namespace pier::compose
