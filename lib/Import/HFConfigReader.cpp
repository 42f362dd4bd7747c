//===- HFConfigReader.cpp - typed, diagnosed access to a config.json ------===//
//
// Parsing is LLVM's JSON parser; on top of it, a small scanner finds where
// each top-level key is in the text so that errors point at the key, and
// numbers are checked by hand because llvm::json::Value::getAsInteger does
// not tell "not whole" from "too big" and mis-converts values near 2^63.
//
//===----------------------------------------------------------------------===//

#include "HFConfigReader.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace moeplan::detail;
namespace json = llvm::json;

/// LLVM's JSON parser recurses once per nesting level; deeper input would
/// overflow the stack, so it is rejected before parsing. Real configs nest
/// three or four levels.
static constexpr int kMaxNesting = 256;
/// Longest string quoted back in a message.
static constexpr size_t kMaxQuoted = 40;

//===----------------------------------------------------------------------===//
// Scanning the source text
//===----------------------------------------------------------------------===//

static size_t skipSpace(llvm::StringRef s, size_t i) {
  while (i < s.size() && llvm::isSpace(s[i]))
    ++i;
  return i;
}

/// `s[i]` is the opening quote; returns the index after the closing quote.
static size_t skipString(llvm::StringRef s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\')
      ++i;
    else if (s[i] == '"')
      return i + 1;
  }
  return s.size();
}

/// Skips one JSON value starting at `i` (the text is already known to be
/// valid JSON); iterative, so nesting depth does not matter.
static size_t skipValue(llvm::StringRef s, size_t i) {
  if (i >= s.size())
    return i;
  if (s[i] == '"')
    return skipString(s, i);
  if (s[i] != '{' && s[i] != '[') {
    while (i < s.size() && !llvm::isSpace(s[i]) && s[i] != ',' && s[i] != '}' &&
           s[i] != ']')
      ++i;
    return i;
  }
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      i = skipString(s, i);
      continue;
    }
    if (c == '{' || c == '[')
      ++depth;
    else if ((c == '}' || c == ']') && --depth == 0)
      return i + 1;
    ++i;
  }
  return i;
}

/// The offset of the first bracket nested deeper than kMaxNesting, if any.
static std::optional<size_t> findExcessiveNesting(llvm::StringRef s) {
  int depth = 0;
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '"') {
      i = skipString(s, i);
      continue;
    }
    if (c == '{' || c == '[') {
      if (++depth > kMaxNesting)
        return i;
    } else if (c == '}' || c == ']') {
      --depth;
    }
    ++i;
  }
  return std::nullopt;
}

/// Finds each top-level key of the (valid) object in `s`. A repeated key
/// keeps its last position, as the parser keeps its last value.
static llvm::StringMap<KeySpan>
scanTopLevelKeys(llvm::StringRef s,
                 llvm::SmallVectorImpl<std::string> &repeated) {
  llvm::StringMap<KeySpan> spans;
  size_t i = skipSpace(s, 0);
  if (i >= s.size() || s[i] != '{')
    return spans;
  i = skipSpace(s, i + 1);
  while (i < s.size() && s[i] == '"') {
    size_t keyEnd = skipString(s, i);
    llvm::StringRef key = s.slice(i + 1, keyEnd - 1);
    size_t colon = skipSpace(s, keyEnd);
    size_t value = skipSpace(s, colon + 1);
    size_t valueEnd = skipValue(s, value);
    auto [it, inserted] = spans.try_emplace(key, KeySpan{i, value, valueEnd});
    if (!inserted) {
      it->second = KeySpan{i, value, valueEnd, it->second.repeats + 1};
      if (it->second.repeats == 1)
        repeated.push_back(key.str());
    }
    i = skipSpace(s, valueEnd);
    if (i < s.size() && s[i] == ',')
      i = skipSpace(s, i + 1);
  }
  return spans;
}

static FileLineColLoc locAtOffset(MLIRContext *context,
                                  llvm::StringRef sourceName,
                                  llvm::StringRef text, size_t offset) {
  offset = std::min(offset, text.size());
  llvm::StringRef before = text.take_front(offset);
  unsigned line = 1 + before.count('\n');
  size_t lineStart = before.rfind('\n');
  unsigned column =
      1 +
      (lineStart == llvm::StringRef::npos ? offset : offset - lineStart - 1);
  return FileLineColLoc::get(context, sourceName, line, column);
}

/// What kind of JSON value this is, with an article, for messages.
static llvm::StringRef kindName(const json::Value &value) {
  switch (value.kind()) {
  case json::Value::Null:
    return "null";
  case json::Value::Boolean:
    return "a boolean";
  case json::Value::Number:
    return "a number";
  case json::Value::String:
    return "a string";
  case json::Value::Array:
    return "a list";
  case json::Value::Object:
    return "an object";
  }
  llvm_unreachable("unknown JSON kind");
}

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

