//===- AscendDialect.td - the ascend dialect: per-stage schedules --------===//
//
// The `ascend` dialect is the training step as a device runs it: per
// pipeline stage and virtual chunk, programs of Cube and Vector kernels,
// HCCL collectives on communicator groups named by device-grid axes, host
// transfers, saved activations, recompute regions, and the streams and
// events that order them; the micro-batch schedule is data.
//
//===----------------------------------------------------------------------===//

#ifndef ASCEND_DIALECT_TD
#define ASCEND_DIALECT_TD

include "mlir/IR/OpBase.td"

def Ascend_Dialect : Dialect {
  let name = "ascend";
  let cppNamespace = "::mlir::ascend";
  let summary = "per-stage kernel and collective schedules of a training step";
  let description = [{
    An `ascend.plan` holds the device grid (an upstream `shard.grid`), the
    micro-batch schedule (`ascend.schedule`), each stage's static memory
    (`ascend.stage_memory`) and one `ascend.program` per (stage, chunk,
    phase). A program lists its ops in issue order; each op runs on a stream
    (`compute` unless stated) and streams run in parallel, ordered by
    `ascend.record`/`ascend.wait` events. Programs are written once and run
    once per micro-batch, as the schedule says, so the IR does not grow with
    the number of micro-batches. The cost interpreter executes exactly this
    IR.

    ```mlir
    ascend.plan @llama {
      shard.grid @world(shape = 1x1x1x1x1)
      ascend.schedule stages = 1, chunks = 1, micro_batches = 8
      ascend.stage_memory stage = 0, weights = 2000000000, grads = 4000000000, optimizer = 12000000000
      ascend.program stage = 0, chunk = 0, forward {
        ascend.cube "layer0.attn.qkv_proj" flops = 100663296, bytes = 1000, shape = [4096, 6144, 4096]
        ascend.save "layer0.attn.q" bytes = 16777216
      }
      ...
    }
    ```
  }];
  // Plans name their device grid with the upstream shard dialect.
  let dependentDialects = ["::mlir::shard::ShardDialect"];
}

class Ascend_Op<string mnemonic, list<Trait> traits = []>
    : Op<Ascend_Dialect, mnemonic, traits>;

#endif // ASCEND_DIALECT_TD
