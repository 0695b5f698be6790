#include "classify/classify.hpp"

#include "classify/lecture_words.hpp"
#include "classify/mentions.hpp"
#include "classify/wording.hpp"
#include "classify/work.hpp"
#include "deadline/deadline.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>

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
// The schedule's guess of a lecture the mail does not name is never certain.
constexpr double k_guess_confidence = 0.7;
// What a decision left to staff is worth, at most.
constexpr double k_review_confidence = 0.5;
// Named lectures: the strongest must outweigh the next by this factor to decide alone.
constexpr double k_clear_lead = 1.5;
// Revised slides within this many days of a talk the group gave may be of that talk.
constexpr int k_revision_days = 7;

struct Evidence {
  std::string subject;                           // without Re:/Fwd:
  std::string body;                              // the sender's own words
  std::vector<const message::Attachment*> files; // work: of a type some deliverable takes
  std::vector<const message::Link*> links;       // work: of a kind some deliverable takes
  std::vector<std::string> not_work;
};

Evidence gather(const MessageFacts& facts, const Carried& carried) {
  return Evidence{strip_reply_prefixes(facts.subject), own_words(facts.text), carried.files,
                  carried.links, carried.not_work};
}

// How many deliverables accept a file type or link kind: one means it says which.
std::size_t accepting_file(const Course& course, const message::Attachment& file) {
  return static_cast<std::size_t>(std::ranges::count_if(
      course.deliverables, [&](const Deliverable& d) { return accepts_file(d, file); }));
}
std::size_t accepting_link(const Course& course, const message::Link& link) {
  return static_cast<std::size_t>(std::ranges::count_if(
      course.deliverables, [&](const Deliverable& d) { return accepts_link(d, link); }));
}

// The longest keyword of `deliverable` found in `text`, or empty.
std::string keyword_in(const Deliverable& deliverable, std::string_view text) {
  std::string best;
  for (const auto& keyword : deliverable.keywords)
    if (keyword.size() > best.size() && has_phrase(text, keyword))
      best = keyword;
  return best;
}

std::vector<Passage> passages_of(const Evidence& evidence) {
  std::vector<Passage> passages{{"subject", evidence.subject, 1.0}};
  for (const auto* file : evidence.files)
    passages.push_back({"file name " + file->filename, file->filename, 0.9});
  passages.push_back({"body", evidence.body, 0.6});
  return passages;
}

// Deadlines before class ("class_start - 24h") look forward from the arrival;
// the others look back at the lecture just given.
bool looks_forward(const Deliverable& deliverable) {
  return deliverable.due.anchor == rules::Anchor::class_start &&
         deliverable.due.offset.count() <= 0;
}

std::optional<core::Instant> class_start_of(const Course& course, Date date) {
  auto start = deadline::local_instant(course, date, course.class_start);
  return start ? std::optional{*start} : std::nullopt;
}

