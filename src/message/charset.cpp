#include "message/charset.hpp"

#include <array>
#include <cctype>
#include <cerrno>
#include <iconv.h>
#include <optional>

namespace mailroom::message {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// MIME labels mailroom converts, and the glibc iconv name for each. Labels that
// Python maps to a wider charset (ks_c_5601-1987 -> cp949, gb2312 -> gbk) are
// mapped the same way, because that is what the mailers meant.
std::optional<std::string_view> iconv_name(std::string_view label) {
  struct Entry {
    std::string_view label;
    std::string_view name;
  };
  static constexpr std::array<Entry, 58> k_allowed{{
      {"iso-8859-1", "ISO-8859-1"},
      {"latin1", "ISO-8859-1"},
      {"latin-1", "ISO-8859-1"},
      {"iso8859-1", "ISO-8859-1"},
      {"iso_8859-1", "ISO-8859-1"},
      {"iso-8859-2", "ISO-8859-2"},
      {"iso-8859-3", "ISO-8859-3"},
      {"iso-8859-4", "ISO-8859-4"},
      {"iso-8859-5", "ISO-8859-5"},
      {"iso-8859-6", "ISO-8859-6"},
      {"iso-8859-7", "ISO-8859-7"},
      {"iso-8859-8", "ISO-8859-8"},
      {"iso-8859-8-i", "ISO-8859-8"},
      {"iso-8859-9", "ISO-8859-9"},
      {"iso-8859-10", "ISO-8859-10"},
      {"iso-8859-13", "ISO-8859-13"},
      {"iso-8859-14", "ISO-8859-14"},
      {"iso-8859-15", "ISO-8859-15"},
      {"iso-8859-16", "ISO-8859-16"},
      {"windows-1250", "CP1250"},
      {"windows-1251", "CP1251"},
      {"windows-1252", "CP1252"},
      {"windows-1253", "CP1253"},
      {"windows-1254", "CP1254"},
      {"windows-1255", "CP1255"},
      {"windows-1256", "CP1256"},
      {"windows-1257", "CP1257"},
      {"windows-1258", "CP1258"},
      {"cp1250", "CP1250"},
      {"cp1251", "CP1251"},
      {"cp1252", "CP1252"},
      {"cp850", "CP850"},
      {"cp866", "CP866"},
      {"ibm850", "CP850"},
      {"koi8-r", "KOI8-R"},
      {"koi8-u", "KOI8-U"},
      {"utf-7", "UTF-7"},
      {"utf-16", "UTF-16"},
      {"utf-16le", "UTF-16LE"},
      {"utf-16be", "UTF-16BE"},
      {"shift_jis", "SHIFT_JIS"},
      {"shift-jis", "SHIFT_JIS"},
      {"sjis", "SHIFT_JIS"},
      {"cp932", "CP932"},
      {"windows-31j", "CP932"},
      {"euc-jp", "EUC-JP"},
      {"iso-2022-jp", "ISO-2022-JP"},
      {"euc-kr", "EUC-KR"},
      {"ks_c_5601-1987", "CP949"},
      {"cp949", "CP949"},
      {"gb2312", "GBK"},
      {"gbk", "GBK"},
      {"gb18030", "GB18030"},
      {"big5", "BIG5"},
      {"big5-hkscs", "BIG5-HKSCS"},
      {"tis-620", "TIS-620"},
      {"windows-874", "CP874"},
      {"mac", "MACINTOSH"},
  }};
  const auto key = lower(label);
  for (const auto& entry : k_allowed)
    if (entry.label == key)
      return entry.name;
  return std::nullopt;
}

bool is_utf8_label(std::string_view label) {
  const auto key = lower(label);
  return key == "utf-8" || key == "utf8";
}

bool is_ascii_label(std::string_view label) {
  const auto key = lower(label);
  return key.empty() || key == "us-ascii" || key == "ascii" || key == "ansi_x3.4-1968";
}

// Length of the valid UTF-8 sequence at `s[i]`, 0 when invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80)
    return 1;
  std::size_t need = 0;
  unsigned min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + need >= s.size())
    return 0;
  unsigned cp = c & (0x3F >> need);
  for (std::size_t k = 1; k <= need; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return need + 1;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto n = utf8_sequence(s, i);
    if (n == 0)
      return false;
    i += n;
  }
  return true;
}

void append_cp1252(std::string& out, unsigned char c) {
  // The 0x80-0x9F row of windows-1252; 0 where the code page leaves a hole.
  static constexpr std::array<char16_t, 32> k_high{
      0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
  unsigned cp = c;
  if (c >= 0x80 && c < 0xA0)
    cp = k_high[c - 0x80] != 0 ? k_high[c - 0x80] : 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// iconv with every unconvertible byte replaced by U+FFFD. The output budget is
// a fixed multiple of the input, so a converter that misbehaves cannot grow
// memory without bound.
std::optional<Utf8> run_iconv(std::string_view bytes, std::string_view name) {
  const std::string from(name);
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1))
    return std::nullopt;
  Utf8 result;
  const std::size_t budget = bytes.size() * 4 + 16;
  std::string buffer(16 * 1024, '\0');
  auto* in = const_cast<char*>(bytes.data()); // iconv's signature; it does not write
  std::size_t in_left = bytes.size();
  while (in_left > 0 && result.text.size() < budget) {
    char* out = buffer.data();
    std::size_t out_left = buffer.size();
    const std::size_t rc = iconv(cd, &in, &in_left, &out, &out_left);
    result.text.append(buffer.data(), buffer.size() - out_left);
    if (rc != static_cast<std::size_t>(-1))
      continue;
    if (errno == E2BIG)
      continue;
    // EILSEQ or EINVAL (truncated input): replace one byte and go on.
    result.text += k_replacement;
    result.lossy = true;
    ++in;
    --in_left;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  char* out = buffer.data();
  std::size_t out_left = buffer.size();
  iconv(cd, nullptr, nullptr, &out, &out_left);
  result.text.append(buffer.data(), buffer.size() - out_left);
  iconv_close(cd);
  if (in_left > 0)
    result.lossy = true;
  return result;
}

} // namespace

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const auto n = utf8_sequence(bytes, i);
    if (n == 0) {
      out += k_replacement;
      ++i;
    } else {
      out.append(bytes.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string header_bytes_to_utf8(std::string_view bytes) {
  if (valid_utf8(bytes))
    return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes)
    append_cp1252(out, static_cast<unsigned char>(c));
  return out;
}

Utf8 to_utf8(std::string_view bytes, std::string_view charset) {
  if (is_utf8_label(charset) || is_ascii_label(charset)) {
    if (valid_utf8(bytes))
      return {std::string(bytes), false};
    return {sanitize_utf8(bytes), true};
  }
  if (const auto name = iconv_name(charset)) {
    if (auto converted = run_iconv(bytes, *name))
      return std::move(*converted);
  }
  if (valid_utf8(bytes))
    return {std::string(bytes), true};
  return {sanitize_utf8(bytes), true};
}

} // namespace mailroom::message
