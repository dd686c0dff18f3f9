// --format helm: the same objects as a chart. values.yaml holds what a user changes per
// install (each service's image, replicas and Service ports); the templates read them
// with `index` (service names may hold '-'), and every object lives in the release's
// namespace (`helm install --namespace N --create-namespace`), so no Namespace object.
#include <map>

#include "base/atomic_file.h"
#include "base/dirs.h"
#include "base/strings.h"
#include "compose/output.h"
#include "convert/names.h"
#include "convert/render.h"

namespace pier::convert {
namespace {

using nlohmann::json;

// Values are swapped for markers before the YAML is written, and the markers for
// template actions after, so the emitter never quotes an action.
struct Templater {
  std::map<std::string, std::string> actions;  // marker -> action
  std::string mark(std::string action) {
    std::string marker = "pier-helm-value-" + std::to_string(actions.size()) + "-x";
    actions[marker] = std::move(action);
    return marker;
  }
  // Text from the project (a config's content, a command) may hold `{{`: Helm would run
  // it as a template. It is written as the action that prints `{{`.
  std::string render(const json& body) const {
    std::string text = compose::to_yaml(compose::Json::parse(body.dump()));
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text.compare(i, 2, "{{") == 0) {
        out += "{{ \"{{\" }}";
        ++i;
      } else {
        out += text[i];
      }
    }
    for (const auto& [marker, action] : actions) {
      for (size_t at = out.find(marker); at != std::string::npos; at = out.find(marker, at + action.size()))
        out.replace(at, marker.size(), action);
    }
    return out;
  }
};

std::string value_of(const std::string& service, const std::string& key) {
  return "(index .Values.services \"" + service + "\")." + key;
}

bool is_workload(const std::string& kind) {
  return kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "Job";
}

// Moves the per-install settings of `o` into `values` and marks their places.
json templated(const Object& o, Templater& t, json& values) {
  json body = o.body;
  body["metadata"]["namespace"] = t.mark("{{ .Release.Namespace }}");
  if (o.kind == "RoleBinding")
    for (auto& subject : body["subjects"]) subject["namespace"] = t.mark("{{ .Release.Namespace }}");
  if (is_workload(o.kind)) {
    json& container = body["spec"]["template"]["spec"]["containers"][0];
    values[o.name]["image"] = container["image"];
    container["image"] = t.mark("{{ " + value_of(o.name, "image") + " | quote }}");
    if (body["spec"].contains("replicas")) {
      values[o.name]["replicas"] = body["spec"]["replicas"];
      body["spec"]["replicas"] = t.mark("{{ " + value_of(o.name, "replicas") + " }}");
    }
  } else if (o.kind == "Service") {
    values[o.name]["ports"] = body["spec"]["ports"];
    body["spec"]["ports"] = t.mark("{{ " + value_of(o.name, "ports") + " | toJson }}");
  }
  return body;
}

}  // namespace

Status write_helm_chart(const Manifests& manifests, const std::string& project_name, const std::string& dir) {
  std::string context = "writing the Helm chart to `" + dir + "`";
  PIER_CHECK(make_dirs(dir + "/templates", 0755).context(context));
  json chart = {{"apiVersion", "v2"},
                {"name", dns_label(project_name)},
                {"description", "The Compose project " + project_name + ", converted by pier convert"},
                {"type", "application"},
                {"version", "0.1.0"}};
  PIER_CHECK(write_file_atomic(dir + "/Chart.yaml", compose::to_yaml(compose::Json::parse(chart.dump()))));
  json values = json::object();
  for (const auto& o : manifests.objects) {
    if (o.kind == "Namespace") continue;
    Templater t;
    json body = templated(o, t, values);
    std::string file = dir + "/templates/" + to_lower(o.kind) + "-" + o.name + ".yaml";
    PIER_CHECK(write_file_atomic(file, t.render(body), o.kind == "Secret" ? 0600 : 0644).context(context));
  }
  json doc = {{"services", values}};
  return write_file_atomic(dir + "/values.yaml", compose::to_yaml(compose::Json::parse(doc.dump())));
}

}  // namespace pier::convert
