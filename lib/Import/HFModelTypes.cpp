//===- HFModelTypes.cpp - config.json keys of each supported model_type ---===//
//
// One reader per `model_type` turns a config into a ModelSpec. Keys the IR
// needs are required; keys Hugging Face's config class gives a default are
// read with that default, which the reader records for `moe.hf_defaults`.
// docs/import.md lists the keys and defaults of each type.
//
//===----------------------------------------------------------------------===//

#include "ModelSpec.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"

#include <limits>
#include <string>

using namespace mlir;
using namespace mlir::moe;
using namespace moeplan::detail;

/// Most layers (main or MTP) a config may ask for; a typo such as an extra
/// digit should be an error, not an attempt to build billions of ops.
static constexpr int64_t kMaxLayers = 1 << 16;

//===----------------------------------------------------------------------===//
// Shared readers
//===----------------------------------------------------------------------===//

/// A layer count, bounded by kMaxLayers.
static FailureOr<int64_t> readLayerCount(HFConfigReader &r,
                                         llvm::StringRef key) {
  FailureOr<int64_t> count = r.requiredInt(key, 1);
  if (failed(count))
    return failure();
  if (*count > kMaxLayers) {
    r.keyError(key) << "is " << *count << "; at most " << kMaxLayers
                    << " layers are supported";
    return failure();
  }
  return count;
}

/// " (N)" or " (N, Hugging Face's default for model_type 'T')", so that a
/// consistency error says where a value it did not read came from.
static std::string noteValue(const HFConfigReader &r, llvm::StringRef key,
                             int64_t value) {
  std::string note = " (" + std::to_string(value);
  if (r.isDefaulted(key))
    note += ", Hugging Face's default for model_type '" +
            r.getModelType().str() + "'";
  return note + ")";
}

/// Hidden size, vocabulary, layer count and tied embeddings.
static LogicalResult readBasics(HFConfigReader &r, ModelSpec &spec,
                                llvm::StringRef hiddenKey,
                                llvm::StringRef layersKey, bool tiedDefault) {
  FailureOr<int64_t> hidden = r.requiredInt(hiddenKey, 1);
  if (failed(hidden))
    return failure();
  FailureOr<int64_t> vocab = r.requiredInt("vocab_size", 1);
  if (failed(vocab))
    return failure();
  FailureOr<int64_t> layers = readLayerCount(r, layersKey);
  if (failed(layers))
    return failure();
  FailureOr<bool> tied = r.boolOr("tie_word_embeddings", tiedDefault);
  if (failed(tied))
    return failure();
  spec.hidden = *hidden;
  spec.vocab = *vocab;
  spec.numLayers = *layers;
  spec.tied = *tied;
  return success();
}

/// `hidden_act` of a gated (Llama-style) MLP: SiLU gates SwiGLU, GELU
/// variants gate GeGLU.
static FailureOr<Activation> readGatedActivation(HFConfigReader &r) {
  FailureOr<std::string> act = r.stringOr("hidden_act", "silu");
  if (failed(act))
    return failure();
  if (*act == "silu" || *act == "swish")
    return Activation::SwiGLU;
  if (llvm::is_contained({"gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast",
                          "gelu_python", "gelu_accurate"},
                         *act))
    return Activation::GeGLU;
  r.keyError("hidden_act") << "has unsupported value \"" << *act
                           << "\"; supported: silu, swish (SwiGLU), gelu, "
                              "gelu_new, gelu_pytorch_tanh, gelu_fast, "
                              "gelu_python, gelu_accurate (GeGLU)";
  return failure();
}

namespace {
/// A GQA family's class defaults for the keys configs often omit.
struct GQADefaults {
  /// `num_key_value_heads` when absent; std::nullopt: num_attention_heads.
  std::optional<int64_t> kvHeads;
  /// `head_dim` when absent; std::nullopt: hidden_size / num_attention_heads.
  std::optional<int64_t> headDim;
};
} // namespace

