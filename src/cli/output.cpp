#include "cli/output.hpp"

#include "util/text.hpp"

#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <iostream>
#include <sstream>

namespace mailroom::cli {

namespace {

// Display width of UTF-8 text: count code points, not bytes, so that names with
// accents line up.
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(
      std::ranges::count_if(text, [](unsigned char c) { return (c & 0xC0) != 0x80; }));
}

} // namespace

JsonObject::JsonObject() : m_object(new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER)) {}

void JsonObject::add(const std::string& key, const std::string& value) {
  m_object->set(key, value);
}
void JsonObject::add(const std::string& key, const char* value) {
  m_object->set(key, std::string(value));
}
void JsonObject::add(const std::string& key, const std::optional<std::string>& value) {
  if (value)
    m_object->set(key, *value);
  else
    m_object->set(key, Poco::Dynamic::Var());
}
void JsonObject::add(const std::string& key, std::int64_t value) {
  m_object->set(key, static_cast<Poco::Int64>(value));
}
void JsonObject::add(const std::string& key, std::optional<std::int64_t> value) {
  if (value)
    add(key, *value);
  else
    m_object->set(key, Poco::Dynamic::Var());
}
void JsonObject::add(const std::string& key, bool value) {
  m_object->set(key, value);
}
void JsonObject::add(const std::string& key, double value) {
  m_object->set(key, value);
}
void JsonObject::add(const std::string& key, const std::vector<std::string>& values) {
  Poco::JSON::Array::Ptr array(new Poco::JSON::Array);
  for (const auto& value : values)
    array->add(value);
  m_object->set(key, array);
}
void JsonObject::add(const std::string& key, const JsonObject& value) {
  m_object->set(key, value.m_object);
}
void JsonObject::add(const std::string& key, const std::vector<JsonObject>& values) {
  Poco::JSON::Array::Ptr array(new Poco::JSON::Array);
  for (const auto& value : values)
    array->add(value.m_object);
  m_object->set(key, array);
}

std::string JsonObject::str() const {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(m_object, out);
  return out.str();
}

void Table::print(std::ostream& out) const {
  std::vector<std::size_t> widths(m_header.size(), 0);
  const auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  };
  measure(m_header);
  for (const auto& row : m_rows)
    measure(row);
  const auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - display_width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out << line << "\n";
  };
  print_row(m_header);
  std::vector<std::string> rule;
  for (auto width : widths)
    rule.push_back(std::string(width, '-'));
  print_row(rule);
  for (const auto& row : m_rows)
    print_row(row);
}

void Table::print_csv(std::ostream& out) const {
  const auto print_row = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size(); ++i)
      out << (i ? "," : "") << util::csv_field(row[i]);
    out << "\r\n";
  };
  print_row(m_header);
  for (const auto& row : m_rows)
    print_row(row);
}

std::optional<std::string> iso_or_null(const std::optional<core::Instant>& instant) {
  return instant ? std::optional{core::to_iso_utc(*instant)} : std::nullopt;
}

int print_problems(const core::Problems& problems) {
  for (const auto& problem : problems)
    std::cerr << problem.to_string() << "\n";
  std::cerr << problems.size() << (problems.size() == 1 ? " problem" : " problems") << "\n";
  return 1;
}

int print_problem(const core::Problem& problem) {
  return print_problems({problem});
}

} // namespace mailroom::cli
