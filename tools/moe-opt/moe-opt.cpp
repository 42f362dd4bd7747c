//===- moe-opt.cpp - mlir-opt with the planner's dialects and passes ------===//

#include "dialects/ascend/AscendDialect.h"
#include "dialects/moe/MoEDialect.h"
#include "moeplan/Conversion/Passes.h"
#include "moeplan/Pipelines/PlanPipeline.h"
#include "moeplan/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  moeplan::registerConversionPasses();
  moeplan::registerTransformsPasses();
  moeplan::registerPlanPipeline();
  mlir::DialectRegistry registry;
  registry.insert<mlir::moe::MoEDialect, mlir::ascend::AscendDialect,
                  mlir::shard::ShardDialect,
                  mlir::func::FuncDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "MoE planner optimizer driver\n", registry));
}
