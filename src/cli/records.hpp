#pragma once

#include "cli/output.hpp"
#include "judge/decision.hpp"
#include "message/facts.hpp"
#include "rules/course.hpp"

namespace mailroom::cli {

// The JSON records of DESIGN.md's contract, shared by replay, inspect and show.
[[nodiscard]] JsonObject decision_record(const judge::Decision& decision);
[[nodiscard]] JsonObject facts_record(const message::MessageFacts& facts);
[[nodiscard]] JsonObject classification_record(const judge::Decision& decision);

// "from" as people read it: "Ada Lovelace <ada@example.edu>".
[[nodiscard]] std::string sender_of(const message::MessageFacts& facts);

} // namespace mailroom::cli
