#pragma once

#include "classify/classification.hpp"
#include "content/findings.hpp"
#include "content/reading.hpp"
#include "message/facts.hpp"
#include "rules/course.hpp"

#include <string_view>
#include <vector>

// The content checks a deliverable declares in the rules ([deliverable.X.checks]), and
// those every submission gets (an empty or oversized file, a type the deliverable does
// not take, a mail cut short), run on one classified mail.
namespace mailroom::content {

// One mail as the checks see it.
struct Submission {
  const classify::Classification& classification;
  const message::MessageFacts& facts;
  std::string_view raw; // the RFC 5322 bytes: the files are read from here
  bool late = false;    // the advice then says "as soon as you can", not "before the deadline"
};

// What the mail misses of what its deliverable asks, in the order the checks run; empty
// when it names no deliverable. Files (PDF pages and text, zip listings) are read through
// `reader`; without one, only what the mail itself shows is checked. Never throws; a
// reader that fails costs a check_failed finding. Pure but for the reader port.
[[nodiscard]] std::vector<Finding> check_submission(const Submission& submission,
                                                    const rules::Course& course,
                                                    const FileReader* reader);

// Why `raw` looks cut short in transit (a multipart without its closing boundary, a
// base64 body that ends mid-group); empty when it looks whole. Pure.
[[nodiscard]] std::string cut_short(std::string_view raw);

// The git repository links (GitHub, GitLab, a URL ending in .git) written in `text`, as
// written; by form only: whether the repository exists cannot be known offline. Pure.
[[nodiscard]] std::vector<std::string> git_links_in(std::string_view text);

} // namespace mailroom::content
