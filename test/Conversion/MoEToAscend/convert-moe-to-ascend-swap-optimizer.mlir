// RUN: moe-opt %s --convert-moe-to-ascend | FileCheck %s

// The optimizer state in host memory (moe.memory on the model, MindSpeed's
// --swap-optimizer): the stage's static memory leaves it out, and the
// optimizer step fetches it on the host stream, waits for it, and sends it
// back after the update. 12 bytes per parameter of this DP 2 shard.
// CHECK:      ascend.stage_memory stage = 0, weights = [[W:[0-9]+]], grads = {{[0-9]+}}, optimizer = 0
// CHECK:      ascend.program stage = 0, chunk = 0, optimizer {
// CHECK-NEXT:   ascend.swap_in "optimizer.state" bytes = [[B:[0-9]+]]
// CHECK-NEXT:   ascend.record "optimizer.fetched" stream(host)
// CHECK-NEXT:   ascend.wait "optimizer.fetched"{{$}}
// CHECK-NEXT:   ascend.vector "optimizer.grad_norm"
// CHECK-NEXT:   ascend.vector "optimizer.adam"
// CHECK-NEXT:   ascend.record "optimizer.updated"{{$}}
// CHECK-NEXT:   ascend.wait "optimizer.updated" stream(host)
// CHECK-NEXT:   ascend.swap_out "optimizer.state" bytes = [[B]]
moe.model @m hidden = 64, vocab = 16 attributes {moe.memory = #moe.memory<optimizer = swap>, moe.layout = #moe.layout<tp = 1, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 2, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = true>, moe.training = #moe.training<seq = 128, micro_batch = 1, global_batch = 2, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
