// RUN: not moe-opt %s --moe-shard 2>&1 | FileCheck %s --check-prefix=DEVICES
// RUN: not moe-opt %s --moe-shard="devices=12 tp=8" 2>&1 | FileCheck %s --check-prefix=DIVIDE
// RUN: not moe-opt %s --moe-shard="devices=16 ep=32" 2>&1 | FileCheck %s --check-prefix=FOLD
// RUN: not moe-opt %s --moe-shard="devices=16 sp=maybe" 2>&1 | FileCheck %s --check-prefix=SP
// RUN: not moe-opt %s --moe-shard="devices=16 precision=fp4" 2>&1 | FileCheck %s --check-prefix=PRECISION
// RUN: not moe-opt %s --moe-shard="devices=16 attention=fused" 2>&1 | FileCheck %s --check-prefix=ATTENTION
// RUN: not moe-opt %s --moe-shard="devices=16 devices-per-node=0" 2>&1 | FileCheck %s --check-prefix=NODE
// RUN: not moe-opt %s --moe-shard="cluster=tpu-v5:16" 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// Options that cannot make a layout: each message names the option and the fix.
// DEVICES: error: moe-shard needs the cluster's device count (devices=N or cluster=PRESET:N)
// DIVIDE: error: devices (12) must be divisible by TP x PP x CP = 8 x 1 x 1 = 8; choose sizes whose product divides 12
// FOLD: error: the expert group EP x ETP = 32 must divide TP x CP x DP = 16 (experts and attention fold over the same devices); use an EP that divides 16
// SP: error: moe-shard option sp must be auto, true or false, got 'maybe'
// PRECISION: error: moe-shard option precision must be bf16 or fp8, got 'fp4'
// ATTENTION: error: moe-shard option attention must be flash or unfused, got 'fused'
// NODE: error: moe-shard option devices-per-node must be positive, got 0
// UNKNOWN: error: unknown cluster preset 'tpu-v5'
moe.model @m hidden = 64, vocab = 100 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 8
    moe.router experts = 64, top_k = 2
    moe.dispatch
    moe.experts count = 64, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
