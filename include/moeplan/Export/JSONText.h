//===- JSONText.h - JSON as people read it --------------------------------===//
//
// llvm::json writes every double with 17 significant digits, so 0.8 comes
// out as 0.80000000000000004. The writers pass their text through this, which
// rewrites each floating-point number in the shortest form that reads back
// to the same double; integers and strings are left as they are.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_EXPORT_JSONTEXT_H
#define MOEPLAN_EXPORT_JSONTEXT_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace moeplan {

/// `json` with its floating-point numbers in shortest round-trip form.
std::string tidyJSONNumbers(llvm::StringRef json);

} // namespace moeplan

#endif // MOEPLAN_EXPORT_JSONTEXT_H
