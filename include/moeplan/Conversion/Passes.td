//===- Passes.td - conversions between the planner's dialects ------------===//

#ifndef MOEPLAN_CONVERSION_PASSES_TD
#define MOEPLAN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMoEToAscendPass : Pass<"convert-moe-to-ascend", "mlir::ModuleOp"> {
  let summary = "lower each moe.model to an ascend.plan of kernel schedules";
  let description = [{
    Replaces every `moe.model` by an `ascend.plan` of the same name: the
    forward and backward kernels of every op (attention with a flash-
    attention core, MLA projections, router, permute/unpermute, grouped
    expert GEMMs, norms, activations, embedding, LM head, loss) and the
    optimizer step, with the tensors each op saves for backward, for the
    recompute policy given:

    - `none`: every saved tensor stays on the device until backward;
    - `selective`: the attention core is recomputed in backward (Megatron's
      `--recompute-granularity selective`), so its softmax statistics are
      not kept;
    - `full`: only each layer's input is kept; backward reruns the layer's
      forward first (`--recompute-granularity full --recompute-method
      uniform --recompute-num-layers 1`).

    Sizes are per device: `micro-batch` sequences of `seq` tokens. With
    `dp` > 1 the optimizer step first reduces gradients over the
    data-parallel axis of the grid (all-reduce, or reduce-scatter and a
    weight all-gather with the distributed optimizer), on the `dp` stream.

    ```
    moe-opt --convert-moe-to-ascend="seq=4096 micro-batch=1 micro-batches=8 recompute=selective"
    ```
  }];
  let dependentDialects = ["::mlir::ascend::AscendDialect",
                           "::mlir::shard::ShardDialect"];
  let options = [
    Option<"seq", "seq", "int64_t", /*default=*/"4096",
           "sequence length in tokens">,
    Option<"microBatch", "micro-batch", "int64_t", /*default=*/"1",
           "sequences per micro-batch">,
    Option<"microBatches", "micro-batches", "int64_t", /*default=*/"1",
           "micro-batches per step and pipeline">,
    Option<"recompute", "recompute", "std::string", /*default=*/"\"none\"",
           "recompute policy: none, selective or full">,
    Option<"dataParallel", "dp", "int64_t", /*default=*/"1",
           "data-parallel replicas that reduce gradients each step">,
    Option<"distributedOptimizer", "distributed-optimizer", "bool",
           /*default=*/"false",
           "shard optimizer state over the data-parallel group (ZeRO-1): "
           "reduce-scatter gradients, all-gather updated weights">,
  ];
  let statistics = [
    Statistic<"numKernels", "kernels", "Cube and Vector kernels emitted">,
    Statistic<"numSaved", "saved-tensors", "saved tensors emitted">,
  ];
}

#endif // MOEPLAN_CONVERSION_PASSES_TD
