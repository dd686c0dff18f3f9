#include "compose/yaml_loader.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include <set>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "compose/yaml_errors.h"

namespace pier::compose {
namespace {

using FileName = std::shared_ptr<const std::string>;

// `line_offset`: where the document being parsed starts in the file.
Mark to_mark(const YAML::Mark& m, const FileName& file, int line_offset = 0) {
  if (m.is_null()) return Mark{file, 0, 0};
  return Mark{file, m.line + 1 + line_offset, m.column + 1};
}

// One conversion walk. yaml-cpp resolves an alias to the same shared node, so the
// YAML::Node graph is a DAG; copying it into Node expands every alias, and `nodes`
// counts what that costs so an alias bomb stops at the budget.
class Converter {
 public:
  Converter(FileName file, const YamlLimits& limits) : file_(std::move(file)), limits_(limits) {}

  void set_line_offset(int offset) { line_offset_ = offset; }

  Result<Node> convert(const YAML::Node& y, int depth);

 private:
  Result<Node> convert_mapping(const YAML::Node& y, const Mark& mark, int depth);
  Status merge_into(Node& out, const YAML::Node& merge_value, const Mark& key_mark,
                    std::set<std::string>& present, int depth);
  Status count_node(const Mark& mark, int depth);

  Mark mark_of(const YAML::Mark& m) const { return to_mark(m, file_, line_offset_); }

  FileName file_;
  int line_offset_ = 0;
  const YamlLimits& limits_;
  size_t nodes_ = 0;
};

Status Converter::count_node(const Mark& mark, int depth) {
  if (depth > limits_.max_depth)
    return Error("document is nested more than " + std::to_string(limits_.max_depth) +
                 " levels deep").at(mark.to_string());
  if (++nodes_ > limits_.max_nodes)
    return Error("document expands to more than " + std::to_string(limits_.max_nodes) +
                 " nodes (too many aliases?)").at(mark.to_string())
        .hint("a YAML alias copies its anchor; nested aliases multiply");
  return {};
}

Result<Node> Converter::convert(const YAML::Node& y, int depth) {
  Mark mark = mark_of(y.Mark());
  PIER_CHECK(count_node(mark, depth));
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
      out.items().reserve(y.size());
      for (const auto& item : y) {
        PIER_TRY(Node child, convert(item, depth + 1));
        out.push_back(std::move(child));
      }
      break;
    case YAML::NodeType::Map: {
      PIER_TRY(Node m, convert_mapping(y, mark, depth));
      out = std::move(m);
      break;
    }
  }
  if (!y.Tag().empty() && y.Tag() != "!" && y.Tag() != "?") out.set_tag(y.Tag());
  return out;
}

// A plain `<<` key is a YAML merge key; a quoted "<<" is an ordinary key.
bool is_merge_key(const YAML::Node& key) {
  return key.IsScalar() && key.Scalar() == "<<" && key.Tag() != "!";
}

std::string key_text(const YAML::Node& key) {
  return key.IsScalar() ? key.Scalar() : std::string();
}

Result<Node> Converter::convert_mapping(const YAML::Node& y, const Mark& mark, int depth) {
  Node out = Node::mapping(mark);
  out.entries().reserve(y.size());
  // Explicit keys win over merged ones wherever they appear, so collect them first.
  std::set<std::string> present;
  for (const auto& kv : y) {
    if (is_merge_key(kv.first)) continue;
    Mark key_mark = mark_of(kv.first.Mark());
    if (!kv.first.IsScalar() && !kv.first.IsNull())
      return Error("mapping keys must be strings, got a " +
                   std::string(kv.first.IsMap() ? "mapping" : "sequence"))
          .at(key_mark.to_string());
    if (!present.insert(key_text(kv.first)).second)
      return Error("duplicate key `" + key_text(kv.first) + "`").at(key_mark.to_string());
  }
  for (const auto& kv : y) {
    Mark key_mark = mark_of(kv.first.Mark());
    if (is_merge_key(kv.first)) {
      PIER_CHECK(merge_into(out, kv.second, key_mark, present, depth));
      continue;
    }
    PIER_TRY(Node value, convert(kv.second, depth + 1));
    out.entries().push_back(Node::Entry{key_text(kv.first), key_mark, std::move(value)});
  }
  return out;
}

// `<<: *a` or `<<: [*a, *b]`: copies the entries whose keys are not yet present,
// so explicit keys and earlier mappings in the list win.
Status Converter::merge_into(Node& out, const YAML::Node& merge_value, const Mark& key_mark,
                             std::set<std::string>& present, int depth) {
  std::vector<YAML::Node> sources;
  if (merge_value.IsMap()) {
    sources.push_back(merge_value);
  } else if (merge_value.IsSequence()) {
    for (const auto& item : merge_value) sources.push_back(item);
  }
  if (sources.empty() && !merge_value.IsMap())
    return Error("the value of a `<<` merge key must be a mapping or a sequence of mappings")
        .at(key_mark.to_string());
  for (const auto& source : sources) {
    if (!source.IsMap())
      return Error("the value of a `<<` merge key must be a mapping or a sequence of mappings")
          .at(mark_of(source.Mark()).to_string());
    PIER_TRY(Node converted, convert(source, depth + 1));
    for (auto& entry : converted.entries()) {
      if (!present.insert(entry.key).second) continue;
      out.entries().push_back(std::move(entry));
    }
  }
  return {};
}

// A line `---` (alone or followed by blanks and content) starts a document.
bool is_document_start(std::string_view line) {
  return line.substr(0, 3) == "---" && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' ||
                                        line[3] == '\r');
}