/// Heads, KV heads and head size of `moe.attention`.
static FailureOr<AttentionSpec> readGQA(HFConfigReader &r, int64_t hidden,
                                        GQADefaults defaults) {
  AttentionSpec attn;
  FailureOr<int64_t> heads = r.requiredInt("num_attention_heads", 1);
  if (failed(heads))
    return failure();
  // Every class maps an explicit null to num_attention_heads.
  FailureOr<int64_t> kvHeads = r.intOr(
      "num_key_value_heads", 1, defaults.kvHeads.value_or(*heads), *heads);
  if (failed(kvHeads))
    return failure();
  if (*heads % *kvHeads != 0) {
    r.keyError("num_attention_heads")
        << "(" << *heads << ") is not divisible by 'num_key_value_heads'"
        << noteValue(r, "num_key_value_heads", *kvHeads);
    return failure();
  }
  bool derive = r.isNull("head_dim") ||
                (!r.has("head_dim") && !defaults.headDim.has_value());
  int64_t headDim = 0;
  if (derive) {
    if (hidden % *heads != 0) {
      r.keyError("hidden_size")
          << "(" << hidden << ") is not divisible by 'num_attention_heads' ("
          << *heads << "), so 'head_dim' cannot be derived; give 'head_dim'";
      return failure();
    }
    headDim = hidden / *heads;
    r.recordDefault("head_dim",
                    Builder(r.getContext()).getI64IntegerAttr(headDim));
  } else {
    FailureOr<int64_t> given =
        r.intOr("head_dim", 1, defaults.headDim.value_or(0), std::nullopt);
    if (failed(given))
      return failure();
    headDim = *given;
  }
  attn.heads = *heads;
  attn.kvHeads = *kvHeads;
  attn.headDim = headDim;
  return attn;
}

/// `num_experts_per_tok` must not exceed the routed expert count.
static LogicalResult checkTopK(HFConfigReader &r, int64_t topK,
                               llvm::StringRef expertsKey, int64_t experts) {
  if (topK <= experts)
    return success();
  r.keyError("num_experts_per_tok") << "(" << topK << ") must not exceed '"
                                    << expertsKey << "' (" << experts << ")";
  return failure();
}

/// A count of leading dense layers must not exceed the layer count.
static LogicalResult checkDenseLayers(HFConfigReader &r, llvm::StringRef key,
                                      int64_t dense, int64_t layers) {
  if (dense <= layers)
    return success();
  r.keyError(key) << "(" << dense
                  << ") exceeds the number of layers, 'num_hidden_layers' ("
                  << layers << ")";
  return failure();
}

namespace {
/// The routed experts of one family: the key of the expert count (already
/// read) and the key of each expert's width.
struct MoEKeys {
  llvm::StringRef expertsKey;
  int64_t experts;
  llvm::StringRef expertFfnKey;
};
} // namespace

/// The routed-expert part shared by the MoE families: experts, top-k and
/// expert width; the caller adds shared experts.
static FailureOr<FFNSpec> readRouted(HFConfigReader &r, Activation act,
                                     const MoEKeys &keys) {
  FFNSpec ffn;
  ffn.moe = true;
  ffn.act = act;
  ffn.experts = keys.experts;
  FailureOr<int64_t> topK = r.requiredInt("num_experts_per_tok", 1);
  if (failed(topK) || failed(checkTopK(r, *topK, keys.expertsKey, ffn.experts)))
    return failure();
  FailureOr<int64_t> width = r.requiredInt(keys.expertFfnKey, 1);
  if (failed(width))
    return failure();
  ffn.topK = *topK;
  ffn.ffn = *width;
  return ffn;
}

/// Fills spec.layers from a per-layer predicate, reading the dense and MoE
/// parts only if some layer needs them (so a key is required exactly when
/// the IR uses it).
template <typename IsMoE, typename ReadDense, typename ReadMoE>
static LogicalResult assignLayers(ModelSpec &spec, IsMoE isMoE,
                                  ReadDense readDense, ReadMoE readMoE) {
  bool anyMoE = false, anyDense = false;
  for (int64_t i = 0; i < spec.numLayers; ++i)
    (isMoE(i) ? anyMoE : anyDense) = true;
  FFNSpec dense, moe;
  if (anyMoE) {
    FailureOr<FFNSpec> read = readMoE();
    if (failed(read))
      return failure();
    moe = *read;
  }
  if (anyDense) {
    FailureOr<FFNSpec> read = readDense();
    if (failed(read))
      return failure();
    dense = *read;
  }
  spec.layers.clear();
  for (int64_t i = 0; i < spec.numLayers; ++i)
    spec.layers.push_back(isMoE(i) ? moe : dense);
  return success();
}

/// A dense MLP of width `intermediate_size`.
static FailureOr<FFNSpec> readDenseMLP(HFConfigReader &r, Activation act,
                                       bool bias = false) {
  FailureOr<int64_t> ffn = r.requiredInt("intermediate_size", 1);
  if (failed(ffn))
    return failure();
  return FFNSpec::dense(*ffn, act, bias);
}

