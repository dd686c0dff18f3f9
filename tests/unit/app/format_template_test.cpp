// `--format` templates: the Go text/template subset Compose users write, and values
// that come from images (hostile) printed as data.
#include <catch2/catch.hpp>

#include "app/format/listing.h"
#include "app/format/template.h"
#include "unit/app/mem_file.h"

using namespace pier::app::format;
using nlohmann::json;
using pier::test::MemFile;

namespace {

std::string render(const std::string& text, const json& dot) {
  auto t = Template::parse(text);
  REQUIRE(t);
  auto out = t->render(dot);
  REQUIRE(out);
  return *out;
}

std::string render_error(const std::string& text, const json& dot) {
  auto t = Template::parse(text);
  if (!t) return t.error().to_string();
  auto out = t->render(dot);
  REQUIRE_FALSE(out);
  return out.error().to_string();
}

const json kRow = {{"Name", "p-web-1"},
                   {"Service", "web"},
                   {"ExitCode", 0},
                   {"Labels", "a=1,b=2"},
                   {"Publishers", json::array({{{"URL", "0.0.0.0"}, {"PublishedPort", 8080}, {"TargetPort", 80}},
                                               {{"URL", ""}, {"PublishedPort", 0}, {"TargetPort", 443}}})},
                   {"Nested", {{"Inner", {{"Deep", "x"}}}}}};

}  // namespace

TEST_CASE("format: fields, chains and literal text", "[format]") {
  CHECK(render("{{.Name}}", kRow) == "p-web-1");
  CHECK(render("name={{ .Name }} svc={{.Service}}", kRow) == "name=p-web-1 svc=web");
  CHECK(render("{{.Nested.Inner.Deep}}", kRow) == "x");
  CHECK(render("{{.ExitCode}}", kRow) == "0");
  CHECK(render("{{$.Name}}", kRow) == "p-web-1");
  CHECK(render("no actions", kRow) == "no actions");
}

TEST_CASE("format: json, functions and pipelines", "[format]") {
  CHECK(render("{{json .Nested}}", kRow) == R"({"Inner":{"Deep":"x"}})");
  CHECK(render("{{json .Name}}", kRow) == R"("p-web-1")");
  CHECK(render("{{.Name | upper}}", kRow) == "P-WEB-1");
  CHECK(render("{{upper .Service}}/{{lower \"ABC\"}}/{{title \"hello world\"}}", kRow) == "WEB/abc/Hello World");
  CHECK(render("{{join (split .Labels \",\") \";\"}}", kRow) == "a=1;b=2");
  CHECK(render("{{truncate .Name 3}}", kRow) == "p-w");
  CHECK(render("{{pad .Service 1 2}}|", kRow) == " web  |");
  CHECK(render("{{len .Publishers}}", kRow) == "2");
  CHECK(render("{{index .Nested \"Inner\" | json}}", kRow) == R"({"Deep":"x"})");
  CHECK(render("{{(index .Publishers 1).TargetPort}}", kRow) == "443");
  CHECK(render("{{print 1 2 \"a\" 3}}", kRow) == "1 2a3");
}

TEST_CASE("format: Go's %v of lists, maps and missing values", "[format]") {
  CHECK(render("{{.Publishers}}", kRow) ==
        "[map[PublishedPort:8080 TargetPort:80 URL:0.0.0.0] map[PublishedPort:0 TargetPort:443 URL:]]");
  CHECK(render("{{index .Nested \"nope\"}}", kRow) == "<no value>");
  CHECK(go_value_text(json(true)) == "true");
  CHECK(go_value_text(json(1.5)) == "1.5");
}

TEST_CASE("format: range, if, with, else and trimming", "[format]") {
  CHECK(render("{{range .Publishers}}{{.TargetPort}},{{end}}", kRow) == "80,443,");
  CHECK(render("{{range .Publishers}}{{if .PublishedPort}}{{.URL}}:{{.PublishedPort}}->{{end}}{{.TargetPort}} {{end}}",
               kRow) == "0.0.0.0:8080->80 443 ");
  CHECK(render("{{range .Missing}}x{{else}}none{{end}}", json{{"Missing", json::array()}}) == "none");
  CHECK(render("{{if eq .Service \"db\"}}db{{else if eq .Service \"web\"}}web{{else}}other{{end}}", kRow) == "web");
  CHECK(render("{{if not .ExitCode}}ok{{end}}", kRow) == "ok");
  CHECK(render("{{with .Nested.Inner}}{{.Deep}}{{end}}", kRow) == "x");
  CHECK(render("a  {{- .Service -}}  b", kRow) == "awebb");
  CHECK(render("{{/* a comment */}}{{.Service}}", kRow) == "web");
}

