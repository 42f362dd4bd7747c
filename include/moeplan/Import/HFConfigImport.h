//===- HFConfigImport.h - Hugging Face config.json to the moe dialect -----===//

#ifndef MOEPLAN_IMPORT_HFCONFIGIMPORT_H
#define MOEPLAN_IMPORT_HFCONFIGIMPORT_H

#include "dialects/moe/MoEOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace moeplan {

/// Builds a verified `moe.model` (inside a module) from the text of a Hugging
/// Face `config.json`. `sourceName` names the input in messages. On bad input
/// (not JSON, not an object, unknown `model_type`, a missing key or a value of
/// the wrong type or range) it emits an error naming the key through the
/// context's diagnostic engine and returns null; nothing is defaulted
/// silently.
mlir::OwningOpRef<mlir::ModuleOp> importHFConfig(llvm::StringRef jsonText,
                                                 llvm::StringRef sourceName,
                                                 mlir::MLIRContext *context);

/// Registers `--import-hf-config` with mlir-translate's registry.
void registerHFConfigImport();

} // namespace moeplan

#endif // MOEPLAN_IMPORT_HFCONFIGIMPORT_H
