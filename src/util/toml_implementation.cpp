// toml++'s implementation, compiled once into mailroom rather than loaded as
// libtomlplusplus.so (src/CMakeLists.txt says why). Every other file includes the header
// for its declarations only (TOML_HEADER_ONLY=0).
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
