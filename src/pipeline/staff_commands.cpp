#include "pipeline/staff_commands.hpp"

#include "rules/load.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace mailroom::pipeline {

namespace {

constexpr std::array<std::pair<const char*, StaffVerb>, 8> k_verbs{{
    {"extend", StaffVerb::extend},
    {"excuse", StaffVerb::excuse},
    {"reclassify", StaffVerb::reclassify},
    {"dismiss", StaffVerb::dismiss},
    {"ledger", StaffVerb::ledger},
    {"review", StaffVerb::review},
    {"status", StaffVerb::status},
    {"help", StaffVerb::help},
}};

// How many non-empty text lines may come before the command (a greeting, "Hi desk,").
constexpr int k_text_lines_searched = 3;

std::vector<std::string> words_of(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (!word.empty())
        words.push_back(std::exchange(word, {}));
    } else {
      word += c;
    }
  }
  if (!word.empty())
    words.push_back(std::move(word));
  return words;
}

bool is_word(const std::string& word, std::string_view keyword) {
  return util::lower(word) == keyword;
}

std::optional<Id> mail_id_of(const std::string& word) {
  Id id = 0;
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), id);
  if (error != std::errc{} || end != word.data() + word.size() || id <= 0)
    return std::nullopt;
  return id;
}

// Reads the words of one command from left to right; every error names the form.
class Reader {
public:
  Reader(std::vector<std::string> words, StaffVerb verb)
      : m_words(std::move(words)), m_verb(verb) {}

  [[nodiscard]] bool done() const { return m_next >= m_words.size(); }
  [[nodiscard]] bool next_is(std::string_view keyword) const {
    return !done() && is_word(m_words[m_next], keyword);
  }
  std::expected<std::string, CommandError> take(std::string_view what) {
    if (done())
      return fail(fmt::format("{} is missing", what));
    return m_words[m_next++];
  }
  bool skip(std::string_view keyword) {
    if (!next_is(keyword))
      return false;
    ++m_next;
    return true;
  }
  // Every word up to the next of `stops`, joined by spaces.
  std::string take_until(std::initializer_list<std::string_view> stops) {
    std::string out;
    while (!done() && std::ranges::none_of(stops, [&](auto stop) { return next_is(stop); }))
      out += (out.empty() ? "" : " ") + m_words[m_next++];
    return out;
  }
  // "reason TEXT" at the end: the rest of the line.
  std::expected<std::string, CommandError> reason() {
    if (!skip("reason"))
      return fail(done() ? "the reason is missing"
                         : fmt::format("'{}' is not understood here", m_words[m_next]));
    auto text = take_until({});
    if (text.empty())
      return fail("the reason is empty");
    return text;
  }
  std::expected<void, CommandError> end() {
    if (!done())
      return fail(fmt::format("'{}' is not understood here", m_words[m_next]));
    return {};
  }
  [[nodiscard]] std::unexpected<CommandError> fail(std::string what) const {
    return std::unexpected(CommandError{std::move(what), staff_command_form(m_verb)});
  }

private:
  std::vector<std::string> m_words;
  std::size_t m_next = 1; // after the verb
  StaffVerb m_verb;
};

#define MAILROOM_TAKE(into, expr)                                                                  \
  do {                                                                                             \
    auto taken = (expr);                                                                           \
    if (!taken)                                                                                    \
      return std::unexpected(taken.error());                                                       \
    into = std::move(*taken);                                                                      \
  } while (false)

std::expected<void, CommandError> read_extend(Reader& in, StaffCommand& command) {
  MAILROOM_TAKE(command.group, in.take("the group"));
  MAILROOM_TAKE(command.target, in.take("DELIVERABLE[@LECTURE]"));
  if (in.skip("revoke")) {
    MAILROOM_TAKE(command.reason, in.reason());
    command.revoke = true;
    return {};
  }
  if (in.skip("until")) {
    command.until = in.take_until({"earlier", "reason"});
    if (command.until.empty())
      return in.fail("the time after 'until' is missing");
  } else {
    std::string plus;
    MAILROOM_TAKE(plus, in.take("'until TIME' or '+DURATION'"));
    if (!plus.starts_with('+'))
      return in.fail(fmt::format("'{}' is neither 'until TIME' nor '+DURATION'", plus));
    command.plus = rules::parse_duration(plus.substr(1));
    if (!command.plus || command.plus->count() <= 0)
      return in.fail(fmt::format("'{}' is not a duration such as +36h, +2d or +1d12h", plus));
  }
  command.earlier = in.skip("earlier");
  MAILROOM_TAKE(command.reason, in.reason());
  return {};
}

std::expected<void, CommandError> read_excuse(Reader& in, StaffCommand& command) {
  MAILROOM_TAKE(command.group, in.take("the group"));
  MAILROOM_TAKE(command.target, in.take("DELIVERABLE[@LECTURE]"));
  command.revoke = in.skip("revoke");
  MAILROOM_TAKE(command.reason, in.reason());
  return {};
}

std::expected<void, CommandError> read_mail_id(Reader& in, StaffCommand& command) {
  std::string word;
  MAILROOM_TAKE(word, in.take("the mail's number"));
  auto id = mail_id_of(word);
  if (!id)
    return in.fail(fmt::format("'{}' is not a mail number (as `review` lists them)", word));
  command.mail_id = *id;
  return {};
}

