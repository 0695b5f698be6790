// Real mail from many clients (tests/data/real-mail, copied from the shared corpus
// with its MANIFEST lines) against what Python's email package extracts
// (expected-attachments.tsv, trimmed from expected.json by trim_expected.py).
#include "message/parse.hpp"
#include "test_data.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <vector>

namespace mailroom::message {
namespace {

struct ExpectedAttachment {
  std::string path;
  std::string content_type;
  std::string size; // "-" when Python has no bytes for the part
  std::string sha256;
  bool name_exact = true;
  std::string filename;
};

struct Reading {
  std::vector<ExpectedAttachment> attachments;
};

// file -> reading ("default", "compat32") -> attachments
using Expected = std::map<std::string, std::map<std::string, Reading>>;
// file -> a line's value (reasons joined by '|', or the first 200 characters of text)
using PerFile = std::map<std::string, std::string>;

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, '\t'))
    out.push_back(field);
  return out;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[++i];
      out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The `kind` lines of the TSV ("reasons", "text") by file.
PerFile load_lines(const std::string& kind) {
  PerFile out;
  std::istringstream in(testing::read_data("real-mail/expected-attachments.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    const auto f = split_tabs(line);
    if (!f.empty() && f[0] == kind && f.size() >= 2)
      out[f[1]] = f.size() > 2 ? unescape(f[2]) : "";
  }
  return out;
}

std::vector<std::string> split_bars(const std::string& s) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, '|'))
    out.push_back(item);
  return out;
}

MessageFacts parse_file(const std::string& file) {
  return parse(testing::read_data(std::filesystem::path("real-mail") / file), "file " + file);
}

// The first `count` code points of UTF-8 `text`, trailing whitespace removed.
std::string head(const std::string& text, std::size_t count) {
  std::size_t i = 0;
  for (std::size_t n = 0; i < text.size() && n < count; ++n) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
      ++i;
  }
  auto out = text.substr(0, i);
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back())))
    out.pop_back();
  return out;
}

Expected load_expected() {
  Expected expected;
  std::istringstream in(testing::read_data("real-mail/expected-attachments.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    const auto f = split_tabs(line);
    if (f.size() >= 4 && f[0] == "message") {
      expected[f[1]][f[2]];
    } else if (f.size() >= 9 && f[0] == "attachment") {
      expected[f[1]][f[2]].attachments.push_back(
          {f[4], f[5], f[6], f[7], f[8] == "1", f.size() > 9 ? unescape(f[9]) : ""});
    }
  }
  return expected;
}

// Every difference between one reading and what mailroom found; empty if none.
std::string compare(const Reading& reading, const MessageFacts& facts) {
  std::ostringstream out;
  const auto& want = reading.attachments;
  const auto& got = facts.attachments;
  if (want.size() != got.size())
    out << " count " << got.size() << " want " << want.size() << ";";
  for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
    const auto& w = want[i];
    const auto& g = got[i];
    if (w.name_exact && g.filename != w.filename)
      out << " [" << i << "] name '" << g.filename << "' want '" << w.filename << "';";
    if (w.size != "-" && std::to_string(g.size) != w.size)
      out << " [" << i << "] size " << g.size << " want " << w.size << ";";
    if (w.sha256 != "-" && g.sha256 != w.sha256)
      out << " [" << i << "] sha256 differs;";
  }
  return out.str();
}

TEST(MessageConformance, AttachmentsMatchPythonOnAtLeast98PercentOfRealMail) {
  const auto expected = load_expected();
  ASSERT_FALSE(expected.empty()) << "no expected-attachments.tsv under " << testing::data_dir();
  int matching = 0;
  int total = 0;
  for (const auto& [file, readings] : expected) {
    const auto raw = testing::read_data(std::filesystem::path("real-mail") / file);
    ASSERT_FALSE(raw.empty()) << file;
    const auto facts = parse(raw, "file " + file);
    ++total;
    std::string differences;
    bool ok = false;
    for (const auto& [name, reading] : readings) {
      const auto diff = compare(reading, facts);
      if (diff.empty()) {
        ok = true;
        break;
      }
      differences += " (" + name + ")" + diff;
    }
    if (ok)
      ++matching;
    else
      std::cout << "mismatch " << file << ":" << differences << "\n";
  }
  const double percent = 100.0 * matching / total;
  std::cout << "conformance: " << matching << " of " << total << " messages match (" << percent
            << "%)\n";
  EXPECT_GE(percent, 98.0);
}

} // namespace
} // namespace mailroom::message

namespace mailroom::message {
namespace {

TEST(MessageConformance, EveryMachineSentMessageIsMarkedAutomatedWithItsReasons) {
  // expected.json's automated_reasons plus other_automation_hints: bounces,
  // auto-replies and list mail. Each must be marked, naming each marker.
  int wrong = 0;
  for (const auto& [file, joined] : load_lines("reasons")) {
    const auto facts = parse_file(file);
    const auto want = split_bars(joined);
    if (want.empty()) {
      // Python's rule misses a digest sent from a list's -request address, which
      // RFC 5230 section 4.6 names as a robot; mailroom marks it.
      if (facts.automated && file != "122-mailman-digest.eml") {
        ++wrong;
        std::cout << "false automated " << file << ": " << facts.automated_reasons.front() << "\n";
      }
      continue;
    }
    for (const auto& reason : want) {
      const bool found = std::any_of(
          facts.automated_reasons.begin(), facts.automated_reasons.end(),
          [&](const std::string& got) { return got == reason || got.starts_with(reason + ":"); });
      if (!found) {
        ++wrong;
        std::cout << "missing reason " << file << ": " << reason << "\n";
      }
    }
  }
  EXPECT_EQ(wrong, 0);
}

TEST(MessageConformance, TextMatchesPythonsFirstTextPlain) {
  // Python's first text/plain part, first 200 characters, trailing whitespace
  // ignored. A few differ on purpose (undecodable charsets); 95% must agree.
  int matching = 0;
  int total = 0;
  for (const auto& [file, text] : load_lines("text")) {
    const auto facts = parse_file(file);
    ++total;
    if (!facts.text_from_html && head(facts.text, 200) == head(text, 200)) {
      ++matching;
      continue;
    }
    std::cout << "text differs " << file << ":\n  got  " << head(facts.text, 80) << "\n  want "
              << head(text, 80) << "\n";
  }
  std::cout << "text: " << matching << " of " << total << " match\n";
  EXPECT_GE(matching * 100, total * 95);
}

} // namespace
} // namespace mailroom::message