/// An MTP layer count, bounded like the main layers.
static LogicalResult readMTP(HFConfigReader &r, ModelSpec &spec,
                             llvm::StringRef key, bool required) {
  FailureOr<int64_t> count =
      required ? r.requiredInt(key, 0) : r.intOr(key, 0, 0, std::nullopt);
  if (failed(count))
    return failure();
  if (*count > kMaxLayers) {
    r.keyError(key) << "is " << *count << "; at most " << kMaxLayers
                    << " MTP layers are supported";
    return failure();
  }
  spec.mtpLayers = *count;
  return success();
}

//===----------------------------------------------------------------------===//
// Llama-style dense and MoE families
//===----------------------------------------------------------------------===//

/// `attention_bias` puts biases on Q, K, V and the output projection.
static LogicalResult readAttentionBias(HFConfigReader &r, AttentionSpec &a) {
  FailureOr<bool> bias = r.boolOr("attention_bias", false);
  if (failed(bias))
    return failure();
  a.qkvBias = a.outBias = *bias;
  return success();
}

/// The dense families: attention from `defaults`, then a gated MLP. `setup`
/// adjusts attention (biases, QK norm) from the family's keys.
template <typename Setup>
static LogicalResult readDenseFamily(HFConfigReader &r, ModelSpec &spec,
                                     GQADefaults defaults, Setup setup,
                                     bool mlpBiasKey = false) {
  if (failed(readBasics(r, spec, "hidden_size", "num_hidden_layers", false)))
    return failure();
  FailureOr<AttentionSpec> attn = readGQA(r, spec.hidden, defaults);
  if (failed(attn) || failed(setup(*attn)))
    return failure();
  spec.attention = *attn;
  bool mlpBias = false;
  if (mlpBiasKey) {
    FailureOr<bool> bias = r.boolOr("mlp_bias", false);
    if (failed(bias))
      return failure();
    mlpBias = *bias;
  }
  FailureOr<Activation> act = readGatedActivation(r);
  if (failed(act))
    return failure();
  return assignLayers(
      spec, [](int64_t) { return false; },
      [&] { return readDenseMLP(r, *act, mlpBias); },
      [&]() -> FailureOr<FFNSpec> { return failure(); });
}

LogicalResult moeplan::detail::readLlama(HFConfigReader &r, ModelSpec &spec) {
  return readDenseFamily(
      r, spec, {std::nullopt, std::nullopt},
      [&](AttentionSpec &a) { return readAttentionBias(r, a); },
      /*mlpBiasKey=*/true);
}

LogicalResult moeplan::detail::readMistral(HFConfigReader &r, ModelSpec &spec) {
  return readDenseFamily(r, spec, {8, std::nullopt},
                         [](AttentionSpec &) { return success(); });
}

LogicalResult moeplan::detail::readQwen2(HFConfigReader &r, ModelSpec &spec) {
  // Qwen2 always has Q/K/V biases and no output bias.
  return readDenseFamily(r, spec, {32, std::nullopt}, [](AttentionSpec &a) {
    a.qkvBias = true;
    return success();
  });
}

LogicalResult moeplan::detail::readQwen3(HFConfigReader &r, ModelSpec &spec) {
  return readDenseFamily(r, spec, {32, 128}, [&](AttentionSpec &a) {
    a.qkNorm = true;
    return readAttentionBias(r, a);
  });
}

LogicalResult moeplan::detail::readMixtral(HFConfigReader &r, ModelSpec &spec) {
  if (failed(readBasics(r, spec, "hidden_size", "num_hidden_layers", false)))
    return failure();
  FailureOr<AttentionSpec> attn = readGQA(r, spec.hidden, {8, std::nullopt});
  if (failed(attn))
    return failure();
  spec.attention = *attn;
  FailureOr<Activation> act = readGatedActivation(r);
  if (failed(act))
    return failure();
  FailureOr<int64_t> experts = r.requiredInt("num_local_experts", 1);
  if (failed(experts))
    return failure();
  return assignLayers(
      spec, [](int64_t) { return true; },
      [&]() -> FailureOr<FFNSpec> { return failure(); },
      [&] {
        return readRouted(r, *act,
                          {"num_local_experts", *experts, "intermediate_size"});
      });
}

