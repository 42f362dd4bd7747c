//===- Passes.td - conversions between the planner's dialects ------------===//

#ifndef MOEPLAN_CONVERSION_PASSES_TD
#define MOEPLAN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMoEToAscendPass : Pass<"convert-moe-to-ascend", "mlir::ModuleOp"> {
  let summary = "lower each moe.model to an ascend.plan of kernel schedules";
  let description = [{
    Replaces every `moe.model` by an `ascend.plan` of the same name, laid
    out as the model's `moe.layout` says (one device without one): the
    device grids, the 1F1B or interleaved schedule, each stage's static
    memory, and for every (stage, chunk) the forward and backward programs:
    the kernels of every op (attention with a flash-attention core, MLA
    projections, router, permute/unpermute, grouped expert GEMMs, norms,
    activations, embedding, LM head, loss) split by TP, SP and CP, the TP
    and CP collectives, the expert-parallel dispatch and combine (flat, or
    hierarchical across nodes), pipeline sends and receives, and the
    data-parallel gradient reduction under the last micro-batch's backward
    (and, with the distributed optimizer, the weight gather under the first
    forward); then the optimizer step.

    Layers go to virtual pipeline stages as their `moe.stage` attribute says
    or, without one, evenly in order; the embedding goes to the first
    stage; the final norm, MTP layers, head and loss to the last.

    Recompute policies, with Megatron's meanings:
    - `none`: every saved tensor stays on the device until backward;
    - `selective`: the attention core is recomputed in backward
      (`--recompute-granularity selective`), so its softmax statistics are
      not kept;
    - `full`: only each layer's input is kept; backward reruns the layer's
      forward first (`--recompute-granularity full --recompute-method
      uniform --recompute-num-layers 1`).

    Routed-expert work and dispatch volume are those of the busiest
    expert-parallel rank under the routing skew (docs/load-imbalance.md).

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
    Option<"devicesPerNode", "devices-per-node", "int64_t", /*default=*/"8",
           "devices per node, for hierarchical expert dispatch">,
    Option<"attention", "attention", "std::string", /*default=*/"\"flash\"",
           "attention core: flash, or unfused (Megatron before flash "
           "attention: scores in HBM, softmax and dropout kernels)">,
    Option<"fbOverlap", "fb-overlap", "bool", /*default=*/"false",
           "overlap each steady-state backward with the next forward "
           "(MindSpeed's --moe-fb-overlap); one more warm-up forward with "
           "virtual stages">,
    Option<"precision", "precision", "std::string", /*default=*/"\"bf16\"",
           "bf16, or fp8: linear layers' GEMMs on the FP8 path">,
    Option<"routingSkew", "routing-skew", "double", /*default=*/"-1",
           "coefficient of variation of expert loads (-1: the published "
           "default)">,
  ];
  let statistics = [
    Statistic<"numKernels", "kernels", "Cube and Vector kernels emitted">,
    Statistic<"numCollectives", "collectives", "collectives emitted">,
    Statistic<"numSaved", "saved-tensors", "saved tensors emitted">,
  ];
}

#endif // MOEPLAN_CONVERSION_PASSES_TD
