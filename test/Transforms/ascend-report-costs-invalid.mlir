// RUN: not moe-opt %s --ascend-report-costs 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not moe-opt %s --ascend-report-costs="cluster=tpu-v5" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not moe-opt %s --ascend-report-costs="cluster=a100-80g:1" 2>&1 | FileCheck %s --check-prefix=FP8

// The pass needs a cluster, and names a bad one.
// NONE: error: ascend-report-costs needs a cluster, e.g. cluster=ascend-910b:8
// UNKNOWN: error: unknown cluster preset 'tpu-v5'
// An FP8 kernel on a device without an FP8 matrix path is an error on the
// kernel, not an infinite step.
// FP8: error: precision fp8: NVIDIA A100 SXM 80GB has no FP8 matrix path (the preset's device.cube_flops_fp8 is 0); use bf16 (--precision=bf16)
// FP8-NEXT: ascend.cube "gemm" flops = 1024, bytes = 0, shape = [8, 8, 8] fp8
// FP8-NOT: remark
ascend.plan @p {
  shard.grid @world(shape = 1)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 1
  ascend.stage_memory stage = 0, weights = 0, grads = 0, optimizer = 0
  ascend.program stage = 0, chunk = 0, forward {
    ascend.cube "gemm" flops = 1024, bytes = 0, shape = [8, 8, 8] fp8
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}