std::expected<void, CommandError> read_reclassify(Reader& in, StaffCommand& command) {
  if (auto id = read_mail_id(in, command); !id)
    return id;
  if (!in.skip("as"))
    return in.fail("'as DELIVERABLE[@LECTURE]' is missing");
  MAILROOM_TAKE(command.target, in.take("DELIVERABLE[@LECTURE]"));
  if (in.skip("group"))
    MAILROOM_TAKE(command.group, in.take("the group"));
  MAILROOM_TAKE(command.reason, in.reason());
  return {};
}

std::expected<void, CommandError> read_arguments(Reader& in, StaffCommand& command) {
  switch (command.verb) {
  case StaffVerb::extend:
    return read_extend(in, command);
  case StaffVerb::excuse:
    return read_excuse(in, command);
  case StaffVerb::reclassify:
    return read_reclassify(in, command);
  case StaffVerb::dismiss:
    if (auto id = read_mail_id(in, command); !id)
      return id;
    MAILROOM_TAKE(command.reason, in.reason());
    return {};
  case StaffVerb::ledger:
    if (in.skip("group"))
      MAILROOM_TAKE(command.group, in.take("the group"));
    return in.end();
  case StaffVerb::review:
  case StaffVerb::status:
  case StaffVerb::help:
    return in.end();
  }
  return {};
}

#undef MAILROOM_TAKE

} // namespace

std::optional<StaffVerb> staff_verb_of(std::string_view line) {
  const auto words = words_of(line);
  if (words.empty())
    return std::nullopt;
  const auto first = util::lower(words.front());
  for (const auto& [word, verb] : k_verbs)
    if (first == word)
      return verb;
  return std::nullopt;
}

std::expected<StaffCommand, CommandError> parse_staff_command(std::string_view line) {
  const auto verb = staff_verb_of(line);
  if (!verb)
    return std::unexpected(
        CommandError{"no command", "one of: extend, excuse, reclassify, dismiss, ledger, review, "
                                   "status, help"});
  StaffCommand command;
  command.verb = *verb;
  command.line = util::trim(line);
  Reader in(words_of(line), *verb);
  if (auto read = read_arguments(in, command); !read)
    return std::unexpected(read.error());
  return command;
}

std::string staff_command_form(StaffVerb verb) {
  switch (verb) {
  case StaffVerb::extend:
    return "extend GROUP DELIVERABLE[@LECTURE] until TIME|+DURATION [earlier] reason TEXT"
           "  (or: extend GROUP DELIVERABLE[@LECTURE] revoke reason TEXT)";
  case StaffVerb::excuse:
    return "excuse GROUP DELIVERABLE[@LECTURE] [revoke] reason TEXT";
  case StaffVerb::reclassify:
    return "reclassify ID as DELIVERABLE[@LECTURE] [group GROUP] reason TEXT";
  case StaffVerb::dismiss:
    return "dismiss ID reason TEXT";
  case StaffVerb::ledger:
    return "ledger [group GROUP]";
  case StaffVerb::review:
    return "review";
  case StaffVerb::status:
    return "status";
  case StaffVerb::help:
    return "help";
  }
  return "help";
}

std::string staff_command_grammar() {
  return fmt::format(
      "Write one command as the subject, or as one of the first lines of the mail:\n\n"
      "  {}\n"
      "      a new due time: TIME as 2025-11-05T18:00:00Z or \"2025-11-05 13:00\" (course time),\n"
      "      or +DURATION (+36h, +2d, +1d12h) past the instance's own due time\n"
      "  {}\n"
      "  {}\n"
      "  {}\n"
      "      ID is the mail's number, as `review` lists it\n"
      "  {}\n"
      "      the ledger as CSV, attached\n"
      "  {}\n"
      "      the mail that needs a person, and the term's page (HTML) attached\n"
      "  {}\n"
      "  {}\n\n"
      "Example: extend 3 slides@2025-11-04 +36h reason ill\n",
      staff_command_form(StaffVerb::extend), staff_command_form(StaffVerb::excuse),
      staff_command_form(StaffVerb::reclassify), staff_command_form(StaffVerb::dismiss),
      staff_command_form(StaffVerb::ledger), staff_command_form(StaffVerb::review),
      staff_command_form(StaffVerb::status), staff_command_form(StaffVerb::help));
}

std::optional<std::string> staff_command_line(const message::MessageFacts& facts) {
  if (facts.automated)
    return std::nullopt;
  if (staff_verb_of(facts.subject))
    return util::trim(facts.subject);
  int searched = 0;
  for (const auto& line : util::split(facts.text, '\n')) {
    const auto trimmed = util::trim(line);
    if (trimmed.empty())
      continue;
    if (staff_verb_of(trimmed))
      return trimmed;
    if (++searched == k_text_lines_searched)
      break;
  }
  return std::nullopt;
}

std::optional<std::string> command_mail_line(const message::MessageFacts& facts,
                                             const rules::Course& course) {
  if (course.staff.empty() || facts.from.size() != 1)
    return std::nullopt;
  auto line = staff_command_line(facts);
  if (!line)
    return std::nullopt;
  if (course.staff_member(facts.from.front().address) || parse_staff_command(*line))
    return line;
  return std::nullopt;
}

} // namespace mailroom::pipeline
