#include "rootless/id_map.h"

#include <charconv>
#include <limits>


namespace pier::rootless {
namespace {

bool parse_number(std::string_view text, unsigned long& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Ids are 32-bit; (uid_t)-1 is never a valid id.
constexpr unsigned long kIdLimit = std::numeric_limits<unsigned int>::max();

}  // namespace

std::vector<IdRange> subordinate_ranges(std::string_view text, std::string_view user, unsigned long id) {
  std::vector<IdRange> out;
  std::string own_id = std::to_string(id);
  while (!text.empty()) {
    auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.empty() || line.front() == '#') continue;
    auto first = line.find(':');
    auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos || line.find(':', second + 1) != std::string_view::npos) continue;
    std::string_view owner = line.substr(0, first);
    if (owner != user && owner != own_id) continue;
    IdRange r;
    if (!parse_number(line.substr(first + 1, second - first - 1), r.start) ||
        !parse_number(line.substr(second + 1), r.count))
      continue;
    if (r.count == 0 || r.start >= kIdLimit || r.count > kIdLimit - r.start) continue;
    out.push_back(r);
  }
  return out;
}

std::vector<MapLine> build_map(unsigned long own, const std::vector<IdRange>& ranges) {
  std::vector<MapLine> map{{0, own, 1}};
  unsigned long next = 1;
  for (const auto& r : ranges) {
    if (map.size() == kMaxMapLines) break;
    if (r.count > kIdLimit - next) break;
    map.push_back({next, r.start, r.count});
    next += r.count;
  }
  return map;
}

unsigned long mapped_count(const std::vector<MapLine>& map) {
  unsigned long n = 0;
  for (const auto& line : map) n += line.count;
  return n;
}

std::string map_text(const std::vector<MapLine>& map) {
  std::string out;
  for (const auto& line : map)
    out += std::to_string(line.inside) + " " + std::to_string(line.outside) + " " + std::to_string(line.count) + "\n";
  return out;
}

std::vector<std::string> map_arguments(const std::vector<MapLine>& map) {
  std::vector<std::string> out;
  for (const auto& line : map) {
    out.push_back(std::to_string(line.inside));
    out.push_back(std::to_string(line.outside));
    out.push_back(std::to_string(line.count));
  }
  return out;
}

}  // namespace pier::rootless
