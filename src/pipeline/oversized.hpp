#pragma once

#include "judge/decision.hpp"

namespace mailroom::pipeline {

// A mail the archive kept undecoded because it is over [mailbox] max_mail_size
// (k_over_max_mail_size in its facts) is held for staff review, whatever its header
// suggested, and its sender, when on the roster, gets a clarify note saying it was too
// large and how to send a link instead. Other decisions are left as they are. Pure.
void hold_oversized(judge::Decision& decision);

} // namespace mailroom::pipeline
