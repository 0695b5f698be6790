#pragma once

#include "classify/classification.hpp"
#include "core/instant.hpp"
#include "message/facts.hpp"

namespace mailroom::classify {

// Decide what `facts` is for `course`: the deliverable, lecture and group, from the
// subject, body, attachments, links, the sender's group and the schedule. Words that
// name deliverables come from the rules, never from code. `received_at` resolves
// relative words ("for Thursday") and picks the lecture a group owes next.
[[nodiscard]] Classification classify(const message::MessageFacts& facts,
                                      const rules::Course& course, core::Instant received_at);

} // namespace mailroom::classify
