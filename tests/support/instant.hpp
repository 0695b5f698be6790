#pragma once

#include "core/instant.hpp"

#include <string>

namespace mailroom::test {

// The instant an ISO 8601 text names ("2025-10-06T14:30:00Z"); the tests write only valid ones.
inline core::Instant at(const std::string& iso) {
  return *core::parse_iso(iso);
}

} // namespace mailroom::test
