#include "message/headers.hpp"
#include "message/text.hpp"

#include <array>
#include <cctype>

namespace mailroom::message {
namespace {

void append_utf8(std::string& out, unsigned cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct Entity {
  std::string_view name;
  unsigned cp;
};

// The Latin-1 entities of HTML 4 plus the punctuation mailers write most.
constexpr std::array<Entity, 119> k_entities{{
    {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", 0xA0},     {"iexcl", 0xA1},   {"cent", 0xA2},    {"pound", 0xA3},   {"curren", 0xA4},
    {"yen", 0xA5},      {"brvbar", 0xA6},  {"sect", 0xA7},    {"uml", 0xA8},     {"copy", 0xA9},
    {"ordf", 0xAA},     {"laquo", 0xAB},   {"not", 0xAC},     {"shy", 0xAD},     {"reg", 0xAE},
    {"macr", 0xAF},     {"deg", 0xB0},     {"plusmn", 0xB1},  {"sup2", 0xB2},    {"sup3", 0xB3},
    {"acute", 0xB4},    {"micro", 0xB5},   {"para", 0xB6},    {"middot", 0xB7},  {"cedil", 0xB8},
    {"sup1", 0xB9},     {"ordm", 0xBA},    {"raquo", 0xBB},   {"frac14", 0xBC},  {"frac12", 0xBD},
    {"frac34", 0xBE},   {"iquest", 0xBF},  {"Agrave", 0xC0},  {"Aacute", 0xC1},  {"Acirc", 0xC2},
    {"Atilde", 0xC3},   {"Auml", 0xC4},    {"Aring", 0xC5},   {"AElig", 0xC6},   {"Ccedil", 0xC7},
    {"Egrave", 0xC8},   {"Eacute", 0xC9},  {"Ecirc", 0xCA},   {"Euml", 0xCB},    {"Igrave", 0xCC},
    {"Iacute", 0xCD},   {"Icirc", 0xCE},   {"Iuml", 0xCF},    {"ETH", 0xD0},     {"Ntilde", 0xD1},
    {"Ograve", 0xD2},   {"Oacute", 0xD3},  {"Ocirc", 0xD4},   {"Otilde", 0xD5},  {"Ouml", 0xD6},
    {"times", 0xD7},    {"Oslash", 0xD8},  {"Ugrave", 0xD9},  {"Uacute", 0xDA},  {"Ucirc", 0xDB},
    {"Uuml", 0xDC},     {"Yacute", 0xDD},  {"THORN", 0xDE},   {"szlig", 0xDF},   {"agrave", 0xE0},
    {"aacute", 0xE1},   {"acirc", 0xE2},   {"atilde", 0xE3},  {"auml", 0xE4},    {"aring", 0xE5},
    {"aelig", 0xE6},    {"ccedil", 0xE7},  {"egrave", 0xE8},  {"eacute", 0xE9},  {"ecirc", 0xEA},
    {"euml", 0xEB},     {"igrave", 0xEC},  {"iacute", 0xED},  {"icirc", 0xEE},   {"iuml", 0xEF},
    {"eth", 0xF0},      {"ntilde", 0xF1},  {"ograve", 0xF2},  {"oacute", 0xF3},  {"ocirc", 0xF4},
    {"otilde", 0xF5},   {"ouml", 0xF6},    {"divide", 0xF7},  {"oslash", 0xF8},  {"ugrave", 0xF9},
    {"uacute", 0xFA},   {"ucirc", 0xFB},   {"uuml", 0xFC},    {"yacute", 0xFD},  {"thorn", 0xFE},
    {"yuml", 0xFF},     {"ndash", 0x2013}, {"mdash", 0x2014}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"sbquo", 0x201A},  {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bdquo", 0x201E}, {"bull", 0x2022},
    {"hellip", 0x2026}, {"euro", 0x20AC},  {"trade", 0x2122}, {"zwnj", 0x200C},  {"zwj", 0x200D},
}};

// A character reference at text[i] == '&'; returns its length, 0 when none.
std::size_t entity_at(std::string_view text, std::size_t i, std::string& out) {
  const auto semi = text.find(';', i + 1);
  if (semi == std::string_view::npos || semi - i > 12 || semi == i + 1)
    return 0;
  const auto body = text.substr(i + 1, semi - i - 1);
  if (body[0] == '#') {
    const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
    const auto digits = body.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7)
      return 0;
    unsigned cp = 0;
    for (char c : digits) {
      const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                    : hex && std::isxdigit(static_cast<unsigned char>(c))
                        ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                        : -1;
      if (v < 0)
        return 0;
      cp = cp * (hex ? 16 : 10) + static_cast<unsigned>(v);
    }
    append_utf8(out, cp);
    return semi - i + 1;
  }
  for (const auto& entity : k_entities) {
    if (entity.name == body) {
      append_utf8(out, entity.cp);
      return semi - i + 1;
    }
  }
  return 0;
}

bool starts_with_ci(std::string_view text, std::size_t i, std::string_view word) {
  if (text.size() - i < word.size())
    return false;
  for (std::size_t k = 0; k < word.size(); ++k)
    if (std::tolower(static_cast<unsigned char>(text[i + k])) != word[k])
      return false;
  return true;
}

// The lower-case name of the tag at html[i] == '<' ("p", "/div", "!--").
std::string tag_name(std::string_view html, std::size_t i) {
  std::string name;
  for (std::size_t k = i + 1; k < html.size() && name.size() < 16; ++k) {
    const char c = html[k];
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '!' || c == '-')
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else
      break;
  }
  return name;
}

bool is_block(std::string_view name) {
  if (!name.empty() && name.front() == '/')
    name.remove_prefix(1);
  static constexpr std::array<std::string_view, 20> k_blocks{
      "p",  "br", "div", "tr",    "li",         "h1",  "h2", "h3",    "h4", "h5",
      "h6", "ul", "ol",  "table", "blockquote", "pre", "hr", "title", "dt", "dd"};
  for (auto block : k_blocks)
    if (name == block)
      return true;
  return false;
}

// Skips a whole element whose content is not text (script, style, head).
std::size_t skip_element(std::string_view html, std::size_t i, std::string_view name) {
  const std::string close = "</" + std::string(name);
  for (auto k = html.find('<', i); k != std::string_view::npos; k = html.find('<', k + 1))
    if (starts_with_ci(html, k, close))
      return html.find('>', k) == std::string_view::npos ? html.size() : html.find('>', k) + 1;
  return html.size();
}

// Collapses runs of spaces and blank lines left by markup.
std::string tidy(std::string_view text) {
  std::string out;
  int newlines = 0;
  bool space = false;
  for (char c : text) {
    if (c == '\n') {
      ++newlines;
      space = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      space = true;
      continue;
    }
    if (newlines > 0 && !out.empty())
      out.append(newlines > 1 ? 2 : 1, '\n');
    else if (space && !out.empty())
      out += ' ';
    newlines = 0;
    space = false;
    out += c;
  }
  return out;
}

} // namespace

std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&') {
      if (const auto length = entity_at(text, i, out); length > 0) {
        i += length - 1;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string html_to_text(std::string_view html) {
  std::string raw;
  raw.reserve(html.size());
  std::size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      const auto next = html.find('<', i);
      const auto end = next == std::string_view::npos ? html.size() : next;
      for (std::size_t k = i; k < end; ++k)
        raw += html[k] == '\n' || html[k] == '\r' ? ' ' : html[k];
      i = end;
      continue;
    }
    const auto name = tag_name(html, i);
    if (name.starts_with("!--")) {
      const auto end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    if (name == "script" || name == "style" || name == "head") {
      i = skip_element(html, i + 1, name);
      continue;
    }
    const auto end = html.find('>', i);
    i = end == std::string_view::npos ? html.size() : end + 1;
    if (is_block(name))
      raw += '\n';
  }
  return tidy(decode_entities(raw));
}

std::vector<std::string> html_hrefs(std::string_view html, std::size_t limit) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (out.size() < limit) {
    i = html.find('<', i);
    if (i == std::string_view::npos)
      break;
    const auto end = html.find('>', i);
    if (end == std::string_view::npos)
      break;
    const auto tag = html.substr(i, end - i);
    i = end;
    const auto name = tag_name(tag, 0);
    if (name != "a" && name != "area" && name != "link")
      continue;
    const auto lowered = lower_ascii(tag);
    auto at = lowered.find("href");
    if (at == std::string::npos)
      continue;
    at = lowered.find_first_not_of(" \t\r\n", at + 4);
    if (at == std::string::npos || lowered[at] != '=')
      continue;
    at = lowered.find_first_not_of(" \t\r\n", at + 1);
    if (at == std::string::npos)
      continue;
    std::size_t stop;
    if (tag[at] == '"' || tag[at] == '\'') {
      stop = tag.find(tag[at], at + 1);
      ++at;
    } else {
      stop = tag.find_first_of(" \t\r\n", at);
    }
    if (stop == std::string_view::npos)
      stop = tag.size();
    out.push_back(std::string(trim(decode_entities(tag.substr(at, stop - at)))));
  }
  return out;
}

std::string normalize_newlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n')
        ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

} // namespace mailroom::message
