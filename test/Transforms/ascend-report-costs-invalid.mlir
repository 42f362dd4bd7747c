// RUN: not moe-opt %s --ascend-report-costs 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not moe-opt %s --ascend-report-costs="cluster=tpu-v5" 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// The pass needs a cluster, and names a bad one.
// NONE: error: ascend-report-costs needs a cluster, e.g. cluster=ascend-910b:8
// UNKNOWN: error: unknown cluster preset 'tpu-v5'
ascend.plan @p {
  shard.grid @world(shape = 1)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 1
  ascend.stage_memory stage = 0, weights = 0, grads = 0, optimizer = 0
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}
