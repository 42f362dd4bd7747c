// RUN: moe-opt %s --moe-plan-overlap=policy=none | FileCheck %s --check-prefix=NONE
// RUN: moe-opt %s --moe-plan-overlap=policy=fb | FileCheck %s --check-prefix=FB
// RUN: moe-opt %s --moe-plan-overlap=policy=fb | moe-opt --moe-plan-overlap=policy=fb | FileCheck %s --check-prefix=FB
// RUN: not moe-opt %s --moe-plan-overlap=policy=always 2>&1 | FileCheck %s --check-prefix=POLICY
// RUN: sed 's/    moe.dispatch$/    moe.dispatch {moe.overlap = #moe.overlap<all_to_all = fb>}/' %s \
// RUN:   | moe-opt --moe-plan-overlap="policy=" | FileCheck %s --check-prefix=FB

// Every op that communicates under the layout (TP 2 with SP, EP 4) lists
// each of its communications, so the IR shows what will be priced; ops
// that do not communicate (norms, router, experts under ETP 1) get none.

// NONE:      moe.embedding {moe.overlap = #moe.overlap<sp_scatter = blocking>}
// NONE:      moe.norm rms{{$}}
// NONE-NEXT: moe.attention {{.*}} {moe.overlap = #moe.overlap<qkv_proj.input_gather = blocking, sp_gather = blocking, sp_scatter = blocking>}
// NONE:      moe.router experts = 8, top_k = 2{{$}}
// NONE-NEXT: moe.dispatch {moe.overlap = #moe.overlap<all_to_all = blocking>}
// NONE-NEXT: moe.experts count = 8, ffn = 64, swiglu{{$}}
// NONE-NEXT: moe.combine {moe.overlap = #moe.overlap<all_to_all = blocking>}
// NONE-NEXT: moe.shared_experts {{.*}} {moe.overlap = #moe.overlap<fc1.input_gather = blocking, sp_gather = blocking, sp_scatter = blocking>}
// NONE:      moe.lm_head {moe.overlap = #moe.overlap<input_gather = blocking, sp_gather = blocking>}
// NONE-NEXT: moe.loss {moe.overlap = #moe.overlap<softmax_reduce = blocking>}

// fb: every communication hides under the other micro-batch's compute;
// running the pass again changes nothing. Without a policy, one choice set
// by hand to fb decides the same.
// FB:      moe.embedding {moe.overlap = #moe.overlap<sp_scatter = fb>}
// FB:      moe.dispatch {moe.overlap = #moe.overlap<all_to_all = fb>}
// FB:      moe.combine {moe.overlap = #moe.overlap<all_to_all = fb>}
// FB:      moe.loss {moe.overlap = #moe.overlap<softmax_reduce = fb>}

// POLICY: error: moe-plan-overlap: unknown policy 'always'; expected none or fb
moe.model @m hidden = 64, vocab = 16 attributes {moe.layout = #moe.layout<tp = 2, pp = 1, vpp = 1, ep = 4, etp = 1, cp = 1, dp = 4, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 256, micro_batch = 1, global_batch = 8, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.norm rms
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
    moe.shared_experts count = 1, ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
