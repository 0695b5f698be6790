#include "classify/classify.hpp"

#include "classify/mentions.hpp"
#include "deadline/deadline.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace mailroom::classify {

namespace {

using message::MessageFacts;
using rules::Course;
using rules::Date;
using rules::Deliverable;

// How much each kind of evidence counts towards naming a deliverable. A subject is
// what students are told to write; a body often chats about several things.
constexpr double k_subject_keyword = 0.6;
constexpr double k_filename_keyword = 0.4;
constexpr double k_body_keyword = 0.25;
constexpr double k_unique_type = 0.3; // a file type or link only one deliverable accepts
constexpr double k_shared_type = 0.1;
constexpr double k_schedule_agrees = 0.35; // the group owes this deliverable for the lecture named
constexpr double k_schedule_owes = 0.15;   // the group owes this deliverable at all

struct Evidence {
  std::string subject; // without Re:/Fwd:
  std::string body;    // the sender's own words
  std::vector<const message::Attachment*> files;
  std::vector<const message::Link*> links;
};

std::string extension_of(std::string_view filename) {
  const auto dot = filename.rfind('.');
  return dot == std::string_view::npos ? "" : util::lower(filename.substr(dot + 1));
}

bool is_signature_image(const message::Attachment& file) {
  return file.inline_disposition && file.content_type.starts_with("image/");
}

Evidence gather(const MessageFacts& facts) {
  Evidence evidence{strip_reply_prefixes(facts.subject), own_words(facts.text), {}, {}};
  for (const auto& file : facts.attachments)
    if (!is_signature_image(file))
      evidence.files.push_back(&file);
  for (const auto& link : facts.links)
    if (link.kind != message::LinkKind::other)
      evidence.links.push_back(&link);
  return evidence;
}

// How many deliverables accept a file type or link kind: one means it says which.
std::size_t accepting(const Course& course, const std::string& value, bool link) {
  return static_cast<std::size_t>(
      std::ranges::count_if(course.deliverables, [&](const Deliverable& d) {
        const auto& list = link ? d.link_kinds : d.file_types;
        return std::ranges::find(list, value) != list.end();
      }));
}

// The longest keyword of `deliverable` found in `text`, or empty.
std::string keyword_in(const Deliverable& deliverable, std::string_view text) {
  std::string best;
  for (const auto& keyword : deliverable.keywords)
    if (keyword.size() > best.size() && has_phrase(text, keyword))
      best = keyword;
  return best;
}

// Lectures students present that the mail names by date, weekday, paper or topic.
struct LectureMentions {
  std::vector<Date> by_date;
  std::vector<Date> by_title;
  std::vector<std::chrono::weekday> weekdays;
  std::vector<std::string> signals;
};

void add_once(std::vector<Date>& dates, Date date) {
  if (std::ranges::find(dates, date) == dates.end())
    dates.push_back(date);
}

LectureMentions find_lectures(const Course& course, const Evidence& evidence) {
  LectureMentions out;
  std::vector<std::pair<std::string, std::string>> texts{{"subject", evidence.subject}};
  for (const auto* file : evidence.files)
    texts.emplace_back("file name", file->filename);
  texts.emplace_back("body", evidence.body);
  for (const auto& [where, text] : texts) {
    for (const auto& mention : find_dates(text, course.year)) {
      const auto* lecture = course.lecture(mention.date);
      if (lecture && lecture->students_present) {
        add_once(out.by_date, mention.date);
        out.signals.push_back(fmt::format("{} names the lecture of {} (\"{}\")", where,
                                          rules::iso_date(mention.date), mention.as_written));
      }
    }
    for (const auto& lecture : course.lectures) {
      if (!lecture.students_present)
        continue;
      for (const auto& reading : lecture.readings) {
        const auto name = short_title(reading);
        const bool named = (!name.empty() && has_phrase(text, name)) ||
                           (reading.size() >= 12 && has_phrase(text, reading));
        if (named) {
          add_once(out.by_title, lecture.date);
          out.signals.push_back(fmt::format("{} names the paper \"{}\" of {}", where,
                                            name.empty() ? reading : name,
                                            rules::iso_date(lecture.date)));
        }
      }
    }
    if (where != "file name")
      for (const auto& mention : find_weekdays(text))
        if (std::ranges::find(out.weekdays, mention.day) == out.weekdays.end() &&
            std::ranges::find(course.class_days, mention.day) != course.class_days.end()) {
          out.weekdays.push_back(mention.day);
          out.signals.push_back(
              fmt::format("{} names a weekday (\"{}\")", where, mention.as_written));
        }
  }
  return out;
}

// Deadlines before class ("class_start - 24h") look forward from the arrival;
// the others look back at the lecture just given.
bool looks_forward(const Deliverable& deliverable) {
  return deliverable.due.anchor == rules::Anchor::class_start &&
         deliverable.due.offset.count() <= 0;
}

Date arrival_date(const Course& course, core::Instant received_at) {
  auto local = deadline::format_local_iso(received_at, course.zone);
  int y = 0;
  unsigned m = 0, d = 0;
  std::sscanf(local.c_str(), "%d-%u-%u", &y, &m, &d);
  return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// The lecture on `weekday` nearest the arrival, forward or back as the deliverable
// looks; among `candidates` when there are any.
std::optional<Date> resolve_weekday(const Course& course, const Deliverable& deliverable,
                                    std::chrono::weekday weekday, core::Instant received_at,
                                    const std::vector<Date>& candidates) {
  const auto today = std::chrono::sys_days{arrival_date(course, received_at)};
  std::optional<Date> best;
  long best_distance = 0;
  for (const auto& lecture : course.lectures) {
    const std::chrono::sys_days when{lecture.date};
    if (!lecture.students_present || std::chrono::weekday{when} != weekday)
      continue;
    if (!candidates.empty() && std::ranges::find(candidates, lecture.date) == candidates.end())
      continue;
    const long distance = (when - today).count();
    if (looks_forward(deliverable) ? distance < 0 : distance > 0)
      continue;
    if (!best || std::labs(distance) < best_distance) {
      best = lecture.date;
      best_distance = std::labs(distance);
    }
  }
  return best;
}

// With nothing named, the group's own schedule decides: the lecture it owes next
// (slides) or the one it just heard (summary).
std::optional<Date> lecture_from_schedule(const Course& course, const Deliverable& deliverable,
                                          const std::vector<Date>& assigned,
                                          core::Instant received_at) {
  if (assigned.empty())
    return std::nullopt;
  if (assigned.size() == 1)
    return assigned.front();
  std::optional<Date> before, after;
  for (const auto& date : assigned) {
    auto due = deadline::due_at(course, deliverable, date);
    if (!due)
      continue;
    auto start = deadline::local_instant(course, date, course.class_start);
    if (!start)
      continue;
    if (*start <= received_at)
      before = date;
    else if (!after)
      after = date;
  }
  if (looks_forward(deliverable))
    return after ? after : before;
  return before ? before : after;
}

struct Candidate {
  const Deliverable* deliverable = nullptr;
  double score = 0;
  std::vector<std::string> signals;
  bool named = false; // a keyword names it (not only file types)
};

Candidate score_deliverable(const Course& course, const Deliverable& deliverable,
                            const Evidence& evidence) {
  Candidate candidate{&deliverable, 0, {}, false};
  if (auto keyword = keyword_in(deliverable, evidence.subject); !keyword.empty()) {
    candidate.score += k_subject_keyword;
    candidate.named = true;
    candidate.signals.push_back(fmt::format("subject says \"{}\"", keyword));
  }
  for (const auto* file : evidence.files) {
    if (auto keyword = keyword_in(deliverable, file->filename); !keyword.empty()) {
      candidate.score += k_filename_keyword;
      candidate.named = true;
      candidate.signals.push_back(fmt::format("file name {} says \"{}\"", file->filename, keyword));
      break;
    }
  }
  if (!candidate.named)
    if (auto keyword = keyword_in(deliverable, evidence.body); !keyword.empty()) {
      candidate.score += k_body_keyword;
      candidate.named = true;
      candidate.signals.push_back(fmt::format("body says \"{}\"", keyword));
    }
  double type_score = 0;
  for (const auto* file : evidence.files) {
    const auto ext = extension_of(file->filename);
    if (std::ranges::find(deliverable.file_types, ext) == deliverable.file_types.end())
      continue;
    const double score = accepting(course, ext, false) == 1 ? k_unique_type : k_shared_type;
    if (score > type_score) {
      type_score = score;
      candidate.signals.push_back(fmt::format("attachment {} is a .{} file", file->filename, ext));
    }
  }
  for (const auto* link : evidence.links) {
    const auto kind = message::to_string(link->kind);
    if (std::ranges::find(deliverable.link_kinds, kind) == deliverable.link_kinds.end())
      continue;
    const double score = accepting(course, kind, true) == 1 ? k_unique_type : k_shared_type;
    if (score > type_score) {
      type_score = score;
      candidate.signals.push_back(fmt::format("a {} link", kind));
    }
  }
  candidate.score += type_score;
  return candidate;
}

bool is_question(const Course& course, const Evidence& evidence) {
  const auto text = evidence.subject + "\n" + evidence.body;
  for (const auto& word : course.classify.question_words)
    if (word == "?" ? text.find('?') != std::string::npos : has_phrase(text, word))
      return true;
  return false;
}

bool is_reply_to_mailroom(const Course& course, const MessageFacts& facts) {
  if (!facts.x_mailroom_loop.empty())
    return true;
  const auto subject = util::trim(facts.subject);
  for (const auto& prefix : course.classify.own_reply_prefixes)
    if (util::starts_with_icase(strip_reply_prefixes(subject), prefix) ||
        util::starts_with_icase(subject, prefix))
      return true;
  std::vector<std::string> ids = facts.references;
  ids.push_back(facts.in_reply_to);
  return std::ranges::any_of(
      ids, [](const std::string& id) { return util::contains_icase(id, "@mailroom."); });
}

bool is_drive_share(const MessageFacts& facts) {
  if (facts.from.size() != 1)
    return false;
  const auto address = util::lower(facts.from.front().address);
  return address.starts_with("drive-shares") && address.ends_with("@google.com");
}

Classification kind_only(std::string kind, std::string signal) {
  Classification result;
  result.kind = std::move(kind);
  result.confidence = 1.0;
  result.signals.push_back(std::move(signal));
  return result;
}

void needs_review(Classification& result, std::string reason) {
  result.kind = k_needs_review;
  result.review_reasons.push_back(std::move(reason));
}

// Which lecture a per-lecture deliverable is for, and whether the group owes it.
void settle_lecture(const Course& course, const Deliverable& deliverable, const Evidence& evidence,
                    core::Instant received_at, Classification& result, double& score) {
  const auto mentions = find_lectures(course, evidence);
  const auto assigned = course.lectures_assigned(deliverable, *result.group);
  std::vector<Date> named = mentions.by_date.empty() ? mentions.by_title : mentions.by_date;
  result.signals.insert(result.signals.end(), mentions.signals.begin(), mentions.signals.end());
  if (named.size() > 1) {
    // Several lectures named: keep the ones this group owes, if that settles it.
    std::vector<Date> owed;
    for (const auto& date : named)
      if (std::ranges::find(assigned, date) != assigned.end())
        owed.push_back(date);
    if (owed.size() == 1)
      named = owed;
  }
  if (named.size() == 1) {
    result.lecture = named.front();
  } else if (named.size() > 1) {
    result.lecture = named.front();
    needs_review(result, fmt::format("the mail names {} lectures", named.size()));
    return;
  } else if (!mentions.weekdays.empty()) {
    result.lecture =
        resolve_weekday(course, deliverable, mentions.weekdays.front(), received_at, assigned);
    if (!result.lecture)
      result.lecture =
          resolve_weekday(course, deliverable, mentions.weekdays.front(), received_at, {});
    if (result.lecture)
      result.signals.push_back(
          fmt::format("the weekday resolves to {}", rules::iso_date(*result.lecture)));
  }
  if (!result.lecture) {
    result.lecture = lecture_from_schedule(course, deliverable, assigned, received_at);
    if (!result.lecture) {
      needs_review(result, fmt::format("no lecture is named and group {} is assigned no {}",
                                       *result.group, deliverable.name));
      return;
    }
    result.signals.push_back(fmt::format("group {} owes {} for {} by the schedule", *result.group,
                                         deliverable.name, rules::iso_date(*result.lecture)));
    score += k_schedule_owes;
    return;
  }
  const auto owners = course.groups_assigned(deliverable, *result.lecture);
  if (std::ranges::find(owners, *result.group) != owners.end()) {
    score += k_schedule_agrees;
    result.signals.push_back(fmt::format("group {} is assigned {} for {}", *result.group,
                                         deliverable.name, rules::iso_date(*result.lecture)));
  } else if (!owners.empty()) {
    needs_review(result,
                 fmt::format("group {} is not assigned {} for {} (group {} is)", *result.group,
                             deliverable.name, rules::iso_date(*result.lecture), owners.front()));
  } else {
    score += k_schedule_owes;
    result.signals.push_back(fmt::format("no group is assigned {} for {} yet", deliverable.name,
                                         rules::iso_date(*result.lecture)));
  }
}

} // namespace

Classification classify(const MessageFacts& facts, const Course& course,
                        core::Instant received_at) {
  if (facts.from.size() != 1 || facts.from_fields > 1) {
    auto result = kind_only(k_needs_review, fmt::format("{} From mailboxes in {} From fields",
                                                        facts.from.size(), facts.from_fields));
    result.review_reasons.push_back("the sender cannot be told: not exactly one From address");
    result.confidence = 0;
    return result;
  }
  const auto& address = facts.from.front().address;
  auto students = course.students_with_email(address);
  if (students.empty() && is_drive_share(facts) && facts.reply_to)
    students = course.students_with_email(facts.reply_to->address);
  if (students.empty())
    return kind_only(k_unknown_sender, fmt::format("{} is not on the roster", address));
  const bool drive_share = is_drive_share(facts);
  if (facts.automated) {
    auto result = kind_only(k_not_a_submission, "automated mail");
    result.signals.insert(result.signals.end(), facts.automated_reasons.begin(),
                          facts.automated_reasons.end());
    return result;
  }
  if (is_reply_to_mailroom(course, facts))
    return kind_only(k_not_a_submission, "a reply to mailroom's own mail");

  Classification result;
  result.group = students.front()->group;
  result.student_email = students.front()->email;
  result.student_name = students.front()->name;
  result.signals.push_back(fmt::format("{} is {} of group {}", address, students.front()->name,
                                       students.front()->group));
  for (const auto& limit : facts.limit_exceeded)
    needs_review(result, limit);

  const auto evidence = gather(facts);
  const bool carries_work = !evidence.files.empty() || !evidence.links.empty();
  std::vector<Candidate> candidates;
  for (const auto& deliverable : course.deliverables)
    candidates.push_back(score_deliverable(course, deliverable, evidence));
  // A group that owes a per-lecture deliverable makes that one likelier.
  for (auto& candidate : candidates)
    if (candidate.score > 0 && candidate.deliverable->per_lecture &&
        !course.lectures_assigned(*candidate.deliverable, *result.group).empty())
      candidate.score += 0.05;
  std::ranges::stable_sort(candidates, std::greater{}, &Candidate::score);
  const auto& best = candidates.front();

  if (!carries_work) {
    if (best.named && !is_question(course, evidence)) {
      result.deliverable = best.deliverable->name;
      result.signals.insert(result.signals.end(), best.signals.begin(), best.signals.end());
      needs_review(result,
                   fmt::format("it names {} but carries no file or link", best.deliverable->name));
      result.confidence = 0.3;
      return result;
    }
    auto plain = kind_only(k_not_a_submission, "no attachment and no document link");
    plain.group = result.group;
    plain.student_email = result.student_email;
    plain.student_name = result.student_name;
    if (best.named)
      plain.signals.push_back(
          fmt::format("it mentions {} but reads as a question", best.deliverable->name));
    return plain;
  }
  if (best.score <= 0) {
    needs_review(result, "nothing says which deliverable this is");
    result.confidence = 0;
    return result;
  }
  if (candidates.size() > 1 && candidates[1].score == best.score && best.score < 0.6)
    result.review_reasons.push_back(fmt::format("{} and {} fit equally", best.deliverable->name,
                                                candidates[1].deliverable->name));

  const auto& deliverable = *best.deliverable;
  result.deliverable = deliverable.name;
  result.signals.insert(result.signals.end(), best.signals.begin(), best.signals.end());
  double score = best.score;
  if (deliverable.per_lecture)
    settle_lecture(course, deliverable, evidence, received_at, result, score);
  for (const auto* file : evidence.files)
    if (file->winmail_dat)
      needs_review(result, "Outlook sent its attachments wrapped in winmail.dat");
  if (drive_share)
    needs_review(result, "a Google Drive share notice, not the student's own mail");
  result.confidence = std::min(1.0, score);
  if (!result.review_reasons.empty() && result.kind != k_needs_review &&
      result.confidence >= course.classify.confidence_bar)
    result.review_reasons.clear();
  if (result.kind != k_needs_review) {
    if (result.confidence < course.classify.confidence_bar)
      needs_review(result, fmt::format("confidence {:.2f} is below the bar of {:.2f}",
                                       result.confidence, course.classify.confidence_bar));
    else
      result.kind = deliverable.name;
  }
  return result;
}

} // namespace mailroom::classify
