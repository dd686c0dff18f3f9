// Cheap deterministic fuzzing of the text parsers: random inputs from a small
// alphabet must give a value or an Error, never crash or hang.
#include <random>

#include "compose/dotenv.h"
#include "compose/interpolation.h"
#include "base/strings.h"
#include "helpers.h"

using namespace pier::compose;

namespace {

std::string random_text(std::mt19937& rng, std::string_view alphabet, size_t max_len) {
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out(len(rng), ' ');
  for (auto& c : out) c = alphabet[pick(rng)];
  return out;
}

}  // namespace

TEST_CASE("robustness: interpolation on random text", "[loader][robustness]") {
  std::mt19937 rng(42);
  Environment env = {{"A", "a"}, {"E", ""}};
  size_t ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = random_text(rng, "${}:-?+AEx_ ", 14);
    auto r = substitute(text, lookup_in(env));
    auto v = find_variables(text);
    if (r) ++ok;
    if (text.find('$') == std::string::npos) CHECK((r && *r == text));
  }
  CHECK(ok > 0);
}

TEST_CASE("robustness: dotenv on random text", "[loader][robustness]") {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text = random_text(rng, "AB=#'\"\\\n $:{}x\t", 24);
    auto r = parse_dotenv(text, "r.env", lookup_in({}));
    if (!r) CHECK(pier::starts_with(r.error().location(), "r.env:"));
  }
}

TEST_CASE("robustness: yaml on random text", "[loader][robustness]") {
  std::mt19937 rng(3);
  for (int i = 0; i < 5000; ++i) {
    std::string text = random_text(rng, "ab:-[]{}&*<!,\n '\"#|>", 30);
    auto r = parse_yaml(text, "r.yaml");
    if (!r) CHECK_FALSE(r.error().location().empty());
  }
}
