#include "message/header_block.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace mailroom::message {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

constexpr std::size_t k_shown_name_bytes = 64;

// The bytes of a field's value as mimetic keeps it: after the colon and the blanks
// that follow, up to the final line end (folded line ends included).
std::size_t value_bytes(std::string_view field) {
  const auto colon = field.find(':');
  auto value = colon == std::string_view::npos ? field : field.substr(colon + 1);
  while (!value.empty() && is_blank(value.front()))
    value.remove_prefix(1);
  while (!value.empty() && is_newline(value.back()))
    value.remove_suffix(1);
  return value.size();
}

} // namespace

std::string kilobytes(std::uint64_t bytes) {
  return std::to_string((bytes + 1023) >> 10) + " KB";
}

HeaderBlock scan_header_block(std::string_view raw, std::size_t pos, const Limits& limits) {
  HeaderBlock block;
  std::size_t fields = 0;
  std::size_t i = pos;
  std::optional<FieldSpan> field; // the field being read
  auto close_field = [&](std::size_t at) {
    if (field && value_bytes(raw.substr(field->begin, at - field->begin)) > limits.max_header_bytes)
      block.oversized.push_back({field->begin, at});
    field.reset();
  };
  while (i < raw.size()) {
    const std::size_t line_start = i;
    while (i < raw.size() && !is_newline(raw[i]))
      ++i;
    const bool empty = i == line_start;
    if (i < raw.size()) {
      const char c = raw[i++];
      if (i < raw.size() && is_newline(raw[i]) && raw[i] != c)
        ++i;
    }
    if (empty) {
      close_field(line_start);
      block.end = i;
      return block;
    }
    // Fields are counted, not lines: the lines of a folded field cost mimetic no more
    // than one line of their size, which the field size limit bounds.
    if (!is_blank(raw[line_start]) || !field) {
      close_field(line_start);
      field = FieldSpan{line_start, i};
      if (++fields > limits.max_header_fields) {
        block.capped = true;
        block.end = i;
        return block;
      }
    }
  }
  close_field(raw.size());
  block.end = raw.size();
  return block;
}

std::string oversized_field_problem(std::string_view raw, const FieldSpan& field,
                                    const Limits& limits) {
  auto text = raw.substr(field.begin, field.end - field.begin);
  auto name = text.substr(0, std::min({text.find(':'), text.find_first_of("\r\n"), text.size()}));
  std::string shown(name.substr(0, k_shown_name_bytes));
  if (name.size() > k_shown_name_bytes)
    shown += "...";
  return "header field " + shown + " is " + kilobytes(value_bytes(text)) + ", limit " +
         kilobytes(limits.max_header_bytes);
}

std::string without_oversized_fields(std::string_view raw, const HeaderBlock& block) {
  std::string kept;
  std::size_t cut = 0;
  for (const auto& field : block.oversized)
    cut += field.end - field.begin;
  kept.reserve(raw.size() - cut);
  std::size_t from = 0;
  for (const auto& field : block.oversized) {
    kept.append(raw.substr(from, field.begin - from));
    from = field.end;
  }
  kept.append(raw.substr(from));
  return kept;
}

} // namespace mailroom::message
