//===- TestSupport.h - parsing and importing models in unit tests ---------===//

#ifndef MOEPLAN_TEST_UNIT_TESTSUPPORT_H
#define MOEPLAN_TEST_UNIT_TESTSUPPORT_H

#include "dialects/moe/MoEDialect.h"
#include "dialects/moe/MoEOps.h"
#include "moeplan/Import/HFConfigImport.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"

#include <string>

namespace moeplan::test {

/// A context with the moe dialect and the module that owns the test's model.
struct LoadedModel {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;

  LoadedModel() { context.loadDialect<mlir::moe::MoEDialect>(); }
  mlir::moe::ModelOp model() {
    return *module->getOps<mlir::moe::ModelOp>().begin();
  }
};

/// Parses a `moe.model` written in the dialect's syntax.
inline std::unique_ptr<LoadedModel> parseModel(llvm::StringRef text) {
  auto loaded = std::make_unique<LoadedModel>();
  loaded->module = mlir::parseSourceString<mlir::ModuleOp>(text, &loaded->context);
  return loaded;
}

/// Imports data/models/<name>.json.
inline std::unique_ptr<LoadedModel> importModel(llvm::StringRef name) {
  auto loaded = std::make_unique<LoadedModel>();
  std::string path = std::string(MOE_DATA_DIR) + "/models/" + name.str() + ".json";
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return loaded;
  loaded->module = importHFConfig((*buffer)->getBuffer(), path, &loaded->context);
  return loaded;
}

} // namespace moeplan::test

#endif // MOEPLAN_TEST_UNIT_TESTSUPPORT_H