// The lecture on `weekday` nearest the arrival, `forward` or back; among `candidates`
// when there are any.
std::optional<Date> resolve_weekday(const Course& course, bool forward,
                                    std::chrono::weekday weekday, core::Instant received_at,
                                    const std::vector<Date>& candidates) {
  const auto today = std::chrono::sys_days{local_date(course, received_at)};
  std::optional<Date> best;
  long best_distance = 0;
  for (const auto& lecture : course.lectures) {
    const std::chrono::sys_days when{lecture.date};
    if (!lecture.students_present || std::chrono::weekday{when} != weekday)
      continue;
    if (!candidates.empty() && std::ranges::find(candidates, lecture.date) == candidates.end())
      continue;
    const long distance = (when - today).count();
    if (forward ? distance < 0 : distance > 0)
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
    auto start = class_start_of(course, date);
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

std::string dates_text(const std::vector<Date>& dates) {
  std::string out;
  for (const auto& date : dates)
    out += (out.empty() ? "" : ", ") + deadline::format_day(date);
  return out;
}

// "group 2 owes slides for Tue Sep 16, Thu Oct 9", or that it owes none.
std::string owed_text(const Deliverable& deliverable, const std::string& group,
                      const std::vector<Date>& assigned) {
  if (assigned.empty())
    return fmt::format("group {} is assigned no {} yet", group, deliverable.name);
  return fmt::format("group {} owes {} for {}", group, deliverable.name, dates_text(assigned));
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
    if (!accepts_file(deliverable, *file))
      continue;
    const double score = accepting_file(course, *file) == 1 ? k_unique_type : k_shared_type;
    if (score > type_score) {
      type_score = score;
      candidate.signals.push_back(
          fmt::format("attachment {} is a .{} file", file->filename, extension_of(file->filename)));
    }
  }
  for (const auto* link : evidence.links) {
    if (!accepts_link(deliverable, *link))
      continue;
    const double score = accepting_link(course, *link) == 1 ? k_unique_type : k_shared_type;
    if (score > type_score) {
      type_score = score;
      candidate.signals.push_back(fmt::format("a {} link", message::to_string(link->kind)));
    }
  }
  candidate.score += type_score;
  return candidate;
}

bool is_reply_to_mailroom(const Course& course, const MessageFacts& facts) {
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

// Whether every work file of a reply is one the quoted receipt lists by its SHA-256: the
// original sent back, not a new version.
bool only_quoted_files(const MessageFacts& facts, const Evidence& evidence) {
  return std::ranges::all_of(evidence.files, [&](const message::Attachment* file) {
    return !file->sha256.empty() && util::contains_icase(facts.text, file->sha256);
  });
}

bool is_drive_share(const MessageFacts& facts) {
  if (facts.from.size() != 1)
    return false;
  const auto address = util::lower(facts.from.front().address);
  return address.starts_with("drive-shares") && address.ends_with("@google.com");
}

Classification kind_only(std::string kind, std::string signal, std::string rule) {
  Classification result;
  result.kind = std::move(kind);
  result.confidence = 1.0;
  result.rule = std::move(rule);
  result.signals.push_back(std::move(signal));
  return result;
}

void needs_review(Classification& result, std::string reason) {
  result.kind = k_needs_review;
  result.review_reasons.push_back(std::move(reason));
}

void decide_by(Classification& result, std::string rule) {
  result.rule = std::move(rule);
}

// Which lecture a per-lecture deliverable is for, and whether the group owes it. The
// mail's own words first; the schedule's guess only when they name no lecture at all.
void settle_lecture(const Course& course, const Deliverable& deliverable, const Evidence& evidence,
                    core::Instant received_at, Classification& result, double& score) {
  const auto words = find_lecture_words(course, passages_of(evidence), received_at);
  const auto assigned = course.lectures_assigned(deliverable, *result.group);
  result.signals.insert(result.signals.end(), words.signals.begin(), words.signals.end());
  const auto revision = revision_phrase(evidence.subject + "\n" + evidence.body);

  std::vector<std::pair<Date, double>> named(words.weight.begin(), words.weight.end());
  if (named.size() > 1) {
    // Several lectures named: keep the ones this group owes, then those on a weekday
    // the mail names, if that narrows it.
    std::vector<std::pair<Date, double>> owed;
    for (const auto& entry : named)
      if (std::ranges::find(assigned, entry.first) != assigned.end())
        owed.push_back(entry);
    if (!owed.empty())
      named = owed;
  }
  const bool only_shared = std::ranges::none_of(named, [&](const auto& entry) {
    return std::ranges::find(words.specific, entry.first) != words.specific.end();
  });
  if (named.size() > 1 && only_shared && std::ranges::none_of(named, [&](const auto& entry) {
        return std::ranges::find(assigned, entry.first) != assigned.end();
      })) {
    // A body's passing topic or week that several lectures share, none of them the
    // group's, names none.
    result.signals.push_back(fmt::format("the body's topic or week names {} lectures, none "
                                         "that group {} owes: it decides nothing",
                                         named.size(), *result.group));
    named.clear();
  }
  if (named.size() > 1 && !words.weekdays.empty()) {
    std::vector<std::pair<Date, double>> on_day;
    for (const auto& entry : named)
      if (std::ranges::find(words.weekdays, std::chrono::weekday{std::chrono::sys_days{
                                                entry.first}}) != words.weekdays.end())
        on_day.push_back(entry);
    if (!on_day.empty())
      named = on_day;
  }
  std::ranges::stable_sort(named, std::greater{}, &std::pair<Date, double>::second);
  if (named.size() > 1 && named[0].second < k_clear_lead * named[1].second) {
    result.lecture = named.front().first;
    result.lecture_from = "the mail's words";
    std::vector<Date> dates;
    for (const auto& entry : named)
      dates.push_back(entry.first);
    decide_by(result, "several-lectures");
    needs_review(result,
                 fmt::format("the mail names {} lectures ({}); {}", named.size(), dates_text(dates),
                             owed_text(deliverable, *result.group, assigned)));
    return;
  }
  if (!named.empty()) {
    result.lecture = named.front().first;
    result.lecture_from = "the mail's words";
    decide_by(result, "lecture-named");
    const bool by_date = std::ranges::find(words.by_date, *result.lecture) != words.by_date.end();
    if (words.unmatched_in_subject_or_file && !by_date) {
      decide_by(result, "unmatched-day");
      needs_review(result, fmt::format("{}; the other words name {}", words.unmatched.front(),
                                       deadline::format_day(*result.lecture)));
      return;
    }
  } else if (!words.unmatched.empty()) {
    decide_by(result, "unmatched-day");
    needs_review(result, fmt::format("{}, so it names no lecture; {}", words.unmatched.front(),
                                     owed_text(deliverable, *result.group, assigned)));
    return;
  } else if (!words.weekdays.empty()) {
    // Revised work names the weekday of the talk given, not of one to come.
    const bool forward = looks_forward(deliverable) && revision.empty();
    result.lecture =
        resolve_weekday(course, forward, words.weekdays.front(), received_at, assigned);
    if (!result.lecture)
      result.lecture = resolve_weekday(course, forward, words.weekdays.front(), received_at, {});
    if (result.lecture) {
      result.lecture_from = "the mail's words";
      decide_by(result, "lecture-weekday");
      result.signals.push_back(
          fmt::format("the weekday resolves to {}", rules::iso_date(*result.lecture)));
    }
  }
  if (!result.lecture) {
    if (!revision.empty() && looks_forward(deliverable)) {
      // Slides revised after the talk belong to the talk given, never to one to come.
      std::optional<Date> given, coming;
      for (const auto& date : assigned) {
        const auto start = class_start_of(course, date);
        if (start && *start <= received_at)
          given = date;
        else if (start && !coming)
          coming = date;
      }
      const bool recent = given && std::chrono::sys_days{local_date(course, received_at)} -
                                           std::chrono::sys_days{*given} <=
                                       std::chrono::days{k_revision_days};
      if (recent) {
        result.lecture = given;
        result.lecture_from = "the mail's words";
        decide_by(result, "revised-after-talk");
        result.signals.push_back(
            fmt::format("it says \"{}\" and names no lecture: the {} group {} gave on {}", revision,
                        deliverable.name, *result.group, deadline::format_day(*given)));
        if (coming) {
          needs_review(result, fmt::format("it says \"{}\" and names no lecture: the {} of {} "
                                           "(given) or of {} (to come)?",
                                           revision, deliverable.name, deadline::format_day(*given),
                                           deadline::format_day(*coming)));
          return;
        }
        score += k_schedule_owes;
        return;
      }
    }
    result.lecture = lecture_from_schedule(course, deliverable, assigned, received_at);
    if (!result.lecture) {
      decide_by(result, "nothing-assigned");
      needs_review(result, fmt::format("no lecture is named and group {} is assigned no {}",
                                       *result.group, deliverable.name));
      return;
    }
    result.lecture_from = "the schedule's guess";
    decide_by(result, "schedule-guess");
    result.signals.push_back(fmt::format("guess: the mail names no lecture; group {} owes {} for "
                                         "{} by the schedule",
                                         *result.group, deliverable.name,
                                         rules::iso_date(*result.lecture)));
    score = std::min(score + k_schedule_owes, k_guess_confidence);
    return;
  }
  const auto owners = course.groups_assigned(deliverable, *result.lecture);
  if (std::ranges::find(owners, *result.group) != owners.end()) {
    score += k_schedule_agrees;
    result.signals.push_back(fmt::format("group {} is assigned {} for {}", *result.group,
                                         deliverable.name, rules::iso_date(*result.lecture)));
  } else if (!owners.empty()) {
    decide_by(result, "not-assigned");
    needs_review(result,
                 fmt::format("group {} is not assigned {} for {} (group {} is); {}", *result.group,
                             deliverable.name, rules::iso_date(*result.lecture), owners.front(),
                             owed_text(deliverable, *result.group, assigned)));
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
    auto result = kind_only(
        k_needs_review,
        fmt::format("{} From mailboxes in {} From fields", facts.from.size(), facts.from_fields),
        "unclear-sender");
    result.review_reasons.push_back("the sender cannot be told: not exactly one From address");
    result.confidence = 0;
    return result;
  }
  const auto& address = facts.from.front().address;
  auto students = course.students_with_email(address);
  if (students.empty() && is_drive_share(facts) && facts.reply_to)
    students = course.students_with_email(facts.reply_to->address);
  if (students.empty())
    return kind_only(k_unknown_sender, fmt::format("{} is not on the roster", address),
                     "unknown-sender");
  const bool drive_share = is_drive_share(facts);
  if (facts.automated) {
    auto result = kind_only(k_not_a_submission, "automated mail", "automated");
    result.signals.insert(result.signals.end(), facts.automated_reasons.begin(),
                          facts.automated_reasons.end());
    return result;
  }
  if (!facts.x_mailroom_loop.empty())
    return kind_only(k_not_a_submission, "mailroom's own mail, come back", "reply-to-mailroom");

  const auto carried = sort_carried(facts, course);
  const auto evidence = gather(facts, carried);
  // RFC 3834 headers were the first test; an auto-reply without them still says what it is.
  if (evidence.files.empty())
    if (auto away = out_of_office(evidence.subject, evidence.body))
      return kind_only(k_not_a_submission, *away, "out-of-office");
  const bool reply_to_mailroom = is_reply_to_mailroom(course, facts);
  if (reply_to_mailroom && (evidence.files.empty() || only_quoted_files(facts, evidence)))
    return kind_only(k_not_a_submission,
                     evidence.files.empty()
                         ? "a reply to mailroom's own mail, with no new file"
                         : "a reply to mailroom's own mail whose files are the ones it listed",
                     "reply-to-mailroom");

  Classification result;
  result.group = students.front()->group;
  result.student_email = students.front()->email;
  result.student_name = students.front()->name;
  result.signals.push_back(fmt::format("{} is {} of group {}", address, students.front()->name,
                                       students.front()->group));
  if (reply_to_mailroom) {
    result.replaces_earlier = true;
    result.signals.push_back(
        "a reply to mailroom's receipt with new files: a new version that replaces the earlier");
  }
  for (const auto& limit : facts.limit_exceeded)
    needs_review(result, limit);
  if (facts.body_unread) {
    // Its files and words are unknown, so no automatic answer could be right about them.
    decide_by(result, "body-unread");
    needs_review(result, "the mail's body could not be read, only its header: staff read the "
                         "archived mail");
    result.staff_answers = true;
    result.confidence = 0;
    return result;
  }
  for (const auto& what : evidence.not_work)
    result.signals.push_back("not work: " + what);

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
  const auto question =
      question_sentence(evidence.subject + "\n" + evidence.body, course.classify.question_words);

  const bool winmail = std::ranges::any_of(
      facts.attachments, [](const message::Attachment& file) { return file.winmail_dat; });
  if (!carries_work && winmail) {
    decide_by(result, "winmail");
    needs_review(result, "Outlook sent its attachments wrapped in winmail.dat");
    result.confidence = 0;
    return result;
  }
  if (!carries_work) {
    if (best.named && question.empty()) {
      result.deliverable = best.deliverable->name;
      result.signals.insert(result.signals.end(), best.signals.begin(), best.signals.end());
      decide_by(result, "names-but-no-work");
      needs_review(result, evidence.not_work.empty()
                               ? fmt::format("it names {} but carries no file or link",
                                             best.deliverable->name)
                               : fmt::format("it names {} but carries no work: {}",
                                             best.deliverable->name, evidence.not_work.front()));
      result.confidence = 0.3;
      return result;
    }
    if (!carried.other_files.empty()) {
      decide_by(result, "nothing-accepted");
      needs_review(result, fmt::format("it carries no work: {}", evidence.not_work.front()));
      result.confidence = 0;
      return result;
    }
    auto plain = kind_only(k_not_a_submission, "no attachment and no document link", "no-work");
    plain.group = result.group;
    plain.student_email = result.student_email;
    plain.student_name = result.student_name;
    if (best.named)
      plain.signals.push_back(
          fmt::format("it mentions {} but reads as a question", best.deliverable->name));
    return plain;
  }
  if (best.score <= 0) {
    decide_by(result, "no-deliverable");
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
  const bool has_files = std::ranges::any_of(
      evidence.files, [&](const auto* file) { return accepts_file(deliverable, *file); });
  const bool has_links = std::ranges::any_of(
      evidence.links, [&](const auto* link) { return accepts_link(deliverable, *link); });
  if (!has_files && !has_links) {
    decide_by(result, "nothing-accepted");
    needs_review(result, fmt::format("it names {} but carries nothing {} takes{}", deliverable.name,
                                     deliverable.name,
                                     evidence.not_work.empty() ? std::string{}
                                                               : ": " + evidence.not_work.front()));
    result.confidence = 0.3;
    return result;
  }
  // A question with a link asks about the work; it hands it in only with the files, or
  // when it says so.
  const auto submits =
      submits_phrase(evidence.subject + "\n" + evidence.body, course.classify.question_words);
  if (!question.empty() && !has_files && submits.empty()) {
    decide_by(result, "question-with-link");
    result.staff_answers = true;
    needs_review(result, fmt::format("it asks a question (\"{}\") and carries a link but no "
                                     "{} file: staff answer it; it is not recorded as {}",
                                     question, deliverable.name, deliverable.name));
    result.confidence = 0.3;
    return result;
  }
  if (!submits.empty())
    result.signals.push_back(fmt::format("it says \"{}\"", submits));
  double score = best.score;
  decide_by(result, "deliverable-named");
  if (deliverable.per_lecture)
    settle_lecture(course, deliverable, evidence, received_at, result, score);
  for (const auto* file : evidence.files)
    if (file->winmail_dat)
      needs_review(result, "Outlook sent its attachments wrapped in winmail.dat");
  if (drive_share)
    needs_review(result, "a Google Drive share notice, not the student's own mail");
  result.confidence = std::min(1.0, score);
  // Doubt about the lecture is doubt about the whole decision.
  if (result.kind == k_needs_review)
    result.confidence = std::min(result.confidence, k_review_confidence);
  if (!result.review_reasons.empty() && result.kind != k_needs_review &&
      result.confidence >= course.classify.confidence_bar)
    result.review_reasons.clear();
  if (result.kind != k_needs_review) {
    if (result.confidence < course.classify.confidence_bar) {
      decide_by(result, "below-bar");
      needs_review(result, fmt::format("confidence {:.2f} is below the bar of {:.2f}",
                                       result.confidence, course.classify.confidence_bar));
    } else {
      result.kind = deliverable.name;
    }
  }
  if (!result.lecture_from.empty())
    result.signals.push_back("lecture from " + result.lecture_from);
  return result;
}

} // namespace mailroom::classify
