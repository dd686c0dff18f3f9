#!/usr/bin/env python3
"""Holds src/ to the module tables in docs/architecture.md, the rules the compiler cannot
see: every library exports all of src/ as its include path, so a wrong include compiles.

- Each folder under src/ with a CMakeLists.txt is a row of the module table.
- `#include "<module>/..."` in src/<m>/ names <m> itself or a module in <m>'s `links`.
- A header (`.h`) includes no module that <m> links privately: its users would not link it.
- src/<m>/CMakeLists.txt links exactly the pier modules of <m>'s row, privately where the
  row says "(private)" (an executable links everything privately).
- A third-party header appears only where the third-party table allows it.

Prints one line per violation (file:line: the include: the rule) and exits 1 if any.
Usage: check_includes.py [SOURCE_DIR]   (default: the checkout this file is in)
"""
import os
import re
import sys

MODULE_HEADER = ["module", "owns", "links"]
THIRD_PARTY_HEADER = ["library", "headers", "only in"]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def table_rows(lines, header):
    """The rows (lists of cells) of the markdown table whose header row is `header`."""
    rows, inside = [], False
    for number, line in enumerate(lines, 1):
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
        if not inside:
            inside = cells is not None and [c.lower() for c in cells] == header
            continue
        if cells is None:
            break
        if not set(line) <= set("|-: \n"):
            rows.append((number, cells))
    return rows


def strip_name(text):
    return text.strip().strip("`").rstrip("/")


def read_tables(doc_path):
    with open(doc_path, encoding="utf-8") as f:
        lines = f.readlines()
    modules = {strip_name(cells[0]): (number, cells[2]) for number, cells in table_rows(lines, MODULE_HEADER)}
    links = {}
    for name, (number, cell) in modules.items():
        links[name] = {}
        for item in cell.split(","):
            words = item.split()
            dep = strip_name(words[0]) if words else ""
            if dep in modules:
                links[name][dep] = "(private)" in item
    third_party = []
    for number, cells in table_rows(lines, THIRD_PARTY_HEADER):
        headers = [h.strip("<>") for h in re.findall(r"`([^`]+)`", cells[1])]
        places = [p for p in re.findall(r"`([^`]+)`", cells[2])]
        third_party.append((cells[0], headers, places, number))
    return modules, links, third_party


def header_matches(pattern, header):
    for ellipsis in ("/…", "/..."):
        if pattern.endswith(ellipsis):
            return header.startswith(pattern[: -len(ellipsis)] + "/")
    return header == pattern


def place_matches(place, rel):
    return rel.startswith(place) if place.endswith("/") else rel == place


def cmake_links(path, module):
    """{module: private} from target_link_libraries(...) in one CMakeLists.txt, and
    whether the target is an executable."""
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"#[^\n]*", "", f.read())
    executable = "add_executable(" in text
    out = {}
    for call in re.findall(r"target_link_libraries\s*\(([^)]*)\)", text, re.S):
        words = call.split()
        visibility = "PUBLIC"
        for word in words[1:]:
            if word in ("PUBLIC", "PRIVATE", "INTERFACE"):
                visibility = word
                continue
            m = re.fullmatch(r"pier_(\w+)", word)
            if m and m.group(1) != module:
                out[m.group(1)] = executable or visibility == "PRIVATE"
    return out, executable


def check(root):
    doc = os.path.join(root, "docs", "architecture.md")
    src = os.path.join(root, "src")
    modules, links, third_party = read_tables(doc)
    problems = []
    if not modules:
        return ["docs/architecture.md: no table with the header | module | owns | links |"]

    for name in sorted(os.listdir(src)):
        cmake = os.path.join(src, name, "CMakeLists.txt")
        if not os.path.isfile(cmake):
            continue
        if name not in modules:
            problems.append(f"src/{name}/CMakeLists.txt: `{name}/` is no row of the module table in "
                            f"docs/architecture.md")
            continue
        linked, executable = cmake_links(cmake, name)
        row = f"docs/architecture.md:{modules[name][0]}"
        for dep, private in sorted(linked.items()):
            if dep not in modules:
                continue
            if dep not in links[name]:
                problems.append(f"src/{name}/CMakeLists.txt: links pier_{dep}: the row of `{name}/` ({row}) "
                                f"does not list {dep}")
            elif not executable and private != links[name][dep]:
                said = "private" if links[name][dep] else "public"
                problems.append(f"src/{name}/CMakeLists.txt: links pier_{dep} "
                                f"{'PRIVATE' if private else 'PUBLIC'}: the row of `{name}/` ({row}) says {said}")
        for dep in sorted(set(links[name]) - set(linked)):
            problems.append(f"src/{name}/CMakeLists.txt: does not link pier_{dep}, which the row of "
                            f"`{name}/` ({row}) lists")

    for dirpath, _, files in os.walk(src):
        for file in sorted(files):
            if not file.endswith((".h", ".cpp", ".c", ".hpp")):
                continue
            path = os.path.join(dirpath, file)
            rel = os.path.relpath(path, src)
            module = rel.split(os.sep)[0]
            with open(path, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    close = '"' if m.group(1) == '"' else ">"
                    where = f"src/{rel}:{number}: #include {m.group(1)}{m.group(2)}{close}"
                    if m.group(1) == '"':
                        problems += check_pier_include(where, module, file, m.group(2), modules, links)
                    else:
                        problems += check_third_party(where, rel, m.group(2), third_party)
    return problems


def check_pier_include(where, module, file, header, modules, links):
    target = header.split("/")[0]
    if "/" not in header or target not in modules:
        return [f"{where}: an include of pier's own code starts with its module's folder "
                f"(one of {', '.join(sorted(modules))})"]
    if module not in modules or target == module:
        return []
    if target not in links[module]:
        allowed = ", ".join(sorted(links[module])) or "no other module"
        return [f"{where}: `{module}/` may use only {allowed} (docs/architecture.md:{modules[module][0]}), "
                f"not `{target}/`"]
    if file.endswith((".h", ".hpp")) and links[module][target]:
        return [f"{where}: a header of `{module}/` includes `{target}/`, which `{module}/` links "
                f"privately (docs/architecture.md:{modules[module][0]}): its users would not get it "
                f"(link it PUBLIC, or include it from a .cpp)"]
    return []


def check_third_party(where, rel, header, third_party):
    for library, headers, places, number in third_party:
        if any(header_matches(h, header) for h in headers) and not any(place_matches(p, rel) for p in places):
            return [f"{where}: {library} stays in {', '.join(places)} (docs/architecture.md:{number})"]
    return []


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include rule(s) broken; the tables are in docs/architecture.md")
        return 1
    print("includes and links follow docs/architecture.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