/// Qwen2-MoE and Qwen3-MoE: a layer is MoE unless listed in
/// `mlp_only_layers`, when there are experts and (i+1) is a multiple of
/// `decoder_sparse_step`. Qwen2-MoE adds one sigmoid-gated shared expert.
static LogicalResult readQwenMoELayers(HFConfigReader &r, ModelSpec &spec,
                                       Activation act, bool sharedExpert) {
  FailureOr<int64_t> experts = r.requiredInt("num_experts", 0);
  if (failed(experts))
    return failure();
  FailureOr<int64_t> step = r.intOr("decoder_sparse_step", 1, 1, std::nullopt);
  if (failed(step))
    return failure();
  FailureOr<llvm::SmallVector<int64_t>> mlpOnly =
      r.indexListOr("mlp_only_layers", spec.numLayers, "num_hidden_layers");
  if (failed(mlpOnly))
    return failure();
  auto isMoE = [&](int64_t i) {
    return !llvm::is_contained(*mlpOnly, i) && *experts > 0 &&
           (i + 1) % *step == 0;
  };
  auto readMoE = [&]() -> FailureOr<FFNSpec> {
    FailureOr<FFNSpec> ffn =
        readRouted(r, act, {"num_experts", *experts, "moe_intermediate_size"});
    if (failed(ffn) || !sharedExpert)
      return ffn;
    FailureOr<int64_t> shared =
        r.requiredInt("shared_expert_intermediate_size", 1);
    if (failed(shared))
      return failure();
    ffn->sharedCount = 1;
    ffn->sharedFfn = *shared;
    ffn->sharedGated = true;
    return ffn;
  };
  return assignLayers(
      spec, isMoE, [&] { return readDenseMLP(r, act); }, readMoE);
}

static LogicalResult readQwenMoE(HFConfigReader &r, ModelSpec &spec,
                                 bool qwen3) {
  if (failed(readBasics(r, spec, "hidden_size", "num_hidden_layers", false)))
    return failure();
  FailureOr<AttentionSpec> attn =
      readGQA(r, spec.hidden, {qwen3 ? 4 : 16, std::nullopt});
  if (failed(attn))
    return failure();
  if (qwen3) {
    attn->qkNorm = true;
    if (failed(readAttentionBias(r, *attn)))
      return failure();
  } else {
    FailureOr<bool> qkvBias = r.boolOr("qkv_bias", true);
    if (failed(qkvBias))
      return failure();
    attn->qkvBias = *qkvBias;
  }
  spec.attention = *attn;
  FailureOr<Activation> act = readGatedActivation(r);
  if (failed(act))
    return failure();
  return readQwenMoELayers(r, spec, *act, /*sharedExpert=*/!qwen3);
}

LogicalResult moeplan::detail::readQwen2MoE(HFConfigReader &r,
                                            ModelSpec &spec) {
  return readQwenMoE(r, spec, /*qwen3=*/false);
}

LogicalResult moeplan::detail::readQwen3MoE(HFConfigReader &r,
                                            ModelSpec &spec) {
  return readQwenMoE(r, spec, /*qwen3=*/true);
}

//===----------------------------------------------------------------------===//
// GPT-2
//===----------------------------------------------------------------------===//

/// GPT-2's `activation_function` (one projection, no gate).
static FailureOr<Activation> readGPT2Activation(HFConfigReader &r) {
  FailureOr<std::string> act = r.stringOr("activation_function", "gelu_new");
  if (failed(act))
    return failure();
  if (llvm::is_contained({"gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast",
                          "gelu_python", "gelu_accurate", "quick_gelu"},
                         *act))
    return Activation::GeLU;
  if (*act == "relu")
    return Activation::ReLU;
  if (*act == "silu" || *act == "swish")
    return Activation::SiLU;
  r.keyError("activation_function")
      << "has unsupported value \"" << *act
      << "\"; supported: gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, "
         "gelu_python, gelu_accurate, quick_gelu, relu, silu, swish";
  return failure();
}

