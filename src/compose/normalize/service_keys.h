// The service key table (service_keys.cpp): key name -> the function that reads it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compose/normalize/common.h"

namespace pier::compose::detail {

using KeyHandler = std::function<Status(const Context&, const Node::Entry&, Service&)>;

struct ServiceKey {
  std::string name;
  KeyHandler read;
};

const std::vector<ServiceKey>& service_keys();
const std::vector<std::string>& service_key_names();

}  // namespace pier::compose::detail
