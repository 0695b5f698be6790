#include "daemon/status_file.hpp"

#include "archive/archive.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace mailroom::daemon {

namespace {

void set_instant(Poco::JSON::Object& object, const std::string& key,
                 const std::optional<core::Instant>& value) {
  if (value)
    object.set(key, core::to_iso_utc(*value));
  else
    object.set(key, Poco::Dynamic::Var());
}

std::optional<core::Instant> instant_of(const Poco::JSON::Object& object, const std::string& key) {
  if (!object.has(key) || object.isNull(key))
    return std::nullopt;
  return core::parse_iso(object.getValue<std::string>(key));
}

} // namespace

std::filesystem::path status_path(const std::filesystem::path& state_dir) {
  return state_dir / "daemon-status";
}

core::Result<void> write_status(const std::filesystem::path& path, const DaemonStatus& status) {
  Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
  object.set("pid", static_cast<Poco::Int64>(status.pid));
  object.set("mailbox", status.mailbox);
  object.set("started_at", core::to_iso_utc(status.started_at));
  set_instant(object, "last_poll_at", status.last_poll_at);
  object.set("outcome", status.outcome);
  object.set("recorded", static_cast<Poco::UInt64>(status.recorded));
  object.set("known", static_cast<Poco::UInt64>(status.known));
  object.set("failed", static_cast<Poco::UInt64>(status.failed));
  object.set("connection", status.connection);
  object.set("failures_in_a_row", status.failures_in_a_row);
  set_instant(object, "next_poll_at", status.next_poll_at);
  set_instant(object, "stopped_at", status.stopped_at);
  std::ostringstream text;
  object.stringify(text);
  text << "\n";
  return archive::replace_atomically(path, text.str());
}

core::Result<std::optional<DaemonStatus>> read_status(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error))
    return std::optional<DaemonStatus>{};
  auto text = archive::read_all(path);
  if (!text)
    return std::unexpected(text.error());
  try {
    const auto object = Poco::JSON::Parser().parse(*text).extract<Poco::JSON::Object::Ptr>();
    DaemonStatus status;
    status.pid = static_cast<long>(object->getValue<Poco::Int64>("pid"));
    status.mailbox = object->getValue<std::string>("mailbox");
    status.started_at = instant_of(*object, "started_at").value_or(core::Instant{});
    status.last_poll_at = instant_of(*object, "last_poll_at");
    status.outcome = object->getValue<std::string>("outcome");
    status.recorded = object->getValue<std::size_t>("recorded");
    status.known = object->getValue<std::size_t>("known");
    status.failed = object->getValue<std::size_t>("failed");
    status.connection = object->getValue<std::string>("connection");
    status.failures_in_a_row = object->getValue<int>("failures_in_a_row");
    status.next_poll_at = instant_of(*object, "next_poll_at");
    status.stopped_at = instant_of(*object, "stopped_at");
    return std::optional{status};
  } catch (const Poco::Exception& e) {
    return core::fail(path.string(), "not a daemon status file: " + e.displayText(),
                      "remove it; the daemon writes it again after its next poll");
  }
}

} // namespace mailroom::daemon
