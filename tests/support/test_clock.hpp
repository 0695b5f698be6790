#pragma once

#include "core/instant.hpp"

namespace mailroom::test {

// A clock that says what the test sets: time moves only when the test moves it.
class TestClock final : public core::Clock {
public:
  explicit TestClock(core::Instant at = {}) : m_at(at) {}
  [[nodiscard]] core::Instant now() const override { return m_at; }
  void set(core::Instant at) { m_at = at; }
  void advance(std::chrono::seconds by) { m_at += by; }

private:
  core::Instant m_at;
};

} // namespace mailroom::test
