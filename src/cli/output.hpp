#pragma once

#include "core/instant.hpp"
#include "core/problem.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace mailroom::cli {

// One JSON-lines record: keys in insertion order, std::nullopt written as null.
class JsonObject {
public:
  JsonObject();
  void add(const std::string& key, const std::string& value);
  void add(const std::string& key, const char* value);
  void add(const std::string& key, const std::optional<std::string>& value);
  void add(const std::string& key, std::int64_t value);
  void add(const std::string& key, std::optional<std::int64_t> value);
  void add(const std::string& key, bool value);
  void add(const std::string& key, double value);
  void add(const std::string& key, const std::vector<std::string>& values);
  void add(const std::string& key, const JsonObject& value);
  void add(const std::string& key, const std::vector<JsonObject>& values);
  [[nodiscard]] std::string str() const;
  [[nodiscard]] const Poco::JSON::Object::Ptr& poco() const { return m_object; }

private:
  Poco::JSON::Object::Ptr m_object;
};

// A plain-text table for people: columns padded to their widest cell.
class Table {
public:
  explicit Table(std::vector<std::string> header) : m_header(std::move(header)) {}
  void add(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
  void print(std::ostream& out) const;
  // RFC 4180 CSV with the header row.
  void print_csv(std::ostream& out) const;

private:
  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
};

// An instant as the JSON records write it: ISO 8601 in UTC, or null when there is none.
[[nodiscard]] std::optional<std::string> iso_or_null(const std::optional<core::Instant>& instant);

// Prints every problem on stderr, one a line, and returns the exit code 1.
int print_problems(const core::Problems& problems);
int print_problem(const core::Problem& problem);

} // namespace mailroom::cli
