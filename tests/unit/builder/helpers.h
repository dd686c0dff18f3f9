// Shared helpers of the build unit tests: parse a Dockerfile from text, expand one of
// its instructions with a map of variables, and get error strings.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <variant>

#include "builder/dockerfile/dockerfile.h"

namespace pier::builder::test {

inline Dockerfile parse_ok(std::string_view text) {
  auto file = parse_dockerfile(text, "Dockerfile");
  if (!file) FAIL(file.error().to_string());
  return std::move(file).value();
}

inline std::string parse_error(std::string_view text) {
  auto file = parse_dockerfile(text, "Dockerfile");
  if (file) FAIL("parsed, expected an error: " << text);
  return file.error().to_string();
}

inline VariableLookup vars(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

inline const VariableLookup& no_vars() {
  static const VariableLookup lookup = [](std::string_view) { return std::optional<std::string>(); };
  return lookup;
}

// The first instruction after FROM of a one-stage file ("FROM scratch\n" + line).
inline Instruction first_instruction(const Dockerfile& file) {
  REQUIRE(!file.stages.empty());
  REQUIRE(!file.stages[0].instructions.empty());
  return file.stages[0].instructions[0];
}

// Parses "FROM scratch\n<line>" and expands the line into T.
template <class T>
T expand_line(std::string_view line, const VariableLookup& lookup = no_vars()) {
  auto file = parse_ok("FROM scratch\n" + std::string(line) + "\n");
  auto command = expand(file, first_instruction(file), lookup);
  if (!command) FAIL(command.error().to_string());
  if (!std::holds_alternative<T>(*command)) FAIL("wrong command type for " << line);
  return std::get<T>(std::move(command).value());
}

inline std::string expand_error(std::string_view line, const VariableLookup& lookup = no_vars()) {
  auto file = parse_ok("FROM scratch\n" + std::string(line) + "\n");
  auto command = expand(file, first_instruction(file), lookup);
  if (command) FAIL("expanded, expected an error: " << line);
  return command.error().to_string();
}

inline std::string sub(std::string_view word, const VariableLookup& lookup = no_vars(), char escape = '\\') {
  auto out = substitute(word, lookup, escape);
  if (!out) FAIL(out.error().to_string());
  return *out;
}

inline std::string sub_error(std::string_view word, const VariableLookup& lookup = no_vars()) {
  auto out = substitute(word, lookup);
  if (out) FAIL("substituted, expected an error: " << word);
  return out.error().to_string();
}

}  // namespace pier::builder::test
