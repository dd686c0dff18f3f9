#include "compose/yaml_loader.h"

#include <yaml-cpp/yaml.h>

#include "base/atomic_file.h"

namespace pier::compose {
namespace {

Mark to_mark(const YAML::Mark& m, const std::shared_ptr<const std::string>& file) {
  if (m.is_null()) return Mark{file, 0, 0};
  return Mark{file, m.line + 1, m.column + 1};
}

Node convert(const YAML::Node& y, const std::shared_ptr<const std::string>& file) {
  Mark mark = to_mark(y.Mark(), file);
  Node out;
  switch (y.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out = Node::null(mark);
      break;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags quoted scalars "!" (non-specific); plain ones "?".
      out = Node::scalar(y.Scalar(), mark, y.Tag() == "!");
      break;
    case YAML::NodeType::Sequence:
      out = Node::sequence(mark);
      for (const auto& item : y) out.push_back(convert(item, file));
      break;
    case YAML::NodeType::Map:
      out = Node::mapping(mark);
      for (const auto& kv : y) {
        out.entries().push_back(Node::Entry{kv.first.as<std::string>(""),
                                            to_mark(kv.first.Mark(), file),
                                            convert(kv.second, file)});
      }
      break;
  }
  if (!y.Tag().empty() && y.Tag() != "!" && y.Tag() != "?") out.set_tag(y.Tag());
  return out;
}

}  // namespace

Result<Node> parse_yaml(std::string_view text, const std::string& file) {
  auto name = std::make_shared<const std::string>(file);
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return convert(root, name);
  } catch (const YAML::Exception& e) {
    return Error("invalid YAML: " + e.msg).at(to_mark(e.mark, name).to_string());
  }
}

Result<Node> load_yaml_file(const std::string& path) {
  PIER_TRY(auto text, read_file(path));
  return parse_yaml(text, path);
}

}  // namespace pier::compose
