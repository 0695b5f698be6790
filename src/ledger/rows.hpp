#pragma once

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <string>
#include <type_traits>
#include <vector>

namespace mailroom::ledger {

// Runs the query `sql` with `arguments` bound to its placeholders in order, and returns
// what `row_from` makes of each result row, in the order SQLite yields them. `row_from`
// reads the RecordSet's current row (by column name). The arguments are bound by
// reference: they must outlive the call, which they do. Poco's exceptions pass through.
template <class RowFrom, class... Arguments>
[[nodiscard]] auto select_rows(Poco::Data::Session& session, const std::string& sql,
                               RowFrom&& row_from, const Arguments&... arguments) {
  using Row = std::decay_t<std::invoke_result_t<RowFrom&, Poco::Data::RecordSet&>>;
  Poco::Data::Statement select(session);
  select << sql;
  ((select, Poco::Data::Keywords::useRef(arguments)), ...);
  select.execute();
  Poco::Data::RecordSet rows(select);
  std::vector<Row> out;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext())
    out.push_back(row_from(rows));
  return out;
}

} // namespace mailroom::ledger
