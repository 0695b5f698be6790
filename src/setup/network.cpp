#include "setup/network.hpp"

#include "core/fault.hpp"
#include "installed/files.hpp"

#include <fmt/format.h>

#include <dlfcn.h>

namespace mailroom::setup {

namespace {

constexpr std::string_view k_reinstall =
    "reinstall the mailroom package (the module comes with the binary)";

core::Result<const network::Stack*> load_network() {
  const auto path = installed::beside_binary("mailroom-network.so");
  // RTLD_NOW: a symbol the module lacks is this error now, not a crash in mid-poll.
  void* module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!module)
    return core::fail(path.string(), fmt::format("cannot load the network module: {}", ::dlerror()),
                      std::string(k_reinstall));
  using Entry = const network::Stack* (*)();
  auto entry = reinterpret_cast<Entry>(::dlsym(module, "mailroom_network_stack"));
  if (!entry)
    return core::fail(path.string(), fmt::format("not mailroom's network module: {}", ::dlerror()),
                      std::string(k_reinstall));
  const auto* stack = entry();
  if (std::string_view(stack->version) != MAILROOM_VERSION)
    return core::fail(path.string(),
                      fmt::format("the network module is of mailroom {}, this binary of {}",
                                  stack->version, MAILROOM_VERSION),
                      std::string(k_reinstall));
  stack->use_host({&core::fault_point, &core::hold_point});
  // Never dlclose'd: the mailboxes and senders it made may live until exit.
  return stack;
}

} // namespace

core::Result<const network::Stack*> network() {
  static const auto loaded = load_network();
  return loaded;
}

bool needs_network(const Settings& settings) {
  return !settings.mailbox.url.starts_with("maildir:") || !settings.outbox.url.starts_with("dir:");
}

} // namespace mailroom::setup
