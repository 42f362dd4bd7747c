// RUN: moe-opt %s -split-input-file -verify-diagnostics --moe-shard="global-batch=96 micro-batch=1 seq=4095"

// One case per layout check of moe-shard (layouts given in the IR are checked
// as the pass's own would be), and per verifier message of #moe.layout.

// TP divides the attention heads.
// expected-error @+1 {{attention heads (4) are not divisible by --tp=3; use a TP that divides 4: 1, 2, 4}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 3, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 32, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// TP divides the KV heads.
// expected-error @+1 {{KV heads (2) are not divisible by --tp=4; use a TP that divides 2: 1, 2}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 4, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 24, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 8, kv_heads = 2, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// TP divides the FFN.
// expected-error @+1 {{the FFN width 100 is not divisible by --tp=8}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 8, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 12, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 8, kv_heads = 8, head_dim = 16
    moe.mlp ffn = 100, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// EP x ETP divides the experts.
// expected-error @+1 {{8 experts do not divide over EP x ETP = 3 ranks; use an EP that divides 8}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 1, pp = 1, vpp = 1, ep = 3, etp = 1, cp = 1, dp = 3, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// With TP-extended EP, EP x TP divides the experts.
// expected-error @+1 {{8 experts do not divide over EP x TP = 6 ranks; use an EP that divides 4}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 2, pp = 1, vpp = 1, ep = 3, etp = 1, cp = 1, dp = 3, sp = true, tp_extend_ep = true, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// ETP divides the expert FFN.
// expected-error @+1 {{the expert FFN width 64 is not divisible by --etp=3}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 3, pp = 1, vpp = 1, ep = 2, etp = 3, cp = 1, dp = 2, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 6, kv_heads = 6, head_dim = 16
    moe.router experts = 6, top_k = 2
    moe.dispatch
    moe.experts count = 6, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// MoE with TP needs sequence parallelism.
// expected-error @+1 {{MoE layers with --tp=2 need sequence parallelism (Megatron requires it): add --sp}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 2, pp = 1, vpp = 1, ep = 1, etp = 2, cp = 1, dp = 48, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Expert options need experts.
// expected-error @+1 {{the model has no experts; expert parallelism (--ep, --tp-extend-ep, --hierarchical-a2a) does not apply}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 1, pp = 1, vpp = 1, ep = 2, etp = 1, cp = 1, dp = 2, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The layers, the embedding and the loss fill the pipeline (Megatron's
// layout may give a stage the embedding or the loss alone).
// expected-error @+1 {{the model's 3 layers, embedding and loss cannot fill PP x VPP = 3 x 2 = 6 pipeline stages (each needs one of them); use at most 5 stages}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 1, pp = 3, vpp = 2, ep = 1, etp = 1, cp = 1, dp = 16, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.decoder_layer 1 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.decoder_layer 2 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Virtual stages need a pipeline.
// expected-error @+1 {{--vpp=2 needs pipeline parallelism (--pp > 1)}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 1, pp = 1, vpp = 2, ep = 1, etp = 1, cp = 1, dp = 96, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.decoder_layer 1 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The sequence splits into 2 x CP chunks.
// expected-error @+1 {{--seq=4095 must be divisible by 2 x CP = 4 (each CP rank takes two load-balanced chunks)}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 1, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 2, dp = 48, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// Hierarchical all-to-all needs an expert group wider than a node.
// expected-error @+1 {{hierarchical all-to-all needs 1 < TP <= devices per node (8) and an expert group larger than a node; got TP 2 and expert group 4}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 2, pp = 1, vpp = 1, ep = 2, etp = 1, cp = 1, dp = 48, sp = true, tp_extend_ep = true, hierarchical_a2a = true, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The global batch splits into micro-batches of all replicas.
// expected-error @+1 {{--global-batch=96 is not a multiple of micro-batch x DP = 1 x 64 = 64; try 64 or 128}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 1, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 64, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The interleaved schedule needs micro-batches in multiples of PP.
// expected-error @+1 {{the interleaved schedule (--vpp=2) needs the micro-batches per step (3) to be a multiple of --pp=2; change --global-batch or --micro-batch}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 1, pp = 2, vpp = 2, ep = 1, etp = 1, cp = 1, dp = 32, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.decoder_layer 1 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.decoder_layer 2 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.decoder_layer 3 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.mlp ffn = 64, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// TP-extended EP means ETP 1.
// expected-error @+1 {{layout with tp_extend_ep spreads experts over TP x EP ranks and needs etp = 1, got 2}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 2, pp = 1, vpp = 1, ep = 2, etp = 2, cp = 1, dp = 4, sp = true, tp_extend_ep = true, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// The expert group folds into the attention ranks.
// expected-error @+1 {{layout: the expert group EP x ETP must divide TP x CP x DP = 4}}
moe.model @m hidden = 64, vocab = 100 attributes {moe.layout = #moe.layout<tp = 1, pp = 1, vpp = 1, ep = 8, etp = 1, cp = 1, dp = 4, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 16
    moe.router experts = 8, top_k = 2
    moe.dispatch
    moe.experts count = 8, ffn = 64, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