LogicalResult moeplan::detail::readGPT2(HFConfigReader &r, ModelSpec &spec) {
  // GPT-2 ties its LM head to the embedding (PretrainedConfig's default).
  if (failed(readBasics(r, spec, "n_embd", "n_layer", /*tiedDefault=*/true)))
    return failure();
  FailureOr<int64_t> heads = r.requiredInt("n_head", 1);
  if (failed(heads))
    return failure();
  if (spec.hidden % *heads != 0) {
    r.keyError("n_embd") << "(" << spec.hidden
                         << ") is not divisible by 'n_head' (" << *heads << ")";
    return failure();
  }
  FailureOr<int64_t> positions = r.requiredInt("n_positions", 1);
  if (failed(positions))
    return failure();
  int64_t inner = 0;
  if (!r.has("n_inner") || r.isNull("n_inner")) {
    // GPT2Config: n_inner None means 4 * n_embd.
    if (spec.hidden > std::numeric_limits<int64_t>::max() / 4) {
      r.keyError("n_embd") << "(" << spec.hidden
                           << ") is too large for the default 'n_inner' "
                              "(4 * n_embd); give 'n_inner'";
      return failure();
    }
    inner = 4 * spec.hidden;
    r.recordDefault("n_inner",
                    Builder(r.getContext()).getI64IntegerAttr(inner));
  } else {
    FailureOr<int64_t> given = r.requiredInt("n_inner", 1);
    if (failed(given))
      return failure();
    inner = *given;
  }
  FailureOr<Activation> act = readGPT2Activation(r);
  if (failed(act))
    return failure();
  spec.positions = *positions;
  spec.norm = NormKind::Layer;
  spec.attention.heads = spec.attention.kvHeads = *heads;
  spec.attention.headDim = spec.hidden / *heads;
  spec.attention.qkvBias = spec.attention.outBias = true;
  spec.layers.assign(spec.numLayers, FFNSpec::dense(inner, *act, true));
  return success();
}

//===----------------------------------------------------------------------===//
// MLA families: DeepSeek-V2/V3, Kimi K2, openPangu Ultra MoE
//===----------------------------------------------------------------------===//

namespace {
/// The spelling of the MLA and MoE keys of one MLA family.
struct MLAKeys {
  llvm::StringRef qLora, kvLora, qkNope, qkRope, v;
};
} // namespace

/// Reads `moe.mla_attention`'s sizes. A null query rank means no query
/// compression; `qLoraDefault` is the class default when the key is absent
/// (std::nullopt: the key is required).
static FailureOr<AttentionSpec> readMLA(HFConfigReader &r, const MLAKeys &keys,
                                        std::optional<int64_t> qLoraDefault) {
  AttentionSpec attn;
  attn.mla = true;
  FailureOr<int64_t> heads = r.requiredInt("num_attention_heads", 1);
  if (failed(heads))
    return failure();
  attn.heads = *heads;
  for (auto [key, field] :
       {std::pair{keys.kvLora, &attn.kvLora},
        std::pair{keys.qkNope, &attn.qkNope},
        std::pair{keys.qkRope, &attn.qkRope}, std::pair{keys.v, &attn.v}}) {
    FailureOr<int64_t> value = r.requiredInt(key, 1);
    if (failed(value))
      return failure();
    *field = *value;
  }
  if (!r.has(keys.qLora) && qLoraDefault) {
    attn.qLora = *qLoraDefault;
    r.recordDefault(keys.qLora,
                    Builder(r.getContext()).getI64IntegerAttr(*qLoraDefault));
    return attn;
  }
  FailureOr<std::optional<int64_t>> qLora = r.nullableInt(keys.qLora, 1);
  if (failed(qLora))
    return failure();
  attn.qLora = *qLora;
  return attn;
}

