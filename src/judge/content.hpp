#pragma once

#include "content/reading.hpp"
#include "judge/decision.hpp"
#include "rules/course.hpp"

#include <string_view>

namespace mailroom::judge {

// Runs the content checks of the deliverable `decision` names on its mail, `raw`, and
// keeps what they found in `decision.findings`, replacing what was there. The verdict,
// the kind and the reply stay as they are: a warning is advice, never a judgement. Files
// are read through `reader` (none: only what the mail itself shows). Pure but for the
// reader port.
void check_content(Decision& decision, std::string_view raw, const rules::Course& course,
                   const content::FileReader* reader);

} // namespace mailroom::judge