bool is_blank_document(std::string_view text) {
  for (const auto& line : split(text, '\n')) {
    std::string_view t = trim(line);
    if (!t.empty() && t[0] != '#' && t != "---" && t != "...") return false;
  }
  return true;
}

struct DocumentText {
  std::string_view text;
  int line_offset;
};

// yaml-cpp's LoadAll loops forever on some inputs (a lone `,`), so documents are
// split here and each is parsed with Load. A column-0 `---` is always a marker.
std::vector<DocumentText> split_documents(std::string_view text) {
  std::vector<DocumentText> docs{{text, 0}};
  size_t pos = 0;
  int line = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    if (line > 0 && is_document_start(text.substr(pos, end - pos))) {
      docs.back().text = text.substr(docs.back().text.data() - text.data(),
                                     pos - (docs.back().text.data() - text.data()));
      docs.push_back({text.substr(pos), line});
    }
    pos = end + 1;
    ++line;
  }
  // Comments before the first `---` are not a document of their own.
  if (docs.size() > 1)
    std::erase_if(docs, [](const DocumentText& d) { return is_blank_document(d.text); });
  return docs;
}

}  // namespace

Result<std::vector<Node>> parse_yaml_documents(std::string_view text, const std::string& file,
                                               const YamlLimits& limits) {
  auto name = std::make_shared<const std::string>(file);
  // YAML is Unicode text; invalid bytes would otherwise travel into the model and
  // break JSON output far from their source.
  if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos) {
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + bad, '\n'));
    size_t newline = bad == 0 ? std::string_view::npos : text.rfind('\n', bad - 1);
    size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
    int column = static_cast<int>(bad - line_start) + 1;
    return Error("invalid YAML: the file is not valid UTF-8 text")
        .at(Mark{name, line, column}.to_string())
        .hint("save the file as UTF-8");
  }
  Converter converter(name, limits);
  std::vector<Node> out;
  int offset = 0;
  std::string_view current;  // the document being parsed, for explain_yaml_error
  try {
    for (const auto& doc : split_documents(text)) {
      offset = doc.line_offset;
      current = doc.text;
      converter.set_line_offset(offset);
      YAML::Node root = YAML::Load(std::string(doc.text));
      PIER_TRY(Node converted, converter.convert(root, 0));
      out.push_back(std::move(converted));
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own guard (its message for this case is misleading).
    return Error("invalid YAML: document is nested too deeply")
        .at(to_mark(e.mark, name, offset).to_string());
  } catch (const YAML::Exception& e) {
    return explain_yaml_error(current, e.msg, to_mark(e.mark, name, offset), offset);
  } catch (const std::exception& e) {
    return Error(std::string("invalid YAML: ") + e.what()).at(file);
  }
  if (out.empty()) out.push_back(Node::null(Mark{name, 1, 1}));
  return out;
}

Result<Node> parse_yaml(std::string_view text, const std::string& file, const YamlLimits& limits) {
  PIER_TRY(auto docs, parse_yaml_documents(text, file, limits));
  return std::move(docs.front());
}

Result<Node> load_yaml_file(const std::string& path, const YamlLimits& limits) {
  PIER_TRY(auto text, read_file(path));
  return parse_yaml(text, path, limits);
}

}  // namespace pier::compose
