// JSON of the model's building blocks, shared by the service and project writers.
#pragma once

#include "compose/model.h"

namespace pier::compose::output {

Json bytes_json(Bytes b);
Json duration_json(Duration d);
Json string_list(const std::vector<std::string>& items);
Json string_map(const StringMap& map);
Json ulimits_json(const std::map<std::string, Ulimit>& ulimits);
Json extra_hosts_json(const std::vector<ExtraHost>& hosts);
Json references_json(const std::vector<FileReference>& refs);
Json build_json(const BuildConfig& b);
Json deploy_json(const DeployConfig& d);
// A top-level network or volume as `config` prints it.
Json network_json(const NetworkConfig& n);
Json volume_json(const VolumeConfig& v);
void put_extensions(Json& obj, const std::map<std::string, Json>& ext);

}  // namespace pier::compose::output
