#include "classify/wording.hpp"

#include "classify/mentions.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace mailroom::classify {

namespace {

template <std::size_t N>
std::string first_phrase(std::string_view text, const std::array<std::string_view, N>& phrases) {
  for (const auto phrase : phrases)
    if (has_phrase(text, phrase))
      return std::string(phrase);
  return {};
}

// Subjects that auto-replies put first, in the languages mail clients ship them in.
constexpr std::array<std::string_view, 16> k_away_subjects{
    "out of office",       "out of the office",    "automatic reply",
    "auto reply",          "auto-reply",           "autoreply",
    "auto response",       "auto-response",        "away from my email",
    "on vacation",         "vacation reply",       "abwesenheitsnotiz",
    "réponse automatique", "respuesta automática", "fuera de la oficina",
    "absence du bureau"};

// What the body of an auto-reply says; read only when the subject said nothing.
constexpr std::array<std::string_view, 12> k_away_bodies{"i am out of the office",
                                                         "i'm out of the office",
                                                         "i am currently out of the office",
                                                         "i'm currently out of the office",
                                                         "i will be out of the office",
                                                         "i am away from",
                                                         "i'm away from",
                                                         "i am on vacation",
                                                         "i'm on vacation",
                                                         "with limited access to email",
                                                         "with limited access to my email",
                                                         "will respond when i return"};

constexpr std::array<std::string_view, 22> k_submits{
    "please find attached", "please find our",
    "find attached",        "attached is",
    "attached are",         "attached please find",
    "here is our",          "here are our",
    "here's our",           "here is the link",
    "here's the link",      "we are submitting",
    "we're submitting",     "i am submitting",
    "i'm submitting",       "we submit",
    "submitting our",       "this is our submission",
    "our submission",       "is attached",
    "are attached",         "enclosed"};

constexpr std::array<std::string_view, 16> k_revisions{"revised",
                                                       "revision",
                                                       "updated",
                                                       "corrected",
                                                       "correction",
                                                       "fixed",
                                                       "new version",
                                                       "final version",
                                                       "as promised",
                                                       "as discussed in class",
                                                       "as mentioned in class",
                                                       "after the presentation",
                                                       "after our presentation",
                                                       "after the talk",
                                                       "after class",
                                                       "v2"};

// `text` without its URLs: their '?' and '.' are not the writer's punctuation.
std::string without_urls(std::string_view text) {
  std::string out;
  for (const auto& line : util::split(text, '\n')) {
    for (const auto& word : util::split(line, ' '))
      if (!util::starts_with_icase(word, "http://") && !util::starts_with_icase(word, "https://") &&
          !util::starts_with_icase(word, "<http"))
        out += word + ' ';
    out += '\n';
  }
  return out;
}

// The sentences of `text`, without its URLs, trimmed, each once.
std::vector<std::string> sentences_of(std::string_view text) {
  const auto plain = without_urls(text);
  std::vector<std::string> out;
  for (std::size_t begin = 0; begin < plain.size();) {
    auto end = plain.find_first_of(".!?\n", begin);
    end = end == std::string::npos ? plain.size() : end + 1;
    if (auto sentence = util::trim(std::string_view(plain).substr(begin, end - begin));
        !sentence.empty())
      out.push_back(std::move(sentence));
    begin = end;
  }
  return out;
}

bool asks(std::string_view sentence, const std::vector<std::string>& question_words) {
  if (sentence.find('?') != std::string_view::npos)
    return true;
  return std::ranges::any_of(question_words, [&](const std::string& word) {
    return word != "?" && has_phrase(sentence, word);
  });
}

} // namespace

std::optional<std::string> out_of_office(std::string_view subject, std::string_view body) {
  if (auto phrase = first_phrase(subject, k_away_subjects); !phrase.empty())
    return fmt::format("subject says \"{}\", an out-of-office reply", phrase);
  if (auto phrase = first_phrase(body, k_away_bodies); !phrase.empty())
    return fmt::format("body says \"{}\", an out-of-office reply", phrase);
  return std::nullopt;
}

std::string submits_phrase(std::string_view text, const std::vector<std::string>& question_words) {
  for (const auto& sentence : sentences_of(text))
    if (!asks(sentence, question_words))
      if (auto phrase = first_phrase(sentence, k_submits); !phrase.empty())
        return phrase;
  return {};
}

std::string revision_phrase(std::string_view text) {
  return first_phrase(text, k_revisions);
}

std::string question_sentence(std::string_view text,
                              const std::vector<std::string>& question_words) {
  for (const auto& sentence : sentences_of(text))
    if (asks(sentence, question_words))
      return sentence.size() > 200 ? sentence.substr(0, sentence.rfind(' ', 197)) + " ..."
                                   : sentence;
  return {};
}

} // namespace mailroom::classify
