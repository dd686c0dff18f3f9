// Kubernetes names and values from Compose ones: DNS labels, label syntax, quantities.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pier::convert {

// A DNS-1035 label (lower-case alphanumerics and '-', starting with a letter, at most
// 63 characters): `my_App.1` -> `my-app-1`. Compose names are already close to this;
// the Service of a compose service keeps its name so `http://db:5432` resolves.
std::string dns_label(const std::string& name);
// Whether `key: value` is a valid Kubernetes label (else it goes to annotations).
bool valid_label(const std::string& key, const std::string& value);
// A decimal number that fits, or nothing (for the digits of ports and retry counts).
std::optional<int64_t> parse_number(std::string_view text);
// Nanoseconds to whole seconds, rounded up, at least `min`.
int64_t seconds(int64_t nanoseconds, int64_t min = 1);
// Bytes as a quantity: 268435456 -> "256Mi" (binary suffixes when exact, else bytes).
std::string bytes_quantity(int64_t bytes);
// A CPU count (0.5) as a quantity ("500m").
std::string cpu_quantity(double cpus);
// The content of a regular file of at most `limit` bytes (a config, a secret, a small
// bind-mounted file); nothing for anything else or an unreadable file.
std::optional<std::string> read_small_file(const std::string& path, size_t limit);
// Whether `text` is UTF-8 without NUL (a ConfigMap `data` value) rather than binary.
bool is_text(const std::string& text);
std::string base64(const std::string& bytes);

}  // namespace pier::convert
