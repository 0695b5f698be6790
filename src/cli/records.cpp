#include "cli/records.hpp"

#include "cli/findings_output.hpp"

namespace mailroom::cli {

std::string sender_of(const message::MessageFacts& facts) {
  if (facts.from.empty())
    return "";
  const auto& from = facts.from.front();
  return from.address;
}

namespace {

// How sure the classification is and why: its confidence, the rule that decided, where
// the lecture came from, the signals, the reasons for review and the content warnings.
void add_evidence(JsonObject& record, const judge::Decision& decision) {
  const auto& c = decision.classification;
  record.add("confidence", c.confidence);
  record.add("rule", c.rule);
  record.add("lecture_from", c.lecture_from.empty() ? std::nullopt : std::optional{c.lecture_from});
  record.add("signals", c.signals);
  record.add("review_reasons", c.review_reasons);
  record.add("warnings", findings_record(decision.findings));
}

} // namespace

JsonObject classification_record(const judge::Decision& decision) {
  const auto& c = decision.classification;
  JsonObject record;
  record.add("kind", c.kind);
  record.add("deliverable", c.deliverable);
  record.add("lecture", c.lecture ? std::optional{rules::iso_date(*c.lecture)} : std::nullopt);
  record.add("group", c.group);
  add_evidence(record, decision);
  return record;
}

JsonObject decision_record(const judge::Decision& decision) {
  const auto& c = decision.classification;
  JsonObject record;
  record.add("file", decision.file);
  record.add("message_id", decision.facts.message_id);
  record.add("from", sender_of(decision.facts));
  record.add("subject", decision.facts.subject);
  record.add("kind", c.kind);
  record.add("lecture", c.lecture ? std::optional{rules::iso_date(*c.lecture)} : std::nullopt);
  record.add("group", c.group);
  record.add("received_at", core::to_iso_utc(decision.received_at));
  record.add("due", decision.due ? std::optional{core::to_iso_utc(*decision.due)} : std::nullopt);
  const auto& judgement = decision.judgement;
  record.add("verdict",
             judgement ? std::optional{deadline::to_string(judgement->verdict)} : std::nullopt);
  record.add("late_by_seconds",
             judgement ? std::optional<std::int64_t>{judgement->late_by.count()} : std::nullopt);
  record.add("reply", judge::to_string(decision.reply));
  add_evidence(record, decision);
  return record;
}

JsonObject facts_record(const message::MessageFacts& facts) {
  JsonObject record;
  record.add("message_id", facts.message_id);
  record.add("from", sender_of(facts));
  record.add("from_name", facts.from.empty() ? std::string{} : facts.from.front().name);
  record.add("subject", facts.subject);
  record.add("date", facts.date_header);
  std::vector<JsonObject> attachments;
  for (const auto& file : facts.attachments) {
    JsonObject item;
    item.add("filename", file.filename);
    item.add("content_type", file.content_type);
    item.add("size", static_cast<std::int64_t>(file.size));
    item.add("sha256", file.sha256);
    attachments.push_back(std::move(item));
  }
  record.add("attachments", attachments);
  std::vector<JsonObject> links;
  for (const auto& link : facts.links) {
    JsonObject item;
    item.add("url", link.url);
    item.add("kind", message::to_string(link.kind));
    links.push_back(std::move(item));
  }
  record.add("links", links);
  record.add("automated", facts.automated);
  record.add("automated_reasons", facts.automated_reasons);
  record.add("limit_exceeded", facts.limit_exceeded);
  record.add("parse_errors", facts.parse_errors);
  record.add("size", static_cast<std::int64_t>(facts.size));
  record.add("sha256", facts.sha256);
  record.add("text", facts.text);
  return record;
}

} // namespace mailroom::cli
