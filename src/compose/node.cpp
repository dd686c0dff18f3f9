#include "compose/node.h"

#include <algorithm>

namespace pier::compose {

std::string Mark::to_string() const {
  std::string out = file ? *file : std::string();
  if (line > 0) {
    out += (out.empty() ? "" : ":") + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  return out;
}

Node Node::null(Mark mark) {
  Node n;
  n.mark_ = std::move(mark);
  return n;
}

Node Node::scalar(std::string value, Mark mark, bool quoted) {
  Node n;
  n.kind_ = Kind::Scalar;
  n.value_ = std::move(value);
  n.mark_ = std::move(mark);
  n.quoted_ = quoted;
  return n;
}

Node Node::sequence(Mark mark) {
  Node n;
  n.kind_ = Kind::Sequence;
  n.mark_ = std::move(mark);
  return n;
}

Node Node::mapping(Mark mark) {
  Node n;
  n.kind_ = Kind::Mapping;
  n.mark_ = std::move(mark);
  return n;
}

std::string_view Node::kind_name() const {
  switch (kind_) {
    case Kind::Null: return "null";
    case Kind::Scalar: return "string";
    case Kind::Sequence: return "sequence";
    case Kind::Mapping: return "mapping";
  }
  return "?";
}

const Node::Entry* Node::find_entry(std::string_view key) const {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.key == key; });
  return it == entries_.end() ? nullptr : &*it;
}

const Node* Node::find(std::string_view key) const {
  const Entry* e = find_entry(key);
  return e ? &e->value : nullptr;
}

Node* Node::find(std::string_view key) {
  return const_cast<Node*>(static_cast<const Node*>(this)->find(key));
}

void Node::set(std::string key, Node value, Mark key_mark) {
  if (kind_ != Kind::Mapping) {
    *this = mapping(mark_);
  }
  for (auto& e : entries_) {
    if (e.key == key) {
      e.value = std::move(value);
      return;
    }
  }
  entries_.push_back(Entry{std::move(key), std::move(key_mark), std::move(value)});
}

bool Node::erase(std::string_view key) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.key == key; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

size_t Node::size() const {
  switch (kind_) {
    case Kind::Sequence: return items_.size();
    case Kind::Mapping: return entries_.size();
    default: return 0;
  }
}

}  // namespace pier::compose
