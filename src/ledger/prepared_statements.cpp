#include "ledger/prepared_statements.hpp"

#include <Poco/Data/SQLite/Utility.h>

namespace mailroom::ledger {

using Poco::Data::SQLite::Utility;

namespace {

void check(sqlite3* connection, int code) {
  if (code != SQLITE_OK)
    Utility::throwException(connection, code);
}

} // namespace

PreparedStatements::PreparedStatements(sqlite3* connection) : m_connection(connection) {}

sqlite3_stmt* PreparedStatements::prepared(std::string_view sql) {
  if (const auto kept = m_statements.find(sql); kept != m_statements.end())
    return kept->second.get();
  sqlite3_stmt* statement = nullptr;
  const int code = sqlite3_prepare_v3(m_connection, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (code != SQLITE_OK) {
    sqlite3_finalize(statement);
    Utility::throwException(m_connection, code, std::string(sql));
  }
  m_statements.emplace(std::string(sql), statement);
  return statement;
}

void PreparedStatements::bind(sqlite3_stmt* statement, int index, const std::string& value) {
  check(m_connection, sqlite3_bind_text(statement, index, value.data(),
                                        static_cast<int>(value.size()), SQLITE_TRANSIENT));
}

void PreparedStatements::bind(sqlite3_stmt* statement, int index, std::int64_t value) {
  check(m_connection, sqlite3_bind_int64(statement, index, value));
}

void PreparedStatements::bind(sqlite3_stmt* statement, int index, double value) {
  check(m_connection, sqlite3_bind_double(statement, index, value));
}

void PreparedStatements::bind(sqlite3_stmt* statement, int index,
                              const Poco::Nullable<std::string>& value) {
  if (value.isNull())
    check(m_connection, sqlite3_bind_null(statement, index));
  else
    bind(statement, index, value.value());
}

void PreparedStatements::bind(sqlite3_stmt* statement, int index,
                              const Poco::Nullable<Poco::Int64>& value) {
  if (value.isNull())
    check(m_connection, sqlite3_bind_null(statement, index));
  else
    bind(statement, index, static_cast<std::int64_t>(value.value()));
}

bool PreparedStatements::Run::next() {
  const int code = sqlite3_step(m_statement);
  if (code == SQLITE_ROW)
    return true;
  if (code == SQLITE_DONE)
    return false;
  Utility::throwException(sqlite3_db_handle(m_statement), code);
  return false;
}

std::int64_t PreparedStatements::Run::integer(int column) const {
  return sqlite3_column_int64(m_statement, column);
}

std::string PreparedStatements::Run::text(int column) const {
  const auto* bytes = sqlite3_column_text(m_statement, column);
  if (!bytes)
    return "";
  return {reinterpret_cast<const char*>(bytes),
          static_cast<std::size_t>(sqlite3_column_bytes(m_statement, column))};
}

} // namespace mailroom::ledger
