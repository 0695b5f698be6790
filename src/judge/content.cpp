#include "judge/content.hpp"

#include "content/checks.hpp"

namespace mailroom::judge {

void check_content(Decision& decision, std::string_view raw, const rules::Course& course,
                   const content::FileReader* reader) {
  const bool late = decision.judgement && decision.judgement->verdict == deadline::Verdict::late;
  decision.findings = content::check_submission(
      {decision.classification, decision.facts, raw, late}, course, reader);
}

} // namespace mailroom::judge
