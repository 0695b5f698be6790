#pragma once

// The operator new of large_allocations.cpp keeps up to two freed deck-sized blocks for
// the next large requests. mailroom_release_kept_block() gives them back; the daemon calls
// it after each poll, so that a daemon waiting for mail holds no such block. It is defined
// in the mailroom executable, which exports it to the commands module it loads; a binary
// without it (the tests) has none, and the call does nothing.
extern "C" __attribute__((weak)) void mailroom_release_kept_block() noexcept;

namespace mailroom {

inline void release_kept_block() noexcept {
  if (mailroom_release_kept_block != nullptr)
    mailroom_release_kept_block();
}

} // namespace mailroom
