// substitute(): Docker's shell-like word processing.
#include "helpers.h"

using namespace pier::builder;
using namespace pier::builder::test;

namespace {
const auto kVars = vars({{"A", "apple"}, {"EMPTY", ""}, {"PATH", "/usr/bin:/bin"}, {"F", "file.tar.gz"}});
}

TEST_CASE("$VAR and ${VAR}", "[dockerfile][substitute]") {
  CHECK(sub("$A", kVars) == "apple");
  CHECK(sub("${A}s", kVars) == "apples");
  CHECK(sub("$As", kVars) == "");  // the name is "As"
  CHECK(sub("x$UNSET-y", kVars) == "x-y");
  CHECK(sub("$", kVars) == "$");
  CHECK(sub("a$ b", kVars) == "a$ b");
  CHECK(sub("$1$@", kVars) == "");
  CHECK(sub("/opt/$A/bin:$PATH", kVars) == "/opt/apple/bin:/usr/bin:/bin");
}

TEST_CASE("${VAR:-w} ${VAR-w} ${VAR:+w} ${VAR+w}", "[dockerfile][substitute]") {
  CHECK(sub("${UNSET:-dflt}", kVars) == "dflt");
  CHECK(sub("${EMPTY:-dflt}", kVars) == "dflt");
  CHECK(sub("${EMPTY-dflt}", kVars) == "");
  CHECK(sub("${UNSET-dflt}", kVars) == "dflt");
  CHECK(sub("${A:-dflt}", kVars) == "apple");
  CHECK(sub("${A:+alt}", kVars) == "alt");
  CHECK(sub("${EMPTY:+alt}", kVars) == "");
  CHECK(sub("${EMPTY+alt}", kVars) == "alt");
  CHECK(sub("${UNSET+alt}", kVars) == "");
}

TEST_CASE("nested expansion and quotes inside the word", "[dockerfile][substitute]") {
  CHECK(sub("${UNSET:-${A}-$A}", kVars) == "apple-apple");
  CHECK(sub("${UNSET:-'a b'}", kVars) == "a b");
  CHECK(sub("${UNSET:-${ALSO:-deep}}", kVars) == "deep");
}

TEST_CASE("${VAR:?msg} and ${VAR?msg} are errors when unset (or empty)", "[dockerfile][substitute]") {
  CHECK(sub("${A:?}", kVars) == "apple");
  CHECK(sub("${EMPTY?}", kVars) == "");
  CHECK(sub_error("${UNSET:?}", kVars) == "substituting `${UNSET:?}`: UNSET: is not allowed to be unset");
  CHECK(sub_error("${EMPTY:?}", kVars) == "substituting `${EMPTY:?}`: EMPTY: is not allowed to be empty");
  CHECK(sub_error("${UNSET?set it please}", kVars) == "substituting `${UNSET?set it please}`: UNSET: set it please");
}

TEST_CASE("pattern modifiers: # ## % %% / //", "[dockerfile][substitute]") {
  CHECK(sub("${F#*.}", kVars) == "tar.gz");
  CHECK(sub("${F##*.}", kVars) == "gz");
  CHECK(sub("${F%.*}", kVars) == "file.tar");
  CHECK(sub("${F%%.*}", kVars) == "file");
  CHECK(sub("${F/./_}", kVars) == "file_tar.gz");
  CHECK(sub("${F//./_}", kVars) == "file_tar_gz");
  CHECK(sub("${PATH//:/ }", kVars) == "/usr/bin /bin");
  CHECK(sub("${F#nomatch}", kVars) == "file.tar.gz");
  CHECK(sub("${F/?ile/doc}", kVars) == "doc.tar.gz");
  CHECK(sub_error("${F:#x}", kVars) == "substituting `${F:#x}`: unsupported modifier (:#) in substitution");
  CHECK(sub_error("${F/a}", kVars) == "substituting `${F/a}`: syntax error: missing '/' in ${}");
}

TEST_CASE("escapes and quotes", "[dockerfile][substitute]") {
  CHECK(sub("\\$A", kVars) == "$A");
  CHECK(sub("'$A'", kVars) == "$A");            // single quotes: no substitution
  CHECK(sub("\"$A\"", kVars) == "apple");       // double quotes: substitution
  CHECK(sub("\"\\$A \\\" \\x\"", kVars) == "$A \" \\x");  // inside "", \ escapes only $ " and itself
  CHECK(sub("a\\ b", kVars) == "a b");
  CHECK(sub("'it''s'", kVars) == "its");
  CHECK(sub("trail\\", kVars) == "trail");
  CHECK(sub("`$A", kVars, '`') == "$A");        // the escape directive's character
  CHECK(sub("c:\\dir", kVars, '`') == "c:\\dir");
}

TEST_CASE("syntax errors name the word", "[dockerfile][substitute]") {
  CHECK(sub_error("${A") == "substituting `${A`: syntax error: missing '}'");
  CHECK(sub_error("${}") == "substituting `${}`: syntax error: bad substitution");
  CHECK(sub_error("${:-x}") == "substituting `${:-x}`: syntax error: bad substitution");
  CHECK(sub_error("${A!}") == "substituting `${A!}`: unsupported modifier (!) in substitution");
  CHECK(sub_error("'open") == "substituting `'open`: unexpected end of statement while looking for matching single-quote");
  CHECK(sub_error("\"open") == "substituting `\"open`: unexpected end of statement while looking for matching double-quote");
}
