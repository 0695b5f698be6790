#include "archive/file_names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <set>

namespace mailroom::archive {

namespace {

// Decodes one UTF-8 sequence at `text[i]`; returns its length, or 0 when invalid.
std::size_t utf8_at(std::string_view text, std::size_t i, char32_t& code) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  if (lead < 0x80) {
    code = lead;
    return 1;
  }
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size())
    return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80)
      return 0;
    code = (code << 6) | (byte(k) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not characters.
  static constexpr std::array<char32_t, 5> k_min{0, 0, 0x80, 0x800, 0x10000};
  if (code < k_min[length] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF)
    return 0;
  return length;
}

// Control characters, and the bidi and invisible ones that make a name read
// differently from what it is ("summary\u202Efdp.exe" shows as "summaryexe.pdf").
bool is_dropped(char32_t c) {
  if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F))
    return true;
  if (c == 0x061C || c == 0x180E || (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E))
    return true;
  if ((c >= 0x2060 && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB))
    return true;
  return false;
}

bool is_replaced(char32_t c) {
  // Separators and what Windows and shells treat specially.
  return c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' ||
         c == '>' || c == '|';
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_windows_device(std::string_view name) {
  const auto stem = lower_ascii(name.substr(0, name.find('.')));
  static const std::set<std::string, std::less<>> k_devices{
      "con",  "prn",  "aux",  "nul",  "com1", "com2", "com3", "com4", "com5", "com6", "com7",
      "com8", "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9"};
  return k_devices.contains(stem);
}

// The byte length of the longest prefix of `text` of at most `limit` bytes that
// ends on a character boundary (text is valid UTF-8 here).
std::size_t cut_point(std::string_view text, std::size_t limit) {
  if (text.size() <= limit)
    return text.size();
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return cut;
}

std::string trim_dots_and_spaces(std::string name) {
  const auto first = name.find_first_not_of(". ");
  if (first == std::string::npos)
    return {};
  const auto last = name.find_last_not_of(". ");
  return name.substr(first, last - first + 1);
}

// Cut to `limit` bytes, keeping a short extension.
std::string cap(const std::string& name, std::size_t limit) {
  if (name.size() <= limit)
    return name;
  const auto dot = name.rfind('.');
  std::string extension;
  if (dot != std::string::npos && dot > 0 && name.size() - dot <= 16)
    extension = name.substr(dot);
  const std::string_view stem(name.data(), name.size() - extension.size());
  return trim_dots_and_spaces(
             std::string(stem.substr(0, cut_point(stem, limit - extension.size())))) +
         extension;
}

} // namespace

std::string sanitize_file_name(std::string_view decoded) {
  std::string clean;
  for (std::size_t i = 0; i < decoded.size();) {
    char32_t code = 0;
    const std::size_t length = utf8_at(decoded, i, code);
    if (length == 0) {
      clean += '_';
      ++i;
      continue;
    }
    if (is_replaced(code))
      clean += '/'; // marks a path separator for the next step
    else if (!is_dropped(code))
      clean.append(decoded.substr(i, length));
    i += length;
  }
  // RFC 2183 §2.3: "The filename should be treated as a terminal component only."
  if (const auto slash = clean.rfind('/'); slash != std::string::npos) {
    const auto last = trim_dots_and_spaces(clean.substr(slash + 1));
    if (!last.empty()) {
      clean = last;
    } else {
      std::replace(clean.begin(), clean.end(), '/', '_');
    }
  }
  std::replace(clean.begin(), clean.end(), '/', '_');
  clean = trim_dots_and_spaces(std::move(clean));
  if (clean.empty() || clean.find_first_not_of('_') == std::string::npos)
    clean = "attachment" + clean;
  if (is_windows_device(clean))
    clean = "_" + clean;
  return cap(clean, k_max_name_bytes);
}

std::vector<std::string> unique_file_names(const std::vector<std::string>& decoded) {
  std::vector<std::string> names;
  std::set<std::string, std::less<>> taken; // lower case: "A.pdf" and "a.pdf" collide
  for (const auto& original : decoded) {
    const auto name = sanitize_file_name(original);
    std::string candidate = name;
    for (int n = 2; taken.contains(lower_ascii(candidate)); ++n) {
      const auto dot = name.rfind('.');
      const auto stem = dot == std::string::npos ? name : name.substr(0, dot);
      const auto extension = dot == std::string::npos ? std::string{} : name.substr(dot);
      candidate = fmt::format("{} ({}){}", stem, n, extension);
    }
    taken.insert(lower_ascii(candidate));
    names.push_back(std::move(candidate));
  }
  return names;
}

} // namespace mailroom::archive
