#include "convert/render.h"

#include "base/atomic_file.h"
#include "base/dirs.h"
#include "base/strings.h"
#include "compose/output.h"

namespace pier::convert {
namespace {

std::string yaml(const nlohmann::json& body) { return compose::to_yaml(compose::Json::parse(body.dump())); }

std::string file_name(const Object& o) { return to_lower(o.kind) + "-" + o.name + ".yaml"; }

unsigned file_mode(const Object& o) { return o.kind == "Secret" ? 0600 : 0644; }

}  // namespace

std::string to_yaml_stream(const Manifests& manifests) {
  std::string out;
  for (const auto& o : manifests.objects) out += "---\n" + yaml(o.body);
  return out;
}

Status write_kustomize(const Manifests& manifests, const std::string& dir) {
  PIER_CHECK(make_dirs(dir, 0755).context("writing manifests to `" + dir + "`"));
  nlohmann::json kustomization = {{"apiVersion", "kustomize.config.k8s.io/v1beta1"},
                                  {"kind", "Kustomization"},
                                  {"resources", nlohmann::json::array()}};
  for (const auto& o : manifests.objects) {
    PIER_CHECK(write_file_atomic(dir + "/" + file_name(o), yaml(o.body), file_mode(o)));
    kustomization["resources"].push_back(file_name(o));
  }
  return write_file_atomic(dir + "/kustomization.yaml", yaml(kustomization));
}

}  // namespace pier::convert
