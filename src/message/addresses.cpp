#include "message/headers.hpp"

namespace mailroom::message {
namespace {

// Splits an address-list at top-level commas and group punctuation, tracking
// quotes, comments (nesting counted, never recursed into) and angle brackets.
// Each piece keeps its phrase, its angle-addr and its first comment apart.
struct Piece {
  std::string phrase;
  std::string angle;
  std::string comment;
  bool has_angle = false;
};

class Splitter {
public:
  Splitter(std::string_view value, std::size_t limit) : m_value(value), m_limit(limit) {}

  std::vector<Piece> run() {
    while (m_i < m_value.size() && m_pieces.size() < m_limit)
      step();
    finish_piece();
    return std::move(m_pieces);
  }

private:
  void step() {
    const char c = m_value[m_i++];
    if (c == '"') {
      quoted();
    } else if (c == '(') {
      comment();
    } else if (c == '<' && !m_in_angle) {
      m_in_angle = true;
      m_current.has_angle = true;
      m_current.angle.clear();
    } else if (c == '>' && m_in_angle) {
      m_in_angle = false;
    } else if (m_in_angle) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
        m_current.angle += c;
    } else if (c == ',' || c == ';') {
      finish_piece();
    } else if (c == ':') {
      m_current = Piece{}; // a group's display name: not a mailbox
    } else {
      m_current.phrase += c;
    }
  }

  void quoted() {
    std::string text;
    while (m_i < m_value.size() && m_value[m_i] != '"') {
      if (m_value[m_i] == '\\' && m_i + 1 < m_value.size())
        ++m_i;
      text += m_value[m_i++];
    }
    if (m_i < m_value.size())
      ++m_i;
    if (m_in_angle)
      m_current.angle += text;
    else
      m_current.phrase += text;
  }

  void comment() {
    int depth = 1;
    std::string text;
    while (m_i < m_value.size() && depth > 0) {
      const char c = m_value[m_i++];
      if (c == '\\' && m_i < m_value.size()) {
        text += m_value[m_i++];
        continue;
      }
      if (c == '(')
        ++depth;
      else if (c == ')')
        --depth;
      if (depth > 0)
        text += c;
    }
    if (m_current.comment.empty())
      m_current.comment = text;
  }

  void finish_piece() {
    if (m_in_angle)
      m_in_angle = false;
    if (!trim(m_current.phrase).empty() || m_current.has_angle)
      m_pieces.push_back(std::move(m_current));
    m_current = Piece{};
  }

  std::string_view m_value;
  std::size_t m_limit;
  std::size_t m_i = 0;
  bool m_in_angle = false;
  Piece m_current;
  std::vector<Piece> m_pieces;
};

// A display name (quotes already removed): encoded-words decoded, also inside
// what was quoted, as mailers write them there; whitespace collapsed.
std::string display_name(std::string_view phrase) {
  const std::string decoded = decode_words(phrase);
  std::string out;
  bool space = false;
  for (char c : decoded) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space)
      out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// "@a,@b:user@host" (an obsolete source route) -> "user@host".
std::string strip_route(std::string angle) {
  if (!angle.empty() && angle.front() == '@') {
    if (const auto colon = angle.find(':'); colon != std::string::npos)
      angle.erase(0, colon + 1);
  }
  return angle;
}

std::string without_spaces(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '"')
      out += c;
  return out;
}

} // namespace

std::vector<Mailbox> parse_mailboxes(std::string_view value, std::size_t limit) {
  std::vector<Mailbox> out;
  for (auto& piece : Splitter(value, limit).run()) {
    Mailbox mailbox;
    if (piece.has_angle) {
      mailbox.address = strip_route(piece.angle);
      mailbox.name = display_name(piece.phrase);
    } else {
      mailbox.address = without_spaces(piece.phrase);
      mailbox.name = display_name(piece.comment);
    }
    if (mailbox.name.empty() && piece.has_angle && !piece.comment.empty())
      mailbox.name = display_name(piece.comment);
    if (!mailbox.address.empty() || !mailbox.name.empty())
      out.push_back(std::move(mailbox));
  }
  return out;
}

std::vector<std::string> message_ids(std::string_view value, std::size_t limit) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (out.size() < limit) {
    const auto open = value.find('<', pos);
    if (open == std::string_view::npos)
      break;
    const auto close = value.find('>', open);
    if (close == std::string_view::npos)
      break;
    out.push_back(without_spaces(value.substr(open, close - open + 1)));
    pos = close + 1;
  }
  return out;
}

} // namespace mailroom::message
