// RUN: moe-opt %s --moe-select-memory=policy=selective --convert-moe-to-ascend | FileCheck %s --check-prefix=SELECTIVE
// RUN: moe-opt %s --moe-select-memory=policy=full --convert-moe-to-ascend | FileCheck %s --check-prefix=FULL
// RUN: sed 's/moe.attention heads = 2, kv_heads = 2, head_dim = 64/& {moe.memory = #moe.memory<q = swap>}/' %s \
// RUN:   | moe-opt --convert-moe-to-ascend | FileCheck %s --check-prefix=SWAP

// Selective recompute (Megatron's core-attention recompute): forward keeps
// everything but the attention core's softmax statistics; backward reruns
// the core when backward reaches the attention op.
// SELECTIVE-LABEL: ascend.program stage = 0, chunk = 0, forward {
// SELECTIVE:         ascend.cube "dense0.attention.core"
// SELECTIVE:         ascend.save "dense0.attention.core_output"
// SELECTIVE-NOT:     ascend.save "dense0.attention.softmax_lse"
// SELECTIVE:         ascend.save "dense0.mlp.fc1_input"
// SELECTIVE-LABEL: ascend.program stage = 0, chunk = 0, backward {
// SELECTIVE:         ascend.release "dense0.norm1.rstd"
// SELECTIVE-NEXT:    ascend.recompute "dense0.attention" {
// 256·257/2 pairs × 2 heads × 2·(64 + 64) FLOPs, fp32 statistics per head.
// SELECTIVE-NEXT:      ascend.cube "dense0.attention.core" flops = 16842752
// SELECTIVE-NEXT:      ascend.save "dense0.attention.softmax_lse" bytes = 2048
// SELECTIVE-NEXT:    }
// SELECTIVE-NEXT:    ascend.cube "dense0.attention.out_proj.dgrad"
// SELECTIVE:         ascend.cube "dense0.attention.core.bwd"
// SELECTIVE:         ascend.release "dense0.attention.softmax_lse" bytes = 2048

// Full recompute (uniform, one layer per checkpoint): forward keeps only
// the layer's input (256 tokens × 128 × bf16); backward reruns the whole
// layer, keeping what its backward needs, then releases the input.
// Model-level ops (embedding, final norm, head, loss) are not recomputed.
// FULL-LABEL: ascend.program stage = 0, chunk = 0, forward {
// FULL:         ascend.save "embedding.token_ids"
// FULL-NEXT:    ascend.vector "dense0.norm0"
// FULL-NOT:     ascend.save "dense0.
// FULL:         ascend.save "dense0.input" bytes = 65536
// FULL-NEXT:    ascend.vector "final_norm"
// FULL-NEXT:    ascend.save "final_norm.input"
// FULL-LABEL: ascend.program stage = 0, chunk = 0, backward {
// FULL:         ascend.release "final_norm.rstd"
// FULL-NEXT:    ascend.recompute "dense0" {
// FULL-NEXT:      ascend.vector "dense0.norm0"
// FULL-NEXT:      ascend.save "dense0.norm0.input"
// FULL:           ascend.save "dense0.attention.softmax_lse"
// FULL:           ascend.save "dense0.mlp.fc2_input"
// FULL-NEXT:    }
// FULL-NEXT:    ascend.cube "dense0.mlp.fc2.dgrad"
// FULL:         ascend.release "dense0.norm0.rstd"
// FULL-NEXT:    ascend.release "dense0.input" bytes = 65536
// FULL-NEXT:    ascend.vector "embedding.lookup.bwd"
// Swapping (a hand-set choice; the tensors without one are kept): the
// attention's query is saved, then copied out on the host stream once the
// compute stream has written it; it is fetched back one unit ahead (while
// the final norm's backward runs, the unit before the layer in backward
// order), and the attention's backward waits for it.
// SWAP-LABEL: ascend.program stage = 0, chunk = 0, forward {
// SWAP:         ascend.save "dense0.attention.q" bytes = 65536
// SWAP-NEXT:    ascend.record "dense0.attention.q.saved"{{$}}
// SWAP-NEXT:    ascend.wait "dense0.attention.q.saved" stream(host)
// SWAP-NEXT:    ascend.swap_out "dense0.attention.q" bytes = 65536{{$}}
// SWAP-NEXT:    ascend.save "dense0.attention.kv"
// SWAP-NOT:     swap_out
// SWAP-LABEL: ascend.program stage = 0, chunk = 0, backward {
// SWAP:         ascend.release "lm_head.input"
// SWAP-NEXT:    ascend.swap_in "dense0.attention.q" bytes = 65536{{$}}
// SWAP-NEXT:    ascend.record "dense0.attention.q.fetched" stream(host)
// SWAP-NEXT:    ascend.vector "final_norm.bwd"
// SWAP:         ascend.release "dense0.norm1.rstd"
// SWAP-NEXT:    ascend.wait "dense0.attention.q.fetched"{{$}}
// SWAP-NEXT:    ascend.cube "dense0.attention.out_proj.dgrad"
// SWAP-NOT:     ascend.recompute
// SWAP:         ascend.release "dense0.attention.q" bytes = 65536
moe.model @dense hidden = 128, vocab = 1000 attributes {moe.training = #moe.training<seq = 256, micro_batch = 1, global_batch = 1, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.norm rms
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
