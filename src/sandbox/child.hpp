#pragma once

#include <string_view>

// The sandboxed reader's child (sandboxed_reader.hpp): the helper executable
// mailroom-read-file, the one part of mailroom that links poppler and libzip.
namespace mailroom::sandbox {

// The child exits with this when an allocation failed under the memory limit.
inline constexpr int k_exit_out_of_memory = 3;

// Reads the file from standard input, writes the encoded reading to standard output;
// exit 0 when it wrote one. `format` is "pdf" or "zip".
int child_main(std::string_view format);

} // namespace mailroom::sandbox
