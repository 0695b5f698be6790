// libFuzzer target: bytes straight into message::parse, as the daemon passes a
// fetched message. scripts/fuzz.sh builds and runs it.
#include "message/parse.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mailroom::message::ParseOptions options;
  options.keep_attachment_bytes = size % 2 == 0; // both paths of the decoder
  const auto facts = mailroom::message::parse(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", options);
  // Touch the results so nothing is optimised away.
  return facts.size == size ? 0 : 1;
}
