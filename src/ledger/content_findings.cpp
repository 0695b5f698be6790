#include "ledger/content_findings.hpp"

#include "ledger/rows.hpp"

#include <map>
#include <utility>

namespace mailroom::ledger {

void write_findings(PreparedStatements& statements, pipeline::Id mail_id,
                    const std::vector<content::Finding>& findings) {
  statements.execute("DELETE FROM content_findings WHERE mail_id = ?", mail_id);
  for (const auto& finding : findings)
    statements.execute("INSERT INTO content_findings(mail_id, check_name, outcome, text) "
                       "VALUES(?, ?, ?, ?)",
                       mail_id, finding.check, content::to_string(finding.outcome), finding.text);
}

void read_findings(Poco::Data::Session& session, std::vector<pipeline::MailRow>& mails) {
  if (mails.empty())
    return;
  std::map<pipeline::Id, pipeline::MailRow*> by_id;
  for (auto& mail : mails)
    by_id[mail.id] = &mail;
  const auto found = select_rows(
      session, "SELECT mail_id, check_name, outcome, text FROM content_findings ORDER BY id",
      [](Poco::Data::RecordSet& rows) {
        return std::pair<pipeline::Id, content::Finding>{
            rows["mail_id"].convert<Poco::Int64>(),
            {rows["check_name"].convert<std::string>(),
             content::outcome_from_string(rows["outcome"].convert<std::string>()),
             rows["text"].convert<std::string>()}};
      });
  for (const auto& [mail_id, finding] : found)
    if (const auto it = by_id.find(mail_id); it != by_id.end())
      it->second->findings.push_back(finding);
}

} // namespace mailroom::ledger