/// DeepSeek-V2 and -V3 (and configs that follow V3, such as Kimi K2): layer
/// i is MoE iff `n_routed_experts` is set, i >= first_k_dense_replace and
/// i % moe_layer_freq == 0.
static LogicalResult readDeepseek(HFConfigReader &r, ModelSpec &spec, bool v3) {
  if (failed(readBasics(r, spec, "hidden_size", "num_hidden_layers", false)))
    return failure();
  FailureOr<AttentionSpec> attn =
      readMLA(r,
              {"q_lora_rank", "kv_lora_rank", "qk_nope_head_dim",
               "qk_rope_head_dim", "v_head_dim"},
              /*qLoraDefault=*/1536);
  if (failed(attn))
    return failure();
  spec.attention = *attn;
  FailureOr<bool> bias = r.boolOr("attention_bias", false);
  if (failed(bias))
    return failure();
  if (*bias) {
    r.keyError("attention_bias")
        << "is true, which 'moe.mla_attention' cannot represent (it has no "
           "projection biases)";
    return failure();
  }
  FailureOr<Activation> act = readGatedActivation(r);
  if (failed(act))
    return failure();
  FailureOr<std::optional<int64_t>> routed =
      r.nullableInt("n_routed_experts", 1);
  if (failed(routed))
    return failure();
  // DeepseekV3Config (transformers and DeepSeek's own code) defaults to 3.
  FailureOr<int64_t> firstDense =
      r.intOr("first_k_dense_replace", 0, v3 ? 3 : 0, std::nullopt);
  if (failed(firstDense) ||
      failed(checkDenseLayers(r, "first_k_dense_replace", *firstDense,
                              spec.numLayers)))
    return failure();
  FailureOr<int64_t> freq = r.intOr("moe_layer_freq", 1, 1, std::nullopt);
  if (failed(freq))
    return failure();
  auto isMoE = [&](int64_t i) {
    return routed->has_value() && i >= *firstDense && i % *freq == 0;
  };
  auto readMoE = [&]() -> FailureOr<FFNSpec> {
    FailureOr<FFNSpec> ffn = readRouted(
        r, *act, {"n_routed_experts", **routed, "moe_intermediate_size"});
    if (failed(ffn))
      return failure();
    FailureOr<std::optional<int64_t>> shared =
        r.nullableInt("n_shared_experts", 0);
    if (failed(shared))
      return failure();
    ffn->sharedCount = shared->value_or(0);
    ffn->sharedFfn = ffn->ffn;
    return ffn;
  };
  if (failed(assignLayers(
          spec, isMoE, [&] { return readDenseMLP(r, *act); }, readMoE)))
    return failure();
  // DeepSeek-V2 has no MTP; transformers' V3 builds none unless asked.
  return v3 ? readMTP(r, spec, "num_nextn_predict_layers", /*required=*/false)
            : success();
}

LogicalResult moeplan::detail::readDeepseekV2(HFConfigReader &r,
                                              ModelSpec &spec) {
  return readDeepseek(r, spec, /*v3=*/false);
}

LogicalResult moeplan::detail::readDeepseekV3(HFConfigReader &r,
                                              ModelSpec &spec) {
  return readDeepseek(r, spec, /*v3=*/true);
}

/// openPangu Ultra MoE: MLA, the first `num_dense_layers` layers dense, and
/// depth-scaled sandwich norms around both attention and the FFN.
LogicalResult moeplan::detail::readPanguUltraMoE(HFConfigReader &r,
                                                 ModelSpec &spec) {
  if (failed(readBasics(r, spec, "hidden_size", "num_hidden_layers", false)))
    return failure();
  FailureOr<AttentionSpec> attn =
      readMLA(r,
              {"attention_q_lora_dim", "attention_kv_lora_dim",
               "attention_qk_dim", "attention_qk_rope_dim", "attention_v_dim"},
              /*qLoraDefault=*/std::nullopt);
  if (failed(attn))
    return failure();
  spec.attention = *attn;
  FailureOr<Activation> act = readGatedActivation(r);
  if (failed(act))
    return failure();
  FailureOr<int64_t> dense = r.requiredInt("num_dense_layers", 0);
  if (failed(dense) ||
      failed(checkDenseLayers(r, "num_dense_layers", *dense, spec.numLayers)))
    return failure();
  FailureOr<int64_t> routed = r.requiredInt("num_routed_experts", 1);
  if (failed(routed))
    return failure();
  auto readMoE = [&]() -> FailureOr<FFNSpec> {
    FailureOr<FFNSpec> ffn = readRouted(
        r, *act, {"num_routed_experts", *routed, "moe_intermediate_size"});
    if (failed(ffn))
      return failure();
    FailureOr<int64_t> shared = r.requiredInt("num_shared_experts", 0);
    if (failed(shared))
      return failure();
    ffn->sharedCount = *shared;
    ffn->sharedFfn = ffn->ffn;
    return ffn;
  };
  if (failed(assignLayers(
          spec, [&](int64_t i) { return i >= *dense; },
          [&] { return readDenseMLP(r, *act); }, readMoE)))
    return failure();
  // The openPangu modeling code builds the sandwich norms; vLLM reads an
  // optional `sandwich_norm` flag, honoured here when it is given.
  FailureOr<bool> sandwich = r.boolOr("sandwich_norm", true);
  if (failed(sandwich))
    return failure();
  spec.sandwich = *sandwich;
  return readMTP(r, spec, "num_mtp_layers", /*required=*/true);
}
