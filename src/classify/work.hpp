#pragma once

#include "message/facts.hpp"
#include "rules/course.hpp"

#include <string>
#include <vector>

// What in a mail can be a deliverable's work: the files and links the course file's
// `file_types` and `link_kinds` accept. Calendar invites, vCards, signature images,
// meeting links and links to mail archives never are.
namespace mailroom::classify {

// What a mail carries, sorted into work and the rest.
struct Carried {
  std::vector<const message::Attachment*> files; // of a type some deliverable accepts
  std::vector<const message::Link*> links;       // of a kind some deliverable accepts
  // What is not work, in words for staff: "invite.ics is a calendar invite".
  std::vector<std::string> not_work;
  // Files of a type no deliverable takes (not invites, cards or signature images): a
  // person should look at what they are.
  std::vector<const message::Attachment*> other_files;
};

// Sorts `facts`' attachments and links by what `course` accepts. The pointers point
// into `facts`.
[[nodiscard]] Carried sort_carried(const message::MessageFacts& facts, const rules::Course& course);

// The lower-case extension of a file name ("pdf"), or empty.
[[nodiscard]] std::string extension_of(std::string_view filename);

// Whether `deliverable` accepts `file` by its type; one that names no file types and no
// link kinds takes any file that can be work.
[[nodiscard]] bool accepts_file(const rules::Deliverable& deliverable,
                                const message::Attachment& file);

// Whether `deliverable` accepts `link` by its kind (as accepts_file for one that names
// none).
[[nodiscard]] bool accepts_link(const rules::Deliverable& deliverable, const message::Link& link);

} // namespace mailroom::classify
