#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

// Reading what `mailroom ... --json` prints: one JSON object a line.
namespace mailroom::test {

using JsonRecords = std::vector<Poco::JSON::Object::Ptr>;

// Every line of `text` parsed as one JSON object.
inline JsonRecords json_lines(const std::string& text) {
  JsonRecords records;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    records.push_back(Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>());
  return records;
}

// The string `key` of `record`, or "" where it is null.
inline std::string text_of(const Poco::JSON::Object::Ptr& record, const std::string& key) {
  return record->isNull(key) ? "" : record->getValue<std::string>(key);
}

// `ledger --json` rows keyed "deliverable@lecture/group": "proposal/2" for a deliverable
// without a lecture, "slides@2025-10-07/-" for a slot no group is assigned.
inline std::map<std::string, Poco::JSON::Object::Ptr> ledger_rows(const std::string& text) {
  std::map<std::string, Poco::JSON::Object::Ptr> rows;
  for (const auto& record : json_lines(text)) {
    const auto lecture = text_of(record, "lecture");
    const auto group = text_of(record, "group");
    rows[text_of(record, "deliverable") + (lecture.empty() ? "" : "@" + lecture) + "/" +
         (group.empty() ? "-" : group)] = record;
  }
  return rows;
}

} // namespace mailroom::test
