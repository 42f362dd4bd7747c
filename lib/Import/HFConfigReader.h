//===- HFConfigReader.h - typed, diagnosed access to a config.json --------===//
//
// Private to lib/Import. The reader parses the text of a Hugging Face
// `config.json`, and hands out its top-level keys by type and range. Every
// failure emits one error that names the key and the problem, located at the
// key in the file, and returns failure; every value the importer uses that is
// not written in the file is recorded, so that it can be shown in the IR as
// `moe.hf_defaults`.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_LIB_IMPORT_HFCONFIGREADER_H
#define MOEPLAN_LIB_IMPORT_HFCONFIGREADER_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>

namespace moeplan::detail {

/// Where a top-level key and its value are in the source text.
struct KeySpan {
  size_t keyOffset = 0;
  size_t valueOffset = 0;
  size_t valueEnd = 0;
  /// How many earlier occurrences of the key the last one overrides.
  unsigned repeats = 0;
};

/// Typed access to the top-level keys of one `config.json`.
class HFConfigReader {
public:
  /// Parses `text`. On malformed input (empty, not UTF-8, not JSON, nested
  /// too deeply, not an object) emits an error and returns std::nullopt.
  static std::optional<HFConfigReader> parse(llvm::StringRef text,
                                             llvm::StringRef sourceName,
                                             mlir::MLIRContext *context);

  /// The model type the importer dispatches on; set by the importer once it
  /// has validated `model_type`, and named in "is missing" messages.
  void setModelType(llvm::StringRef type) { modelType = type.str(); }
  llvm::StringRef getModelType() const { return modelType; }

  /// True when the key is present (with any value, null included).
  bool has(llvm::StringRef key) const;
  /// True when the key is present with the value null.
  bool isNull(llvm::StringRef key) const;

  //===--------------------------------------------------------------------===//
  // Integers. `min` is 0 for counts and indices, 1 for sizes.
  //===--------------------------------------------------------------------===//

  /// A key that must be present with an integer >= min.
  mlir::FailureOr<int64_t> requiredInt(llvm::StringRef key, int64_t min);
  /// A key that must be present; null (std::nullopt) is allowed and means
  /// what the caller documents (e.g. no query compression).
  mlir::FailureOr<std::optional<int64_t>> nullableInt(llvm::StringRef key,
                                                      int64_t min);
  /// A key Hugging Face's config class gives a default: `absentValue` when
  /// the key is absent, `nullValue` when it is null (std::nullopt: null is an
  /// error). A value so obtained is recorded as a default.
  mlir::FailureOr<int64_t> intOr(llvm::StringRef key, int64_t min,
                                 int64_t absentValue,
                                 std::optional<int64_t> nullValue);

  /// A list of indices; absent or null mean the empty list (recorded).
  /// Each element must be an integer in [0, bound); `boundKey` names the key
  /// the bound comes from.
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  indexListOr(llvm::StringRef key, int64_t bound, llvm::StringRef boundKey);

  //===--------------------------------------------------------------------===//
  // Booleans and strings.
  //===--------------------------------------------------------------------===//

  /// A boolean with a class default used (and recorded) when absent.
  mlir::FailureOr<bool> boolOr(llvm::StringRef key, bool absentValue);
  /// A string with a class default used (and recorded) when absent.
  mlir::FailureOr<std::string> stringOr(llvm::StringRef key,
                                        llvm::StringRef absentValue);
  /// A string that must be present.
  mlir::FailureOr<std::string> requiredString(llvm::StringRef key);
  /// A string, std::nullopt when absent or null.
  mlir::FailureOr<std::optional<std::string>>
  optionalString(llvm::StringRef key);
  /// The first element of a list of strings, std::nullopt when absent, null
  /// or empty.
  mlir::FailureOr<std::optional<std::string>>
  firstStringOf(llvm::StringRef key);
  /// The `model_type` of an object nested under `key` (such as
  /// `text_config`), if there is one; used only for hints.
  std::optional<std::string> nestedModelType(llvm::StringRef key) const;

  //===--------------------------------------------------------------------===//
  // Diagnostics and recorded defaults.
  //===--------------------------------------------------------------------===//

  /// The location of the key in the file, or of the file when absent.
  mlir::Location loc(llvm::StringRef key) const;
  /// The location of the file (line 1, column 1).
  mlir::Location fileLoc() const;
  /// An error at the key, starting "key 'K' ".
  mlir::InFlightDiagnostic keyError(llvm::StringRef key) const;
  /// The error for a key the model type needs but the file lacks.
  mlir::InFlightDiagnostic missing(llvm::StringRef key) const;

  /// Records `key = value` as used without being written in the file.
  void recordDefault(llvm::StringRef key, mlir::Attribute value);
  /// True when `key` was filled in by a default.
  bool isDefaulted(llvm::StringRef key) const;
  /// The recorded defaults, sorted by key; null when there are none.
  mlir::DictionaryAttr defaultsAttr() const;

  mlir::MLIRContext *getContext() const { return context; }

private:
  HFConfigReader(llvm::json::Object object, std::string text,
                 std::string sourceName, mlir::MLIRContext *context,
                 llvm::StringMap<KeySpan> spans)
      : object(std::move(object)), text(std::move(text)),
        sourceName(std::move(sourceName)), context(context),
        spans(std::move(spans)) {}

  const llvm::json::Value *get(llvm::StringRef key) const;
  /// Reads a JSON number as an int64, reporting non-integers and values that
  /// do not fit; `key` names the key in messages.
  mlir::FailureOr<int64_t> toInt(llvm::StringRef key,
                                 const llvm::json::Value &value) const;
  /// An integer of at least `min` (null is an error naming the key).
  mlir::FailureOr<int64_t> boundedInt(llvm::StringRef key,
                                      const llvm::json::Value &value,
                                      int64_t min);
  mlir::LogicalResult checkMin(llvm::StringRef key, int64_t value,
                               int64_t min) const;
  /// Describes a value for "got ..." in messages, e.g. `string "8"`.
  std::string describe(llvm::StringRef key,
                       const llvm::json::Value &value) const;
  mlir::Location locAt(size_t offset) const;

  llvm::json::Object object;
  std::string text;
  std::string sourceName;
  mlir::MLIRContext *context;
  llvm::StringMap<KeySpan> spans;
  std::string modelType;
  llvm::SmallVector<mlir::NamedAttribute> defaults;
};

} // namespace moeplan::detail

#endif // MOEPLAN_LIB_IMPORT_HFCONFIGREADER_H
