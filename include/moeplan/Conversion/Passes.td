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

    Every decision is read from the IR. The model's `moe.training` (required)
    gives the sequence, micro-batch and global batch (the micro-batches per
    step are global batch / (micro-batch · DP)), the precision, the attention
    core and the routing skew; its `moe.layout` the sharding (one device
    without one). Units go to virtual pipeline stages as their
    `moe.placement` says or, without one, evenly in order (the embedding
    first; the final norm, MTP layers, head and loss last).

    Each op's `moe.memory` decides its saved tensors: `keep` saves them;
    `recompute` reruns, before the op's backward, the attention core when
    only the core's statistics are recomputed (Megatron's selective
    recompute) and the op's whole forward otherwise; a layer whose every
    tensor is recomputed is recomputed whole from its kept input (Megatron's
    full recompute); `swap` saves, swaps out on the host stream, and fetches
    back one unit ahead (while the unit before it in backward order runs),
    the op's backward waiting for it. A tensor without a choice is kept. A
    recomputed input outside a whole layer's recompute is an error (nothing
    could rerun it). `moe.memory<optimizer = swap>` on the model keeps the
    optimizer state in host memory: fetched for the optimizer step, sent
    back after it.

    Each op's `moe.overlap` decides its communications: `blocking` (the
    default) makes compute wait; `fb` on any communication runs each
    steady-state backward with the next forward (MindSpeed's
    `--moe-fb-overlap`, one more warm-up forward with virtual stages), which
    pairs whole micro-batches, so a model mixing `fb` and `blocking` is an
    error. A name the op does not communicate under the layout is an error
    that lists the ones it does.

    Routed-expert work and dispatch volume are those of the busiest
    expert-parallel rank under the routing skew (docs/load-imbalance.md).
    Every lowered op is located at the moe op it comes from, named after its
    kernels' prefix (`"moe3.attention"`), so remarks and errors name the
    layer.

    ```
    moe-opt --moe-shard="devices=8 seq=4096 micro-batch=1 global-batch=8" --convert-moe-to-ascend
    ```
  }];
  let dependentDialects = ["::mlir::ascend::AscendDialect",
                           "::mlir::shard::ShardDialect"];
  let options = [
    Option<"devicesPerNode", "devices-per-node", "int64_t", /*default=*/"8",
           "devices per node, for hierarchical expert dispatch and the "
           "expert group's split across nodes">,
  ];
  let statistics = [
    Statistic<"numKernels", "kernels", "Cube and Vector kernels emitted">,
    Statistic<"numCollectives", "collectives", "collectives emitted">,
    Statistic<"numSaved", "saved-tensors", "saved tensors emitted">,
  ];
}

#endif // MOEPLAN_CONVERSION_PASSES_TD
