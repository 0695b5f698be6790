#include "sandbox/child.hpp"

#include "sandbox/readers.hpp"

#include <cerrno>
#include <new>
#include <unistd.h>

namespace mailroom::sandbox {

int child_main(std::string_view format) {
  try {
    std::string bytes;
    char buffer[65536];
    for (;;) {
      const auto got = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        return 1;
      if (got == 0)
        break;
      bytes.append(buffer, static_cast<std::size_t>(got));
    }
    content::FileReading reading;
    if (format == "pdf")
      reading.pdf = read_pdf(bytes);
    else if (format == "zip")
      reading.zip = list_zip(bytes);
    else
      return 2;
    return write_all(STDOUT_FILENO, encode(reading)) ? 0 : 1;
  } catch (const std::bad_alloc&) {
    return k_exit_out_of_memory;
  } catch (...) {
    return 1;
  }
}

} // namespace mailroom::sandbox
