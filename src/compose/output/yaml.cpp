// JSON -> block YAML through yaml-cpp's emitter. Strings that a YAML reader would
// take for a number, boolean or null are double-quoted, as Docker Compose does
// (published: "8080"); multi-line strings use literal blocks.
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <regex>

#include "compose/output.h"

namespace pier::compose {

namespace {

bool reads_as_other_type(const std::string& s) {
  static const std::regex special(
      R"(^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N)$)");
  static const std::regex number(
      R"(^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^0x[0-9a-fA-F_]+$|^0o[0-7_]+$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$|^[0-9]+(:[0-5]?[0-9])+$)");
  return s.empty() || std::regex_match(s, special) || std::regex_match(s, number);
}

// yaml-cpp writes `|` blocks without chomping indicators, so a block reads back with
// exactly one trailing newline: only such strings use it; others are double-quoted.
bool is_literal_block(const std::string& s) {
  return s.size() > 1 && s.back() == '\n' && s[s.size() - 2] != '\n' &&
         s.find('\n') != s.size() - 1 && s.find_first_of("\t\r") == std::string::npos && s[0] != ' ';
}

std::string format_double(double d) {
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<long long>(d));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  return buf;
}

void emit(YAML::Emitter& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      // Empty containers print inline ({} / []), as Docker Compose does.
      if (value.empty()) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& item : value.items()) {
        out << YAML::Key << item.key() << YAML::Value;
        emit(out, item.value());
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      if (value.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : value) emit(out, item);
      out << YAML::EndSeq;
      break;
    case Json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      if (is_literal_block(s)) out << YAML::Literal << s.substr(0, s.size() - 1);
      else if (reads_as_other_type(s)) out << YAML::DoubleQuoted << s;
      else out << s;
      break;
    }
    case Json::value_t::boolean: out << (value.get<bool>() ? "true" : "false"); break;
    case Json::value_t::number_integer: out << value.get<int64_t>(); break;
    case Json::value_t::number_unsigned: out << value.get<uint64_t>(); break;
    case Json::value_t::number_float: out << format_double(value.get<double>()); break;
    default: out << YAML::Null; break;
  }
}

}  // namespace

std::string to_yaml(const Json& doc) {
  try {
    YAML::Emitter out;
    out.SetIndent(2);
    out.SetSeqFormat(YAML::Block);
    out.SetMapFormat(YAML::Block);
    out.SetNullFormat(YAML::LowerNull);  // `null`, not `~`
    emit(out, doc);
    std::string text = out.c_str();
    if (!text.empty() && text.back() != '\n') text += '\n';
    return text;
  } catch (const std::exception& e) {
    // The emitter only throws on misuse; report it in the output rather than crash.
    return std::string("# yaml emission failed: ") + e.what() + "\n";
  }
}

}  // namespace pier::compose
