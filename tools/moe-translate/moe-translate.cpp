//===- moe-translate.cpp - translations into the moe dialect --------------===//
//
// mlir-translate with the planner's importers, e.g.
//   moe-translate --import-hf-config config.json
//
//===----------------------------------------------------------------------===//

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "moeplan/Import/HFConfigImport.h"
#include "llvm/Support/CommandLine.h"

int main(int argc, char **argv) {
  // The options registered before main are libLLVM's own (code generation,
  // debugging): --help shows only the tool's and mlir-translate's.
  for (auto &option : llvm::cl::getRegisteredOptions()) {
    llvm::StringRef name = option.first;
    if (name != "help" && name != "help-list" && name != "version")
      option.second->setHiddenFlag(llvm::cl::Hidden);
  }
  moeplan::registerHFConfigImport();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "MoE planner translation tool\n"));
}
