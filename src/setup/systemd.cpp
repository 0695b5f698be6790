#include "setup/systemd.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <dlfcn.h>
#include <system_error>

namespace mailroom::setup {

namespace {

// libsystemd's two functions, or null where the library did not load (its error logged).
struct Systemd {
  decltype(&sd_notify) notify = nullptr;
  decltype(&sd_watchdog_enabled) watchdog_enabled = nullptr;
};

// libsystemd.so.0 (the .deb depends on libsystemd0), loaded at the first call: it and the
// five libraries only it needs (libgcrypt, libgpg-error, liblzma, liblz4, libcap) cost every
// process that maps them 0.45 ms, and only a daemon that systemd listens to calls them.
const Systemd& systemd() {
  static const Systemd loaded = [] {
    Systemd functions;
    void* library = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (library) {
      functions.notify = reinterpret_cast<decltype(&sd_notify)>(::dlsym(library, "sd_notify"));
      functions.watchdog_enabled =
          reinterpret_cast<decltype(&sd_watchdog_enabled)>(::dlsym(library, "sd_watchdog_enabled"));
    }
    if (!functions.notify || !functions.watchdog_enabled)
      spdlog::error("cannot tell systemd: {}; install the libsystemd0 package",
                    library ? "libsystemd.so.0 lacks sd_notify or sd_watchdog_enabled"
                            : ::dlerror());
    return functions;
  }();
  return loaded;
}

// Whether systemd set `variable` for this process: sd_notify and sd_watchdog_enabled read
// nothing else, so without it there is nothing to load or tell.
bool set(const char* variable) {
  return std::getenv(variable) != nullptr;
}

} // namespace

void notify_systemd(const std::string& state) {
  if (!set("NOTIFY_SOCKET") || !systemd().notify)
    return;
  if (const int sent = systemd().notify(0, state.c_str()); sent < 0) {
    static const bool logged = [&] {
      spdlog::error("cannot tell systemd \"{}\": {}", state, std::system_category().message(-sent));
      return true;
    }();
    (void)logged;
  }
}

std::optional<std::chrono::microseconds> systemd_watchdog() {
  std::uint64_t usec = 0;
  if (!set("WATCHDOG_USEC") || !systemd().watchdog_enabled ||
      systemd().watchdog_enabled(0, &usec) <= 0 || usec == 0)
    return std::nullopt;
  return std::chrono::microseconds{usec};
}

} // namespace mailroom::setup