TEST_CASE("format: errors name the field or the column", "[format]") {
  CHECK_THAT(render_error("{{.Nme}}", kRow), Catch::Contains("no field Nme") && Catch::Contains("Name"));
  CHECK_THAT(render_error("{{.Name.First}}", kRow), Catch::Contains("can't evaluate field First in a string"));
  CHECK_THAT(render_error("{{.Name", kRow), Catch::Contains("unclosed action"));
  CHECK_THAT(render_error("{{if .Name}}x", kRow), Catch::Contains("{{if}} without {{end}}"));
  CHECK_THAT(render_error("{{end}}", kRow), Catch::Contains("unexpected {{end}}"));
  CHECK_THAT(render_error("{{nosuch .Name}}", kRow), Catch::Contains("function \"nosuch\" not defined"));
  CHECK_THAT(render_error("{{range .Name}}{{end}}", kRow), Catch::Contains("range can't iterate over a string"));
  CHECK_THAT(render_error("{{.Name .Service}}", kRow), Catch::Contains("only a function can take arguments"));
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "{{if .Name}}";
  CHECK_THAT(render_error(deep, kRow), Catch::Contains("nested deeper than"));
}

TEST_CASE("format: hostile values stay data", "[format]") {
  json row = {{"Label", "{{.Secret}}"}, {"Secret", "s"}, {"Esc", "\x1b]0;owned\x07\x1b[2Jred\r"},
              {"C1", "a\xc2\x9b" "31mb"}, {"Bad", "\xff\xfe"}};
  // A label that looks like a template is printed, never executed.
  CHECK(render("{{.Label}}", row) == "{{.Secret}}");
  // Terminal controls come out as escapes; tab and newline from the template stay.
  CHECK(render("{{.Esc}}\t\n", row) == "\\x1b]0;owned\\x07\\x1b[2Jred\\x0d\t\n");
  CHECK(render("{{.C1}}", row) == "a\\u009b31mb");
  // JSON of invalid UTF-8 is written with replacement characters, not an exception.
  CHECK(render("{{json .Bad}}", row) == "\"\xef\xbf\xbd\xef\xbf\xbd\"");
}

TEST_CASE("format: listings print table, json and templates as Compose", "[format]") {
  Listing listing{{{"Name", "NAME"}, {"RunningFor", "CREATED"}}, "table {{.Name}}\t{{.RunningFor}}", 10, false};
  std::vector<json> rows = {{{"Name", "p-web-1"}, {"RunningFor", "2 minutes ago"}, {"State", "running"}},
                            {{"Name", "p-db-1"}, {"RunningFor", "1 hour ago"}, {"State", "exited"}}};
  auto print = [&](const std::string& format, const Listing& l) {
    MemFile out;
    auto st = print_listing(format, rows, l, out.get());
    REQUIRE(st);
    return out.text();
  };
  CHECK(print("", listing) == "NAME      CREATED\np-web-1   2 minutes ago\np-db-1    1 hour ago\n");
  CHECK(print("table", listing) == print("", listing));
  CHECK(print("table {{.Name}}\\t{{.State}}", listing) == "NAME      STATE\np-web-1   running\np-db-1    exited\n");
  CHECK(print("{{.Name}}", listing) == "p-web-1\np-db-1\n");
  CHECK(print("{{json .}}", listing) ==
        "{\"Name\":\"p-web-1\",\"RunningFor\":\"2 minutes ago\",\"State\":\"running\"}\n"
        "{\"Name\":\"p-db-1\",\"RunningFor\":\"1 hour ago\",\"State\":\"exited\"}\n");
  CHECK(print("json", listing) == print("{{json .}}", listing));
  listing.json_array = true;
  CHECK(print("JSON", listing) ==
        "[{\"Name\":\"p-web-1\",\"RunningFor\":\"2 minutes ago\",\"State\":\"running\"},"
        "{\"Name\":\"p-db-1\",\"RunningFor\":\"1 hour ago\",\"State\":\"exited\"}]\n");
  // Compose's own tables are at least 20 wide.
  listing.min_width = 20;
  CHECK(print("table {{.Name}}\\t{{.State}}", listing) ==
        "NAME                STATE\np-web-1             running\np-db-1              exited\n");
  CHECK_FALSE(check_format("{{.Name"));
  CHECK(check_format("table {{.Name}}\\t{{.State}}"));
  MemFile out;
  auto bad = print_listing("{{.Nope}}", rows, listing, out.get());
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().to_string(), Catch::Contains("--format '{{.Nope}}'") && Catch::Contains("no field Nope"));
}

TEST_CASE("format: tab_align pads like Go's tabwriter", "[format]") {
  CHECK(tab_align("a\tbb\tc\nccc\td\te\n", 0) == "a     bb   c\nccc   d    e\n");
  // Counted in characters, not bytes; the last cell is never padded.
  CHECK(tab_align("é\tx\nab\ty\n", 0) == "é    x\nab   y\n");
}
