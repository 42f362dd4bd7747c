//===- JSONText.cpp - JSON as people read it ------------------------------===//

#include "moeplan/Export/JSONText.h"

#include <cstdio>
#include <cstdlib>

namespace moeplan {

/// The shortest "%.Ng" form of `value` that reads back to it.
static std::string shortest(double value) {
  char buffer[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", digits, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  return buffer;
}

std::string tidyJSONNumbers(llvm::StringRef json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size();) {
    char c = json[i];
    if (c == '"') {
      // Copy the string, escapes included.
      size_t end = i + 1;
      while (end < json.size() && json[end] != '"')
        end += json[end] == '\\' ? 2 : 1;
      end = std::min(end + 1, json.size());
      out.append(json.data() + i, end - i);
      i = end;
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = i + 1;
      bool floating = false;
      while (end < json.size() &&
             llvm::StringRef("0123456789.eE+-").contains(json[end])) {
        floating |= llvm::StringRef(".eE").contains(json[end]);
        ++end;
      }
      llvm::StringRef number = json.slice(i, end);
      if (floating)
        out += shortest(std::strtod(number.str().c_str(), nullptr));
      else
        out += number.str();
      i = end;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

} // namespace moeplan
