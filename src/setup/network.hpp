#pragma once

#include "network/stack.hpp"

namespace mailroom::setup {

// The network module (network/stack.hpp), loaded on the first call and kept for the
// life of the process, from where this binary's package put it (installed::beside_binary).
// Problems: the module is missing, does not load (dlerror()'s words), or is of another
// version. Thread-safe.
[[nodiscard]] core::Result<const network::Stack*> network();

} // namespace mailroom::setup