/// Reports LLVM's parse error at its line and column. LLVM formats it as
/// "[line:column, byte=N]: message" with a 0-based column.
static void reportParseError(llvm::Error error, MLIRContext *context,
                             llvm::StringRef sourceName) {
  std::string logged = llvm::toString(std::move(error));
  unsigned line = 1, column = 0, byte = 0;
  llvm::StringRef message = logged;
  if (std::sscanf(logged.c_str(), "[%u:%u, byte=%u]", &line, &column, &byte) ==
      3) {
    size_t colon = logged.find("]: ");
    if (colon != std::string::npos)
      message = llvm::StringRef(logged).drop_front(colon + 3);
  }
  emitError(FileLineColLoc::get(context, sourceName, line, column + 1))
      << "not valid JSON: " << message << " (line " << line << ", column "
      << column + 1 << ")";
}

std::optional<HFConfigReader> HFConfigReader::parse(llvm::StringRef text,
                                                    llvm::StringRef sourceName,
                                                    MLIRContext *context) {
  Location file = FileLineColLoc::get(context, sourceName, 1, 1);
  if (text.trim().empty()) {
    emitError(file) << "the file is empty; expected a JSON object (a Hugging "
                       "Face config.json)";
    return std::nullopt;
  }
  if (std::optional<size_t> offset = findExcessiveNesting(text)) {
    emitError(locAtOffset(context, sourceName, text, *offset))
        << "not valid JSON for a config: lists or objects are nested more "
           "than "
        << kMaxNesting << " levels deep";
    return std::nullopt;
  }
  llvm::Expected<json::Value> parsed = json::parse(text);
  if (!parsed) {
    reportParseError(parsed.takeError(), context, sourceName);
    return std::nullopt;
  }
  json::Object *object = parsed->getAsObject();
  if (!object) {
    emitError(file) << "top-level JSON value must be an object (a Hugging "
                       "Face config.json), got "
                    << kindName(*parsed);
    return std::nullopt;
  }
  llvm::SmallVector<std::string> repeated;
  llvm::StringMap<KeySpan> spans = scanTopLevelKeys(text, repeated);
  // One warning per repeated key, and only the first few: each warning quotes
  // its source line, so thousands of repeats on one long line would print
  // gigabytes.
  constexpr size_t kMaxRepeatWarnings = 8;
  for (const std::string &key : llvm::ArrayRef(repeated).take_front(
           kMaxRepeatWarnings)) {
    const KeySpan &span = spans[key];
    InFlightDiagnostic warning =
        emitWarning(locAtOffset(context, sourceName, text, span.keyOffset));
    warning << "key '" << key << "' appears ";
    if (span.repeats == 1)
      warning << "more than once";
    else
      warning << span.repeats + 1 << " times";
    warning << "; the last value is used, as Python's json module does";
  }
  if (repeated.size() > kMaxRepeatWarnings)
    emitWarning(file) << repeated.size() - kMaxRepeatWarnings
                      << " more keys appear more than once; the last value "
                         "of each is used";
  return HFConfigReader(std::move(*object), text.str(), sourceName.str(),
                        context, std::move(spans));
}

//===----------------------------------------------------------------------===//
// Locations and messages
//===----------------------------------------------------------------------===//

Location HFConfigReader::locAt(size_t offset) const {
  return locAtOffset(context, sourceName, text, offset);
}

Location HFConfigReader::fileLoc() const {
  return FileLineColLoc::get(context, sourceName, 1, 1);
}

Location HFConfigReader::loc(llvm::StringRef key) const {
  auto it = spans.find(key);
  if (it == spans.end())
    return fileLoc();
  return locAt(it->second.keyOffset);
}

InFlightDiagnostic HFConfigReader::keyError(llvm::StringRef key) const {
  InFlightDiagnostic diag = emitError(loc(key));
  diag << "key '" << key << "' ";
  return diag;
}

InFlightDiagnostic HFConfigReader::missing(llvm::StringRef key) const {
  InFlightDiagnostic diag = keyError(key);
  diag << "is missing (needed by model_type '" << modelType << "')";
  return diag;
}

