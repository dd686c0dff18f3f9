// Writing converted manifests: one multi-document YAML stream, a kustomize directory
// (one file per object plus kustomization.yaml), or a Helm chart.
#pragma once

#include <string>

#include "base/result.h"
#include "convert/convert.h"

namespace pier::convert {

// Every object as one YAML document, in the order of `manifests.objects`.
std::string to_yaml_stream(const Manifests& manifests);
// `<dir>/<kind>-<name>.yaml` per object and `<dir>/kustomization.yaml` listing them
// (`kubectl apply -k <dir>`). Files of Secrets are 0600: they hold credentials.
Status write_kustomize(const Manifests& manifests, const std::string& dir);
// A Helm chart in `dir` (helm.cpp): Chart.yaml, values.yaml (each service's image,
// replicas and Service ports) and templates/ reading them, every object in the
// release's namespace (`helm install RELEASE DIR`).
Status write_helm_chart(const Manifests& manifests, const std::string& project_name, const std::string& dir);

}  // namespace pier::convert
