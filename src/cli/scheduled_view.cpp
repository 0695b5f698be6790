#include "cli/scheduled_view.hpp"

#include "cli/output.hpp"

#include <fmt/format.h>

#include <iostream>

namespace mailroom::cli {

int print_scheduled(ledger::SqliteLedger& ledger,
                    const std::function<std::string(core::Instant)>& when, bool json) {
  auto rows = ledger.scheduled();
  if (!rows)
    return print_problem(rows.error());
  if (json) {
    for (const auto& row : *rows) {
      JsonObject record;
      record.add("kind", pipeline::to_string(row.kind));
      record.add("key", row.key);
      record.add("deliverable", row.deliverable);
      record.add("lecture", row.lecture);
      record.add("group", row.group);
      record.add("to", row.recipient_identity);
      record.add("planned_for", core::to_iso_utc(row.planned_for));
      record.add("queued_at", core::to_iso_utc(row.queued_at));
      record.add("late", row.late);
      record.add("message_id", row.message_id);
      record.add("subject", row.subject);
      record.add("states", row.states);
      std::cout << record.str() << "\n";
    }
    return 0;
  }
  if (rows->empty()) {
    std::cout << "No digest or reminder queued yet.\n";
    return 0;
  }
  Table table({"queued", "kind", "to", "for", "outbox", "subject"});
  for (const auto& row : *rows) {
    std::string states;
    for (const auto& state : row.states)
      states += (states.empty() ? "" : ", ") + state;
    table.add({when(row.queued_at) + (row.late ? " (late)" : ""), pipeline::to_string(row.kind),
               row.recipient_identity,
               row.group ? fmt::format("group {} {}{}", *row.group, row.deliverable.value_or(""),
                                       row.lecture ? " " + *row.lecture : "")
                         : row.key.substr(row.key.find(' ') + 1),
               states, row.subject});
  }
  table.print(std::cout);
  return 0;
}

} // namespace mailroom::cli