std::string HFConfigReader::describe(llvm::StringRef key,
                                     const json::Value &value) const {
  std::string out;
  llvm::raw_string_ostream os(out);
  switch (value.kind()) {
  case json::Value::Null:
    os << "null";
    break;
  case json::Value::Boolean:
    os << (*value.getAsBoolean() ? "true" : "false");
    break;
  case json::Value::String: {
    llvm::StringRef str = *value.getAsString();
    bool cut = str.size() > kMaxQuoted;
    if (cut) {
      // Cut at a character boundary, not inside a UTF-8 sequence.
      size_t end = kMaxQuoted;
      while (end > 0 && (static_cast<unsigned char>(str[end]) & 0xC0) == 0x80)
        --end;
      str = str.take_front(end);
    }
    // Quote through the JSON writer so that escapes stay readable.
    std::string quoted;
    llvm::raw_string_ostream qs(quoted);
    qs << json::Value(str.str());
    os << "string " << quoted << (cut ? "..." : "");
    break;
  }
  case json::Value::Number: {
    // The text as written: the parsed double may have lost digits.
    auto it = spans.find(key);
    if (it != spans.end() && get(key) == &value)
      os << llvm::StringRef(text).slice(it->second.valueOffset,
                                        it->second.valueEnd);
    else
      os << value;
    break;
  }
  case json::Value::Array:
  case json::Value::Object:
    os << kindName(value);
    break;
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

const json::Value *HFConfigReader::get(llvm::StringRef key) const {
  return object.get(key);
}

bool HFConfigReader::has(llvm::StringRef key) const { return get(key); }

bool HFConfigReader::isNull(llvm::StringRef key) const {
  const json::Value *value = get(key);
  return value && value->kind() == json::Value::Null;
}

namespace {
/// How a JSON value fails to be an int64, if it does.
enum class IntProblem { None, NotNumber, NotWhole, TooLarge };
} // namespace

static IntProblem toInt64(const json::Value &value, int64_t &out) {
  if (value.kind() != json::Value::Number)
    return IntProblem::NotNumber;
  // Integers written as such: exact, unless beyond int64.
  if (std::optional<uint64_t> u = value.getAsUINT64()) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return IntProblem::TooLarge;
    out = static_cast<int64_t>(*u);
    return IntProblem::None;
  }
  // Negative integers and everything written with a fraction or exponent
  // (or too long for int64, which the parser keeps as a double).
  double d = *value.getAsNumber();
  if (!std::isfinite(d))
    return IntProblem::TooLarge;
  if (std::trunc(d) != d)
    return IntProblem::NotWhole;
  if (d >= 0x1p63 || d < -0x1p63)
    return IntProblem::TooLarge;
  out = static_cast<int64_t>(d);
  return IntProblem::None;
}

FailureOr<int64_t> HFConfigReader::toInt(llvm::StringRef key,
                                         const json::Value &value) const {
  int64_t out = 0;
  switch (toInt64(value, out)) {
  case IntProblem::None:
    return out;
  case IntProblem::NotNumber:
  case IntProblem::NotWhole:
    keyError(key) << "must be an integer, got " << describe(key, value);
    return failure();
  case IntProblem::TooLarge:
    keyError(key) << "must be an integer that fits in 64 bits, got "
                  << describe(key, value);
    return failure();
  }
  llvm_unreachable("unknown integer problem");
}

LogicalResult HFConfigReader::checkMin(llvm::StringRef key, int64_t value,
                                       int64_t min) const {
  if (value >= min)
    return success();
  keyError(key) << "must be a " << (min > 0 ? "positive" : "non-negative")
                << " integer, got " << value;
  return failure();
}

FailureOr<int64_t> HFConfigReader::boundedInt(llvm::StringRef key,
                                              const json::Value &value,
                                              int64_t min) {
  if (value.kind() == json::Value::Null) {
    keyError(key) << "must be a " << (min > 0 ? "positive" : "non-negative")
                  << " integer, got null";
    return failure();
  }
  FailureOr<int64_t> result = toInt(key, value);
  if (failed(result) || failed(checkMin(key, *result, min)))
    return failure();
  return result;
}

FailureOr<int64_t> HFConfigReader::requiredInt(llvm::StringRef key,
                                               int64_t min) {
  const json::Value *value = get(key);
  if (!value) {
    missing(key);
    return failure();
  }
  return boundedInt(key, *value, min);
}

FailureOr<std::optional<int64_t>>
HFConfigReader::nullableInt(llvm::StringRef key, int64_t min) {
  const json::Value *value = get(key);
  if (!value) {
    missing(key) << "; write null if it does not apply";
    return failure();
  }
  if (value->kind() == json::Value::Null)
    return std::optional<int64_t>();
  FailureOr<int64_t> result = boundedInt(key, *value, min);
  if (failed(result))
    return failure();
  return std::optional<int64_t>(*result);
}

FailureOr<int64_t> HFConfigReader::intOr(llvm::StringRef key, int64_t min,
                                         int64_t absentValue,
                                         std::optional<int64_t> nullValue) {
  const json::Value *value = get(key);
  Builder builder(context);
  if (!value || (value->kind() == json::Value::Null && nullValue)) {
    int64_t chosen = value ? *nullValue : absentValue;
    recordDefault(key, builder.getI64IntegerAttr(chosen));
    return chosen;
  }
  return boundedInt(key, *value, min);
}

FailureOr<llvm::SmallVector<int64_t>>
HFConfigReader::indexListOr(llvm::StringRef key, int64_t bound,
                            llvm::StringRef boundKey) {
  const json::Value *value = get(key);
  if (!value || value->kind() == json::Value::Null) {
    recordDefault(key, ArrayAttr::get(context, {}));
    return llvm::SmallVector<int64_t>();
  }
  const json::Array *array = value->getAsArray();
  if (!array) {
    keyError(key) << "must be a list of layer indices, got "
                  << describe(key, *value);
    return failure();
  }
  llvm::SmallVector<int64_t> indices;
  for (auto [position, element] : llvm::enumerate(*array)) {
    int64_t index = 0;
    IntProblem problem = toInt64(element, index);
    if (problem != IntProblem::None) {
      keyError(key) << "must be a list of layer indices, but element "
                    << position << " is " << describe(key, element);
      return failure();
    }
    if (index < 0 || index >= bound) {
      keyError(key) << "lists layer " << index << " (element " << position
                    << "), outside [0, " << bound << ") given by '" << boundKey
                    << "'";
      return failure();
    }
    indices.push_back(index);
  }
  return indices;
}

FailureOr<bool> HFConfigReader::boolOr(llvm::StringRef key, bool absentValue) {
  const json::Value *value = get(key);
  if (!value) {
    recordDefault(key, BoolAttr::get(context, absentValue));
    return absentValue;
  }
  if (std::optional<bool> b = value->getAsBoolean())
    return *b;
  keyError(key) << "must be a boolean (true or false), got "
                << describe(key, *value);
  return failure();
}

FailureOr<std::string> HFConfigReader::stringOr(llvm::StringRef key,
                                                llvm::StringRef absentValue) {
  const json::Value *value = get(key);
  if (!value) {
    recordDefault(key, StringAttr::get(context, absentValue));
    return absentValue.str();
  }
  if (std::optional<llvm::StringRef> str = value->getAsString())
    return str->str();
  keyError(key) << "must be a string, got " << describe(key, *value);
  return failure();
}

FailureOr<std::string> HFConfigReader::requiredString(llvm::StringRef key) {
  const json::Value *value = get(key);
  if (!value) {
    missing(key);
    return failure();
  }
  if (std::optional<llvm::StringRef> str = value->getAsString())
    return str->str();
  keyError(key) << "must be a string, got " << describe(key, *value);
  return failure();
}

FailureOr<std::optional<std::string>>
HFConfigReader::optionalString(llvm::StringRef key) {
  const json::Value *value = get(key);
  if (!value || value->kind() == json::Value::Null)
    return std::optional<std::string>();
  if (std::optional<llvm::StringRef> str = value->getAsString())
    return std::optional<std::string>(str->str());
  keyError(key) << "must be a string, got " << describe(key, *value);
  return failure();
}

FailureOr<std::optional<std::string>>
HFConfigReader::firstStringOf(llvm::StringRef key) {
  const json::Value *value = get(key);
  if (!value || value->kind() == json::Value::Null)
    return std::optional<std::string>();
  const json::Array *array = value->getAsArray();
  if (!array) {
    keyError(key) << "must be a list of strings, got " << describe(key, *value);
    return failure();
  }
  if (array->empty())
    return std::optional<std::string>();
  std::optional<llvm::StringRef> first = array->front().getAsString();
  if (!first) {
    keyError(key) << "must be a list of strings, but element 0 is "
                  << describe(key, array->front());
    return failure();
  }
  return std::optional<std::string>(first->str());
}

std::optional<std::string>
HFConfigReader::nestedModelType(llvm::StringRef key) const {
  const json::Value *value = get(key);
  const json::Object *nested = value ? value->getAsObject() : nullptr;
  if (!nested)
    return std::nullopt;
  if (std::optional<llvm::StringRef> type = nested->getString("model_type"))
    return type->str();
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Recorded defaults
//===----------------------------------------------------------------------===//

void HFConfigReader::recordDefault(llvm::StringRef key, Attribute value) {
  StringAttr name = StringAttr::get(context, key);
  for (NamedAttribute &entry : defaults) {
    if (entry.getName() == name) {
      entry.setValue(value);
      return;
    }
  }
  defaults.emplace_back(name, value);
}

bool HFConfigReader::isDefaulted(llvm::StringRef key) const {
  return llvm::any_of(defaults, [&](const NamedAttribute &entry) {
    return entry.getName().getValue() == key;
  });
}

DictionaryAttr HFConfigReader::defaultsAttr() const {
  if (defaults.empty())
    return nullptr;
  return DictionaryAttr::get(context, defaults);
}
