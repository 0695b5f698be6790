#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::util {

[[nodiscard]] std::string lower(std::string_view text);
[[nodiscard]] std::string trim(std::string_view text);
[[nodiscard]] bool starts_with_icase(std::string_view text, std::string_view prefix);
[[nodiscard]] bool contains_icase(std::string_view text, std::string_view needle);
[[nodiscard]] std::vector<std::string> split(std::string_view text, char separator);
// The items with `separator` between them: join({"a", "b"}, ", ") is "a, b".
[[nodiscard]] std::string join(const std::vector<std::string>& items, std::string_view separator);
// The value of a hexadecimal digit (either case), or -1 when `c` is not one.
[[nodiscard]] int hex_digit(char c);
// "95 bytes", "12.3 KB", "4.0 MB": a file size for people.
[[nodiscard]] std::string human_size(std::uint64_t bytes);

// The candidate closest to `word` by edit distance, when it is close enough to be a
// likely typo ("acepts" -> "accepts"); empty otherwise.
[[nodiscard]] std::string closest(std::string_view word,
                                  const std::vector<std::string>& candidates);

// `text` as one word for a POSIX shell, in single quotes when it needs them: what an
// error's fix may show as a command to paste ("chmod 600 '/etc/my term/secret'").
[[nodiscard]] std::string shell_quoted(std::string_view text);

// One CSV record per row: RFC 4180 quoting, CRLF or LF, a UTF-8 BOM skipped.
struct CsvRow {
  int line = 0; // 1-based line where the record starts
  std::vector<std::string> fields;
};
[[nodiscard]] std::vector<CsvRow> parse_csv(std::string_view text);
// One field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break.
[[nodiscard]] std::string csv_field(const std::string& field);

} // namespace mailroom::util
