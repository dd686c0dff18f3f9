// The compose document tree: what yaml_loader produces and every later stage
// (interpolation, merge, extends/include, normalisation, validation) reads.
// Unlike YAML::Node it is a plain value, remembers file:line:col for every node and
// every mapping key, and keeps mapping order, so errors can point at the source.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pier::compose {

struct Mark {
  std::shared_ptr<const std::string> file;  // shared: one string per loaded file
  int line = 0;    // 1-based; 0 = unknown (a node pier made itself)
  int column = 0;  // 1-based

  bool known() const { return line > 0; }
  // "path/compose.yaml:14:7", or the file alone, or "" when unknown.
  std::string to_string() const;
};

class Node {
 public:
  enum class Kind { Null, Scalar, Sequence, Mapping };
  struct Entry;

  Node() = default;
  static Node null(Mark mark = {});
  static Node scalar(std::string value, Mark mark = {}, bool quoted = false);
  static Node sequence(Mark mark = {});
  static Node mapping(Mark mark = {});

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_scalar() const { return kind_ == Kind::Scalar; }
  bool is_sequence() const { return kind_ == Kind::Sequence; }
  bool is_mapping() const { return kind_ == Kind::Mapping; }
  // "null", "string", "sequence" or "mapping", for "expected X, got Y" messages.
  std::string_view kind_name() const;

  const Mark& mark() const { return mark_; }
  void set_mark(Mark mark) { mark_ = std::move(mark); }

  // YAML tag as written ("!reset", "!override"), empty when none.
  const std::string& tag() const { return tag_; }
  void set_tag(std::string tag) { tag_ = std::move(tag); }

  // Scalars. `quoted` is true for '...' and "..." scalars: they are strings even
  // when they read like numbers, booleans or null.
  const std::string& value() const { return value_; }
  void set_value(std::string value) { value_ = std::move(value); }
  bool quoted() const { return quoted_; }

  // Sequences.
  const std::vector<Node>& items() const { return items_; }
  std::vector<Node>& items() { return items_; }
  void push_back(Node item);

  // Mappings, in document order.
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>& entries() { return entries_; }
  const Node* find(std::string_view key) const;
  Node* find(std::string_view key);
  const Entry* find_entry(std::string_view key) const;
  // Replaces the value of `key` if present, appends otherwise.
  void set(std::string key, Node value, Mark key_mark = {});
  bool erase(std::string_view key);

  size_t size() const;

 private:
  Kind kind_ = Kind::Null;
  Mark mark_;
  std::string tag_;
  std::string value_;
  bool quoted_ = false;
  std::vector<Node> items_;
  std::vector<Entry> entries_;
};

struct Node::Entry {
  std::string key;
  Mark key_mark;
  Node value;
};

// Defined after Entry: moving a Node needs Entry complete (clang rejects it inside
// the class body; gcc does not check).
inline void Node::push_back(Node item) { items_.push_back(std::move(item)); }

}  // namespace pier::compose
