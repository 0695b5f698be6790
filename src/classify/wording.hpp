#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What a mail's own wording says about it, beyond the course file's words: an
// out-of-office reply, a plain statement that it hands something in, a revision of work
// already given. The patterns are English mail conventions, not any course's.
namespace mailroom::classify {

// The pattern that marks `subject` (or, when it says nothing, `body`) as an
// out-of-office or vacation reply ("subject says \"Out of Office\""); nullopt otherwise.
// RFC 3834 headers are read before this, by the parser.
[[nodiscard]] std::optional<std::string> out_of_office(std::string_view subject,
                                                       std::string_view body);

// The phrase by which `text` plainly hands work in ("please find attached", "here is
// our", "we are submitting"), outside the sentences that ask (by `question_words`, as
// question_sentence reads them): "Can we submit ...?" hands nothing in. Empty when none.
[[nodiscard]] std::string submits_phrase(std::string_view text,
                                         const std::vector<std::string>& question_words);

// The phrase that marks `text` as a revision of work already given or presented
// ("revised", "updated", "as promised in class"); empty when none.
[[nodiscard]] std::string revision_phrase(std::string_view text);

// The sentence of `text` that asks a question (one ending in '?', or holding one of
// `question_words`), trimmed and at most 200 bytes; empty when none.
[[nodiscard]] std::string question_sentence(std::string_view text,
                                            const std::vector<std::string>& question_words);

} // namespace mailroom::classify
