#pragma once

#include "reply/compose.hpp"
#include "support/files.hpp"

#include <string>

namespace mailroom::test {

// The reply templates the project ships (templates/*.mustache), read from the source tree.
inline reply::Templates shipped_templates() {
  reply::Templates templates;
  for (const char* name : reply::k_template_names)
    templates[name] = read_text(source_dir() / "templates" / (std::string(name) + ".mustache"));
  return templates;
}

} // namespace mailroom::test
