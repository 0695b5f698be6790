#include "sandbox/readers.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <unistd.h>

// The pipe's encoding of a reading, apart from the readers: the parent decodes without
// linking poppler or libzip, which only the helper mailroom-read-file loads.
namespace mailroom::sandbox {

namespace {

// One field as "NAME LENGTH\nBYTES\n": text from a PDF may hold any byte.
void put(std::string& out, std::string_view name, std::string_view value) {
  out += fmt::format("{} {}\n", name, value.size());
  out += value;
  out += '\n';
}

} // namespace

std::string encode(const content::FileReading& reading) {
  std::string out;
  if (reading.pdf) {
    put(out, "pdf-pages", std::to_string(reading.pdf->pages));
    put(out, "pdf-encrypted", reading.pdf->encrypted ? "1" : "0");
    put(out, "pdf-problem", reading.pdf->problem);
    put(out, "pdf-text", reading.pdf->text);
  }
  if (reading.zip) {
    put(out, "zip-problem", reading.zip->problem);
    for (const auto& entry : reading.zip->entries)
      put(out, "zip-entry", fmt::format("{} {} {}", entry.size, entry.compressed, entry.name));
  }
  put(out, "end", "");
  return out;
}

content::FileReading decode(std::string_view bytes) {
  content::FileReading reading;
  const auto bad = [] {
    content::FileReading failed;
    failed.failure = "gave an answer that cannot be read";
    return failed;
  };
  const auto number = [](std::string_view text, std::uint64_t& value) {
    return std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc{};
  };
  while (!bytes.empty()) {
    const auto space = bytes.find(' ');
    const auto newline = bytes.find('\n');
    std::uint64_t length = 0;
    if (space == std::string_view::npos || newline == std::string_view::npos || newline < space ||
        !number(bytes.substr(space + 1, newline - space - 1), length) ||
        bytes.size() - newline - 1 < length + 1)
      return bad();
    const auto name = bytes.substr(0, space);
    const auto value = bytes.substr(newline + 1, length);
    bytes.remove_prefix(newline + 1 + length + 1);
    if (name == "end")
      return reading;
    if (name.starts_with("pdf-") && !reading.pdf)
      reading.pdf.emplace();
    if (name.starts_with("zip-") && !reading.zip)
      reading.zip.emplace();
    std::uint64_t pages = 0;
    if (name == "pdf-pages" && number(value, pages))
      reading.pdf->pages = static_cast<int>(pages);
    else if (name == "pdf-encrypted")
      reading.pdf->encrypted = value == "1";
    else if (name == "pdf-problem")
      reading.pdf->problem = value;
    else if (name == "pdf-text")
      reading.pdf->text = value;
    else if (name == "zip-problem")
      reading.zip->problem = value;
    else if (name == "zip-entry") {
      content::ZipEntry entry;
      const auto first = value.find(' ');
      const auto second = value.find(' ', first + 1);
      if (first == std::string_view::npos || second == std::string_view::npos ||
          !number(value.substr(0, first), entry.size) ||
          !number(value.substr(first + 1, second - first - 1), entry.compressed))
        return bad();
      entry.name = value.substr(second + 1);
      reading.zip->entries.push_back(std::move(entry));
    }
  }
  return bad(); // no "end": the child stopped half-way
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto wrote = ::write(fd, bytes.data(), bytes.size());
    if (wrote < 0 && errno == EINTR)
      continue;
    if (wrote <= 0)
      return false;
    bytes.remove_prefix(static_cast<std::size_t>(wrote));
  }
  return true;
}

} // namespace mailroom::sandbox
