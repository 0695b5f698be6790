#pragma once

#include <Poco/Nullable.h>
#include <Poco/Types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <sqlite3.h>
#include <string>
#include <string_view>

namespace mailroom::ledger {

// The statements that run for every mail recorded (its lookups, its inserts, the
// savepoint around them), each prepared once per connection with sqlite3_prepare_v3 and
// SQLITE_PREPARE_PERSISTENT, and kept by its SQL text. Statements that run seldom stay
// with Poco::Data.
//
// Why raw sqlite3 and not kept Poco Statements: a kept Poco Statement binds by reference
// to variables that must outlive it (one set per statement, assigned before each run),
// and whether a second run prepares again is up to Poco's internal state machine. Here
// each run binds its own values, and resets its statement when it ends, so no statement
// stays active or holds a read snapshot after the call (VACUUM INTO and a checkpoint
// need that). Errors throw Poco's SQLite exceptions (Utility::throwException), as Poco's
// own statements do, so callers handle both alike.
//
// Uses the connection of a Poco session and must be destroyed before that session.
// One connection, one thread; a run of one SQL text ends before the next run of it starts.
class PreparedStatements {
public:
  explicit PreparedStatements(sqlite3* connection);

  // One run of a kept statement, with its values bound; resets the statement when it
  // ends. Columns count from 0.
  class Run {
  public:
    explicit Run(sqlite3_stmt* statement) : m_statement(statement) {}
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;
    ~Run() { sqlite3_reset(m_statement); }

    // Steps to the next row: false when there is none.
    [[nodiscard]] bool next();
    [[nodiscard]] std::int64_t integer(int column) const;
    [[nodiscard]] std::string text(int column) const;

  private:
    sqlite3_stmt* m_statement;
  };

  // Starts a run of `sql` (prepared on its first use) with `values` bound to its
  // parameters in order: text, integers, reals and Poco::Nullable ones (NULL when null).
  template <class... Values> [[nodiscard]] Run run(std::string_view sql, const Values&... values) {
    sqlite3_stmt* statement = prepared(sql);
    int index = 0;
    (bind(statement, ++index, values), ...);
    return Run(statement);
  }

  // Runs `sql` to its end, for a statement that returns no rows.
  template <class... Values> void execute(std::string_view sql, const Values&... values) {
    auto done = run(sql, values...);
    while (done.next()) {
    }
  }

  // The first column of the first row of `sql` (a count, an id); 0 when there is no row.
  template <class... Values>
  [[nodiscard]] std::int64_t integer(std::string_view sql, const Values&... values) {
    auto query = run(sql, values...);
    return query.next() ? query.integer(0) : 0;
  }

  [[nodiscard]] sqlite3* connection() const { return m_connection; }

private:
  struct Finalize {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };

  sqlite3_stmt* prepared(std::string_view sql);
  void bind(sqlite3_stmt* statement, int index, const std::string& value);
  void bind(sqlite3_stmt* statement, int index, std::int64_t value);
  void bind(sqlite3_stmt* statement, int index, double value);
  void bind(sqlite3_stmt* statement, int index, const Poco::Nullable<std::string>& value);
  void bind(sqlite3_stmt* statement, int index, const Poco::Nullable<Poco::Int64>& value);

  sqlite3* m_connection;
  std::map<std::string, std::unique_ptr<sqlite3_stmt, Finalize>, std::less<>> m_statements;
};

} // namespace mailroom::ledger
