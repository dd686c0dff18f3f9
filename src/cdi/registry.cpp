#include "cdi/registry.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "base/strings.h"
#include "cdi/names.h"
#include "sys/in_root.h"

namespace pier::cdi {

namespace {

// Vendor specs list every library and binary of a driver; NVIDIA's run to some tens of
// KiB. A file larger than this is not a spec.
constexpr size_t kSpecFileLimit = 1 << 20;

bool is_spec_file(const std::string& name) {
  return ends_with(name, ".yaml") || ends_with(name, ".yml") || ends_with(name, ".json");
}

// The spec files of one dir, sorted so that every run reads them in the same order.
std::vector<std::string> spec_files(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (is_spec_file(name) && name.front() != '.') names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A spec makes pier run its hooks as root and bind host paths into containers, so one
// that another user could have written is refused, as sudo refuses such a sudoers file:
// the spec and its dir must belong to root (or to whoever runs pier) and be writable by
// no one else.
Status check_owner(const struct stat& st, const std::string& path, const char* what) {
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    return Error(fmt::format("refusing CDI {} `{}`: it belongs to uid {}, not root", what, path, st.st_uid));
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return Error(fmt::format("refusing CDI {} `{}`: it is writable by group or others (mode {:o})", what, path,
                             st.st_mode & 07777))
        .hint(fmt::format("chmod go-w {}", path));
  return {};
}

void load_dir(const std::string& dir, Registry& out) {
  auto names = spec_files(dir);
  if (names.empty()) return;
  auto root = sys::ContentRoot::open(dir);
  if (!root) {
    out.broken.push_back(std::move(root).error().context("CDI spec dir"));
    return;
  }
  struct stat dir_st{};
  if (::fstat(root->fd.get(), &dir_st) != 0) {
    out.broken.push_back(Error::system("stat", dir, errno));
    return;
  }
  if (auto st = check_owner(dir_st, dir, "spec dir"); !st) {
    out.broken.push_back(std::move(st).error());
    return;
  }
  for (const auto& name : names) {
    std::string file = dir + "/" + name;
    if (auto st = sys::stat_in_root(*root, name, sys::LastLink::follow_in_root); st) {
      if (auto owner = check_owner(*st, file, "spec"); !owner) {
        out.broken.push_back(std::move(owner).error());
        continue;
      }
    }
    // Regular files only, size-capped: a FIFO dropped into a spec dir must not block
    // `up`, and a device node must not be read by root.
    auto text = sys::read_file_in_root(*root, name, kSpecFileLimit);
    if (!text) {
      out.broken.push_back(std::move(text).error().context(fmt::format("CDI spec `{}`", file)));
      continue;
    }
    auto spec = parse_spec(*text, file);
    if (!spec) out.broken.push_back(std::move(spec).error());
    else out.specs.push_back(std::move(*spec));
  }
}

// A device as found: its spec and itself.
struct Found {
  const Spec* spec;
  const Device* device;
};

std::vector<Found> find(const Registry& r, const QualifiedName& n) {
  std::string kind = n.kind();
  std::vector<Found> out;
  for (const auto& s : r.specs) {
    if (s.kind != kind) continue;
    for (const auto& d : s.devices)
      if (d.name == n.device) out.push_back({&s, &d});
  }
  return out;
}

Error unknown_device(const Registry& r, std::string_view name) {
  Error e(fmt::format("CDI device `{}` is not defined in any spec (searched {})", name,
                      r.dirs.empty() ? std::string("no directory") : join(r.dirs, ", ")));
  if (!r.broken.empty()) {
    std::vector<std::string> why;
    for (const auto& b : r.broken) why.push_back(b.to_string());
    return e.hint("these specs could not be read: " + join(why, "; "));
  }
  return e.hint("generate the vendor's spec (e.g. `nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`) or set PIER_CDI_SPEC_DIRS");
}

Error defined_twice(const std::string& name, const Found& a, const Found& b) {
  return Error(fmt::format("CDI device `{}` is defined by two specs: `{}` and `{}`", name, a.spec->file, b.spec->file))
      .hint("remove one of them");
}

Result<std::vector<Found>> lookup(const Registry& r, const std::string& text) {
  PIER_TRY(QualifiedName n, parse_qualified_name(text));
  std::vector<Found> found = find(r, n);
  if (found.size() > 1) return defined_twice(text, found[0], found[1]);
  if (found.empty() && n.device == "all") {
    // `all` is every device of the kind unless a spec names a device `all` itself (as
    // NVIDIA's does, with edits of its own).
    for (const auto& s : r.specs)
      if (s.kind == n.kind())
        for (const auto& d : s.devices) {
          for (const auto& f : found)
            if (f.device->name == d.name) return defined_twice(n.kind() + "=" + d.name, f, {&s, &d});
          found.push_back({&s, &d});
        }
  }
  if (found.empty()) return unknown_device(r, text);
  return found;
}

// Later entries replace earlier ones with the same key (a device path, a variable).
void append_edits(ContainerEdits& into, const ContainerEdits& from) {
  for (const auto& env : from.env) {
    std::string key = env.substr(0, env.find('='));
    std::erase_if(into.env, [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    into.env.push_back(env);
  }
  for (const auto& n : from.device_nodes) {
    std::erase_if(into.device_nodes, [&](const DeviceNode& e) { return e.path == n.path; });
    into.device_nodes.push_back(n);
  }
  into.mounts.insert(into.mounts.end(), from.mounts.begin(), from.mounts.end());
  into.hooks.insert(into.hooks.end(), from.hooks.begin(), from.hooks.end());
  for (uint32_t g : from.additional_gids)
    if (g != 0 && std::find(into.additional_gids.begin(), into.additional_gids.end(), g) == into.additional_gids.end())
      into.additional_gids.push_back(g);
}

size_t depth(const std::string& path) { return static_cast<size_t>(std::count(path.begin(), path.end(), '/')); }

}  // namespace

std::vector<std::string> spec_dirs(std::optional<std::string_view> setting) {
  if (!setting) return {"/etc/cdi", "/var/run/cdi"};
  std::vector<std::string> out;
  for (auto& d : split(*setting, ':'))
    if (!d.empty()) out.push_back(d);
  return out;
}

std::vector<std::string> spec_dirs() {
  const char* env = std::getenv("PIER_CDI_SPEC_DIRS");
  return env ? spec_dirs(std::string_view(env)) : spec_dirs(std::nullopt);
}

Registry load_registry(const std::vector<std::string>& dirs) {
  Registry r;
  r.dirs = dirs;
  for (const auto& d : dirs) load_dir(d, r);
  return r;
}

bool has_kind(const Registry& registry, std::string_view kind) {
  return std::any_of(registry.specs.begin(), registry.specs.end(), [&](const Spec& s) { return s.kind == kind; });
}

std::vector<std::string> numbered_devices(const Registry& registry, std::string_view kind) {
  std::vector<std::string> out;
  for (const auto& s : registry.specs)
    if (s.kind == kind)
      for (const auto& d : s.devices)
        if (d.name.size() <= 9 && d.name.find_first_not_of("0123456789") == std::string::npos) out.push_back(d.name);
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return std::stoul(a) < std::stoul(b); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<ContainerEdits> resolve(const Registry& registry, const std::vector<std::string>& names) {
  ContainerEdits out;
  std::vector<const Spec*> specs_applied;
  std::vector<const Device*> devices_applied;
  for (const auto& name : names) {
    PIER_TRY(auto found, lookup(registry, name));
    for (const auto& f : found) {
      if (std::find(devices_applied.begin(), devices_applied.end(), f.device) != devices_applied.end()) continue;
      if (std::find(specs_applied.begin(), specs_applied.end(), f.spec) == specs_applied.end()) {
        append_edits(out, f.spec->edits);
        specs_applied.push_back(f.spec);
      }
      append_edits(out, f.device->edits);
      devices_applied.push_back(f.device);
    }
  }
  // A mount inside another one goes after it, whatever order the specs listed them in.
  std::stable_sort(out.mounts.begin(), out.mounts.end(),
                   [](const Mount& a, const Mount& b) { return depth(a.container_path) < depth(b.container_path); });
  return out;
}

}  // namespace pier::cdi
