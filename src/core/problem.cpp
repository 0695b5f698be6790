#include "core/problem.hpp"

namespace mailroom::core {

std::string Problem::to_string() const {
  std::string line;
  if (!where.empty())
    line = where + ": ";
  line += what;
  if (!fix.empty())
    line += "; " + fix;
  return line;
}

} // namespace mailroom::core
