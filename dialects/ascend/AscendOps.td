//===- AscendOps.td - ops of the ascend dialect --------------------------===//

#ifndef ASCEND_OPS_TD
#define ASCEND_OPS_TD

include "dialects/ascend/AscendDialect.td"
include "dialects/ascend/AscendAttrs.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"

//===----------------------------------------------------------------------===//
// Structure: plan, schedule, stage memory, programs
//===----------------------------------------------------------------------===//

def Ascend_PlanOp : Ascend_Op<"plan", [
    Symbol, SymbolTable, IsolatedFromAbove, NoTerminator, SingleBlock,
    NoRegionArguments]> {
  let summary = "a training step for every stage of the pipeline";
  let description = [{
    Holds a `shard.grid` naming the device grid, one `ascend.schedule`, an
    `ascend.stage_memory` per stage, and for every stage and chunk one
    forward and one backward `ascend.program`, plus one optimizer program
    per stage (chunk 0).

    ```mlir
    ascend.plan @llama {
      shard.grid @world(shape = 1x1x1x1x1)
      ascend.schedule stages = 1, chunks = 1, micro_batches = 8
      ascend.stage_memory stage = 0, weights = 2, grads = 4, optimizer = 12
      ascend.program stage = 0, chunk = 0, forward { }
      ascend.program stage = 0, chunk = 0, backward { }
      ascend.program stage = 0, chunk = 0, optimizer { }
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    ScheduleOp getSchedule();
    auto getPrograms() { return getBody().getOps<ProgramOp>(); }
    auto getStageMemories() { return getBody().getOps<StageMemoryOp>(); }
  }];
}

def Ascend_ScheduleOp : Ascend_Op<"schedule", [HasParent<"PlanOp">]> {
  let summary = "the micro-batch schedule: 1F1B, interleaved when chunks > 1";
  let description = [{
    Megatron's 1F1B schedule over `stages` pipeline stages with
    `micro_batches` micro-batches per step; with `chunks` > 1 virtual
    stages per rank it is the interleaved 1F1B schedule, which needs the
    micro-batches to be a multiple of the stages. `extra_warmup` adds
    forward passes to the warm-up of every stage (the extra micro-batch that
    cross-micro-batch overlap needs). `overlap` runs each steady-state
    backward together with the next forward, as MindSpeed's
    `--moe-fb-overlap` does: the two share the compute stream, and while one
    waits for its communication the other computes.

    ```mlir
    ascend.schedule stages = 16, chunks = 2, micro_batches = 64, extra_warmup = 1
    ```
  }];
  let arguments = (ins Ascend_Positive:$stages, Ascend_Positive:$chunks,
                       Ascend_Positive:$micro_batches,
                       DefaultValuedAttr<Ascend_Count, "0">:$extra_warmup,
                       UnitAttr:$overlap);
  let assemblyFormat = [{
    `stages` `=` $stages `,` `chunks` `=` $chunks `,` `micro_batches` `=`
    $micro_batches (`,` `extra_warmup` `=` $extra_warmup^)?
    (`overlap` $overlap^)? attr-dict
  }];
  let hasVerifier = 1;
}

def Ascend_StageMemoryOp : Ascend_Op<"stage_memory", [HasParent<"PlanOp">]> {
  let summary = "static memory of one pipeline stage, in bytes per device";
  let description = [{
    Weights, gradients and optimizer state resident on every device of the
    stage for the whole step, as the layout shards them.

    ```mlir
    ascend.stage_memory stage = 0, weights = 2000, grads = 4000, optimizer = 12000
    ```
  }];
  let arguments = (ins Ascend_Count:$stage, Ascend_Count:$weights,
                       Ascend_Count:$grads, Ascend_Count:$optimizer);
  let assemblyFormat = [{
    `stage` `=` $stage `,` `weights` `=` $weights `,` `grads` `=` $grads `,`
    `optimizer` `=` $optimizer attr-dict
  }];
}

def Ascend_ProgramOp : Ascend_Op<"program", [
    HasParent<"PlanOp">, NoTerminator, SingleBlock, NoRegionArguments]> {
  let summary = "what one device of a stage runs for one chunk and phase";
  let description = [{
    Ops in issue order. Forward and backward programs run once per
    micro-batch; the optimizer program once per step, after the last
    backward. Every `ascend.wait` names an event recorded earlier in the same
    program.

    ```mlir
    ascend.program stage = 0, chunk = 1, backward {
      ascend.recompute "moe3" { ... }
      ascend.cube "moe3.experts.fc2.dgrad" flops = 1, bytes = 1, shape = [128, 7680, 2048], groups = 8
    }
    ```
  }];
  let arguments = (ins Ascend_Count:$stage, Ascend_Count:$chunk,
                       Ascend_Phase:$phase);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `stage` `=` $stage `,` `chunk` `=` $chunk `,` $phase attr-dict-with-keyword
    $body
  }];
  let hasRegionVerifier = 1;
}

def Ascend_RecomputeOp : Ascend_Op<"recompute", [
    ParentOneOf<["ProgramOp"]>, NoTerminator, SingleBlock, NoRegionArguments]> {
  let summary = "forward work rerun in backward instead of saving its outputs";
  let description = [{
    Only in backward programs. Its kernels rerun part of the forward pass;
    its `ascend.save`s hold the regenerated tensors until the backward
    kernels after it `ascend.release` them.

    ```mlir
    ascend.recompute "dense0" {
      ascend.vector "dense0.norm0" flops = 4, bytes = 8
    }
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$name attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

class Ascend_InProgramOp<string mnemonic, list<Trait> traits = []>
    : Ascend_Op<mnemonic, !listconcat(traits,
                                      [ParentOneOf<["ProgramOp", "RecomputeOp"]>])>;

def Ascend_CubeOp : Ascend_InProgramOp<"cube"> {
  let summary = "a matrix kernel on the Cube unit";
  let description = [{
    `groups` matrix products of shape `[m, n, k]` (m×k by k×n), e.g. a
    grouped expert GEMM. `flops` and `bytes` (HBM traffic) are stated by the
    lowering, which knows the kernel (flash attention moves far fewer bytes
    than its shape suggests); the shape drives the efficiency model:
    alignment to 16 and 256 and how many Cube cores the tiles fill. `fp8`
    runs it on the matrix unit's FP8 path; `flash` marks a fused flash-
    attention kernel, which reaches its own share of the peak (softmax and
    masking inside the kernel, the backward's recomputation and atomics).

    ```mlir
    ascend.cube "moe3.experts.fc1" flops = 1, bytes = 2, shape = [512, 4096, 7680], groups = 8
    ```
  }];
  let arguments = (ins StrAttr:$name, Ascend_Count:$flops, Ascend_Count:$bytes,
                       DenseI64ArrayAttr:$shape,
                       DefaultValuedAttr<Ascend_Positive, "1">:$groups,
                       UnitAttr:$fp8, UnitAttr:$flash,
                       DefaultValuedAttr<Ascend_Stream, "Stream::Compute">:$stream);
  let assemblyFormat = [{
    $name `flops` `=` $flops `,` `bytes` `=` $bytes `,` `shape` `=` $shape
    (`,` `groups` `=` $groups^)? (`fp8` $fp8^)? (`flash` $flash^)?
    (`stream` `(` $stream^ `)`)?
    attr-dict
  }];
  let hasVerifier = 1;
}

def Ascend_VectorOp : Ascend_InProgramOp<"vector"> {
  let summary = "an element-wise or reduction kernel on the Vector unit";
  let description = [{
    ```mlir
    ascend.vector "dense0.norm0" flops = 4096, bytes = 16384
    ```
  }];
  let arguments = (ins StrAttr:$name, Ascend_Count:$flops, Ascend_Count:$bytes,
                       DefaultValuedAttr<Ascend_Stream, "Stream::Compute">:$stream);
  let assemblyFormat = [{
    $name `flops` `=` $flops `,` `bytes` `=` $bytes
    (`stream` `(` $stream^ `)`)? attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// Collectives on communicator groups named by grid axes
//===----------------------------------------------------------------------===//

class Ascend_CollectiveOp<string mnemonic, string what, string bytesMeaning>
    : Ascend_InProgramOp<mnemonic,
                         [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = what # " over the devices of a grid-axes group (HCCL/NCCL)";
  let description = [{
    The group is every set of devices that differ only in the coordinates
    of `grid_axes` of the `shard.grid`, as the upstream `shard` collectives
    name them. `bytes`: }] # bytesMeaning # [{. `only first` / `only last`
    runs it in the first / last micro-batch of the step only (gathering
    updated weights, reducing accumulated gradients).

    ```mlir
    ascend.}] # mnemonic # [{ "moe3.dispatch" on @world grid_axes = [2] bytes = 1048576
    ```
  }];
  let arguments = (ins StrAttr:$name, FlatSymbolRefAttr:$grid,
                       DenseI16ArrayAttr:$grid_axes, Ascend_Count:$bytes,
                       DefaultValuedAttr<Ascend_Stream, "Stream::Comm">:$stream,
                       OptionalAttr<Ascend_Occurrence>:$only);
  let assemblyFormat = [{
    $name `on` $grid `grid_axes` `=` $grid_axes `bytes` `=` $bytes
    (`stream` `(` $stream^ `)`)? (`only` $only^)? attr-dict
  }];
}

def Ascend_AllReduceOp : Ascend_CollectiveOp<"all_reduce", "sum-reduce a buffer",
    "the buffer each member holds">;
def Ascend_AllGatherOp : Ascend_CollectiveOp<"all_gather", "gather shards",
    "the gathered result on each member">;
def Ascend_ReduceScatterOp : Ascend_CollectiveOp<"reduce_scatter",
    "sum-reduce and shard a buffer", "the full buffer each member contributes">;
def Ascend_AllToAllOp : Ascend_CollectiveOp<"all_to_all", "exchange shards",
    "what each member holds before the exchange, its own share included">;

def Ascend_SendOp : Ascend_InProgramOp<"send"> {
  let summary = "send activations or gradients to a neighbouring stage";
  let description = [{
    ```mlir
    ascend.send "activations" bytes = 1048576 to next
    ```
  }];
  let arguments = (ins StrAttr:$name, Ascend_Count:$bytes, Ascend_Peer:$peer,
                       DefaultValuedAttr<Ascend_Stream, "Stream::P2P">:$stream);
  let assemblyFormat = [{
    $name `bytes` `=` $bytes `to` $peer (`stream` `(` $stream^ `)`)? attr-dict
  }];
}

def Ascend_RecvOp : Ascend_InProgramOp<"recv"> {
  let summary = "receive activations or gradients from a neighbouring stage";
  let description = [{
    Completes when the matching `ascend.send` of the peer stage has.

    ```mlir
    ascend.recv "activations" bytes = 1048576 from previous
    ```
  }];
  let arguments = (ins StrAttr:$name, Ascend_Count:$bytes, Ascend_Peer:$peer,
                       DefaultValuedAttr<Ascend_Stream, "Stream::P2P">:$stream);
  let assemblyFormat = [{
    $name `bytes` `=` $bytes `from` $peer (`stream` `(` $stream^ `)`)? attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// Memory: saved activations and host swap
//===----------------------------------------------------------------------===//

def Ascend_SaveOp : Ascend_InProgramOp<"save"> {
  let summary = "keep a tensor on the device for the backward pass";
  let description = [{
    The bytes stay live until a later `ascend.release` of the same micro-
    batch and chunk frees them.

    ```mlir
    ascend.save "moe3.attn.q" bytes = 16777216
    ```
  }];
  let arguments = (ins StrAttr:$name, Ascend_Count:$bytes);
  let assemblyFormat = "$name `bytes` `=` $bytes attr-dict";
}

def Ascend_ReleaseOp : Ascend_InProgramOp<"release"> {
  let summary = "free a saved tensor once backward has used it";
  let description = [{
    ```mlir
    ascend.release "moe3.attn.q" bytes = 16777216
    ```
  }];
  let arguments = (ins StrAttr:$name, Ascend_Count:$bytes);
  let assemblyFormat = "$name `bytes` `=` $bytes attr-dict";
}

def Ascend_SwapOutOp : Ascend_InProgramOp<"swap_out"> {
  let summary = "copy a saved tensor to host memory and free its device copy";
  let description = [{
    ```mlir
    ascend.swap_out "moe3.experts.act_input" bytes = 33554432
    ```
  }];
  let arguments = (ins StrAttr:$name, Ascend_Count:$bytes,
                       DefaultValuedAttr<Ascend_Stream, "Stream::Host">:$stream);
  let assemblyFormat = [{
    $name `bytes` `=` $bytes (`stream` `(` $stream^ `)`)? attr-dict
  }];
}

def Ascend_SwapInOp : Ascend_InProgramOp<"swap_in"> {
  let summary = "prefetch a swapped tensor back to the device";
  let description = [{
    ```mlir
    ascend.swap_in "moe3.experts.act_input" bytes = 33554432
    ```
  }];
  let arguments = (ins StrAttr:$name, Ascend_Count:$bytes,
                       DefaultValuedAttr<Ascend_Stream, "Stream::Host">:$stream);
  let assemblyFormat = [{
    $name `bytes` `=` $bytes (`stream` `(` $stream^ `)`)? attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// Events
//===----------------------------------------------------------------------===//

def Ascend_RecordOp : Ascend_InProgramOp<"record"> {
  let summary = "mark the point a stream has reached";
  let description = [{
    ```mlir
    ascend.record "moe3.dispatched" stream(comm)
    ```
  }];
  let arguments = (ins StrAttr:$event,
                       DefaultValuedAttr<Ascend_Stream, "Stream::Compute">:$stream);
  let assemblyFormat = "$event (`stream` `(` $stream^ `)`)? attr-dict";
}

def Ascend_WaitOp : Ascend_InProgramOp<"wait"> {
  let summary = "hold a stream until an event has been recorded";
  let description = [{
    ```mlir
    ascend.wait "moe3.dispatched"
    ```
  }];
  let arguments = (ins StrAttr:$event,
                       DefaultValuedAttr<Ascend_Stream, "Stream::Compute">:$stream);
  let assemblyFormat = "$event (`stream` `(` $stream^ `)`)? attr-dict";
}

#endif // ASCEND_OPS_TD
