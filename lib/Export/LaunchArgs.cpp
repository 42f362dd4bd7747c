//===- LaunchArgs.cpp - a plan as MindSpeed-LLM / Megatron-LM arguments ---===//
//
// Reads the model's shape from its ops and the layout and pipeline from the
// plan, and writes them as the command-line flags of the runtime's
// pretrain_gpt.py, as a bash array a launch script sources. Every flag is one
// the runtime's argument parser accepts (data/runtime-args/ lists them with
// the file and commit they were read from); a plan the runtime cannot express
// is an error that names the feature. docs/launch-args.md has the mapping.
//
//===----------------------------------------------------------------------===//

#include "moeplan/Export/LaunchArgs.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"

#include <optional>
#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::moe;

namespace moeplan {

namespace {

//===----------------------------------------------------------------------===//
// Arguments and their shell spelling
//===----------------------------------------------------------------------===//

/// One line of the array: a flag and its values (none for a switch).
struct Arg {
  std::string flag;
  std::vector<std::string> values;
};

/// The arguments in the order they are written.
class ArgList {
public:
  void add(llvm::StringRef flag) { args.push_back({flag.str(), {}}); }
  void add(llvm::StringRef flag, int64_t value) {
    args.push_back({flag.str(), {std::to_string(value)}});
  }
  void add(llvm::StringRef flag, llvm::StringRef value) {
    args.push_back({flag.str(), {value.str()}});
  }
  void add(llvm::StringRef flag, std::vector<std::string> values) {
    args.push_back({flag.str(), std::move(values)});
  }
  const std::vector<Arg> &lines() const { return args; }

private:
  std::vector<Arg> args;
};

/// `word` as one bash word: as is when it holds no character the shell
/// treats specially, else in single quotes.
std::string shellWord(llvm::StringRef word) {
  bool plain = !word.empty() && llvm::all_of(word, [](char c) {
    return llvm::isAlnum(c) || llvm::StringRef("_-+=.,:/@%").contains(c);
  });
  if (plain)
    return word.str();
  std::string quoted = "'";
  for (char c : word)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

llvm::StringRef runtimeName(Runtime runtime) {
  return runtime == Runtime::MindSpeedLLM ? "MindSpeed-LLM" : "Megatron-LM";
}

//===----------------------------------------------------------------------===//
// The model's shape
//===----------------------------------------------------------------------===//

/// What the runtimes' flags describe, read from the model's ops. The decoder
/// layers must agree on attention, norms and experts: neither runtime has a
/// flag for layers that differ (beyond dense versus MoE).
struct ModelShape {
  int64_t hidden = 0, vocab = 0;
  bool tied = false;
  std::optional<int64_t> learnedPositions;
  std::vector<bool> moeLayer; ///< per decoder layer
  int64_t mtpLayers = 0;
  NormKind norm = NormKind::RMS;
  int64_t normsPerLayer = 2; ///< 4 with sandwich (pre and post) norms

  // Op handles (their accessors are not const, hence `mutable`).
  mutable AttentionOp attention; ///< one of these two is set
  mutable MLAAttentionOp mla;
  mutable MLPOp mlp;       ///< the first dense MLP, if any
  mutable RouterOp router; ///< the first MoE layer's ops, if any
  mutable ExpertsOp experts;
  mutable SharedExpertsOp shared; ///< if the MoE layers have shared experts

  int64_t layers() const { return moeLayer.size(); }
  bool isMoE() const { return bool(router); }
  int64_t denseLayers() const { return llvm::count(moeLayer, false); }
};

/// The first op of type `OpT` in `layer`, or null.
template <typename OpT> OpT firstOf(DecoderLayerOp layer) {
  auto ops = layer.getBody().getOps<OpT>();
  return ops.empty() ? OpT() : *ops.begin();
}

/// The first op of each kind the decoder layers hold; every later layer
/// must match them.
struct LayerReference {
  Operation *attention = nullptr, *mlp = nullptr, *router = nullptr,
            *experts = nullptr, *shared = nullptr;
  std::optional<int64_t> norms;
  std::optional<bool> moeHasShared;
};

/// True when `op` is null, or the same op with the same sizes as `ref`
/// (which it becomes when unset). Decision attributes (moe.memory,
/// moe.overlap) may differ: the flags for them are not the layer's shape.
bool matches(Operation *op, Operation *&ref) {
  if (!op)
    return true;
  if (!ref)
    ref = op;
  return op->getName() == ref->getName() &&
         op->getPropertiesAsAttribute() == ref->getPropertiesAsAttribute();
}

/// Checks that `layer` matches the layers read before it in attention, norms
/// and MoE shape.
LogicalResult readLayer(DecoderLayerOp layer, NormKind norm,
                        LayerReference &ref) {
  auto differ = [&](llvm::StringRef what) {
    return mlir::emitError(layer.getLoc())
           << "decoder layer " << layer.getIndex() << " has a different "
           << what << " from the layers before it; neither MindSpeed-LLM "
           << "nor Megatron-LM has flags for layers that differ";
  };
  Operation *attention = firstOf<AttentionOp>(layer);
  if (!attention)
    attention = firstOf<MLAAttentionOp>(layer);
  if (!matches(attention, ref.attention))
    return differ("attention");
  int64_t norms = llvm::range_size(layer.getBody().getOps<NormOp>());
  if (ref.norms.value_or(norms) != norms)
    return differ("number of norms");
  ref.norms = norms;
  for (NormOp op : layer.getBody().getOps<NormOp>())
    if (op.getKind() != norm)
      return differ("norm kind");
  if (!matches(firstOf<MLPOp>(layer), ref.mlp))
    return differ("dense MLP");
  if (!layer.isMoE())
    return success();
  SharedExpertsOp shared = firstOf<SharedExpertsOp>(layer);
  if (ref.moeHasShared.value_or(bool(shared)) != bool(shared))
    return differ("set of shared experts");
  ref.moeHasShared = bool(shared);
  if (!matches(firstOf<RouterOp>(layer), ref.router))
    return differ("router");
  if (!matches(firstOf<ExpertsOp>(layer), ref.experts))
    return differ("experts");
  if (!matches(shared, ref.shared))
    return differ("shared experts");
  return success();
}

FailureOr<ModelShape> readModel(ModelOp model) {
  ModelShape shape;
  shape.hidden = model.getHiddenSize();
  shape.vocab = model.getVocabSize();
  shape.tied = model.getTieWordEmbeddings();
  for (EmbeddingOp embedding : model.getBody().getOps<EmbeddingOp>())
    shape.learnedPositions = embedding.getMaxPositions();
  for (NormOp norm : model.getBody().getOps<NormOp>())
    shape.norm = norm.getKind();

  LayerReference ref;
  for (DecoderLayerOp layer : model.getDecoderLayers()) {
    if (failed(readLayer(layer, shape.norm, ref)))
      return failure();
    shape.moeLayer.push_back(layer.isMoE());
  }
  for (MTPLayerOp mtp : model.getMTPLayers()) {
    if (failed(readLayer(mtp.getDecoderLayer(), shape.norm, ref)))
      return failure();
    ++shape.mtpLayers;
  }
  shape.normsPerLayer = ref.norms.value_or(2);
  shape.attention = dyn_cast_or_null<AttentionOp>(ref.attention);
  shape.mla = dyn_cast_or_null<MLAAttentionOp>(ref.attention);
  shape.mlp = dyn_cast_or_null<MLPOp>(ref.mlp);
  shape.router = dyn_cast_or_null<RouterOp>(ref.router);
  shape.experts = dyn_cast_or_null<ExpertsOp>(ref.experts);
  shape.shared = dyn_cast_or_null<SharedExpertsOp>(ref.shared);
  return shape;
}

//===----------------------------------------------------------------------===//
// The pipeline
//===----------------------------------------------------------------------===//

/// Where the plan puts the layers, as the runtimes need it.
struct PipelineShape {
  int64_t stages = 1;          ///< virtual stages: PP x VPP
  bool known = false;          ///< the plan has a per-stage layout
  std::vector<int64_t> layers; ///< decoder layers per virtual stage
  bool embeddingFirst = true;  ///< embedding on the first virtual stage
  bool headLast = true;        ///< final norm, LM head, loss, MTP on the last
  /// Per layer in the padded numbering of MindSpeed's --noop-layers: 'd'
  /// dense, 'm' MoE, 'n' no-op.
  std::string paddedKinds;

  /// Every virtual stage holds the same number of decoder layers, with the
  /// embedding first and the head last: the split both runtimes make
  /// without a layout.
  bool even() const {
    return embeddingFirst && headLast && llvm::all_equal(layers);
  }
};

bool isDecoderUnit(llvm::StringRef unit) {
  return unit.starts_with("dense") || unit.starts_with("moe");
}

PipelineShape readPipeline(const PlanResult &plan, const ModelShape &model) {
  PipelineShape shape;
  const ParallelLayout &layout = plan.layout;
  const std::vector<std::vector<std::string>> &stages = plan.pipeline.stages;
  shape.stages = layout.pp * layout.vpp;
  shape.known = int64_t(stages.size()) == shape.stages;
  if (!shape.known) {
    // No layout yet: the even split, which the caller checks divides.
    shape.layers.assign(shape.stages, model.layers() / shape.stages);
    for (bool moe : model.moeLayer)
      shape.paddedKinds += moe ? 'm' : 'd';
    return shape;
  }
  int64_t padded = plan.pipeline.paddedLayersPerStage();
  for (auto [v, stage] : llvm::enumerate(stages)) {
    int64_t count = 0;
    for (const std::string &unit : stage) {
      llvm::StringRef name(unit);
      if (isDecoderUnit(name)) {
        ++count;
        shape.paddedKinds += name.starts_with("moe") ? 'm' : 'd';
      } else if (name == "embedding") {
        shape.embeddingFirst &= v == 0;
      } else if (name.starts_with("mtp") || name == "final_norm" ||
                 name == "lm_head" || name == "loss") {
        shape.headLast &= int64_t(v) == shape.stages - 1;
      }
    }
    shape.paddedKinds.append(std::max<int64_t>(padded - count, 0), 'n');
    shape.layers.push_back(count);
  }
  return shape;
}

//===----------------------------------------------------------------------===//
// Flags
//===----------------------------------------------------------------------===//

/// Everything the flag writers read, and the error they fail with.
struct Context {
  Runtime runtime;
  ModelOp model;
  const ModelShape &shape;
  const PipelineShape &pipeline;
  const PlanResult &plan;
  const ParallelLayout &layout;

  bool mindspeed() const { return runtime == Runtime::MindSpeedLLM; }

  /// An error naming `feature` and the runtime, with `detail` after it.
  LogicalResult unsupported(const llvm::Twine &feature,
                            const llvm::Twine &detail = "") const {
    // At the model's location, without the op: a whole model printed after
    // the message would bury it.
    InFlightDiagnostic diag = mlir::emitError(model->getLoc())
                              << runtimeName(runtime) << " cannot express "
                              << feature;
    if (!detail.isTriviallyEmpty())
      diag << ": " << detail;
    return diag;
  }
};

/// Decoder layers the runtime builds: the padded count with MindSpeed's
/// no-op layers, else the model's.
int64_t numLayers(const Context &c) {
  if (c.mindspeed() && c.pipeline.known)
    return c.plan.pipeline.paddedLayersPerStage() * c.pipeline.stages;
  return c.shape.layers();
}

LogicalResult parallelArgs(const Context &c, ArgList &args) {
  const ParallelLayout &l = c.layout;
  if (l.hierarchicalA2a) {
    if (c.mindspeed())
      return c.unsupported(
          "hierarchical all-to-all dispatch (--hierarchical-a2a)",
          "MindSpeed core documents --moe-hierarchical-alltoallv, but "
          "MindSpeed-LLM lists it among the MindSpeed features it does not "
          "support and resets it to false (mindspeed_llm/training/"
          "arguments.py, _add_dummy_args); plan without --hierarchical-a2a");
    return c.unsupported(
        "hierarchical all-to-all dispatch (--hierarchical-a2a)",
        "its dispatchers are allgather, alltoall and flex; plan without "
        "--hierarchical-a2a");
  }
  args.add("--tensor-model-parallel-size", l.tp);
  args.add("--pipeline-model-parallel-size", l.pp);
  if (c.shape.isMoE()) {
    if (l.tpExtendEp && !c.mindspeed())
      return c.unsupported(
          "TP-extended expert parallelism (--tp-extend-ep)",
          "it has no --moe-tp-extend-ep; the same expert placement is "
          "Megatron-Core's parallel folding, --ep=" +
              llvm::Twine(l.tp * l.ep) + " --etp=1");
    args.add("--expert-model-parallel-size", l.ep);
    if (!c.mindspeed())
      args.add("--expert-tensor-parallel-size", l.etp);
    else if (!l.tpExtendEp && l.etp != l.tp)
      return c.unsupported(
          "an expert tensor-parallel size (ETP " + llvm::Twine(l.etp) +
              ") different from TP (" + llvm::Twine(l.tp) + ")",
          "its Megatron (core_r0.8.0) has no --expert-tensor-parallel-size; "
          "experts are split by TP, or not at all with --tp-extend-ep");
  }
  args.add("--context-parallel-size", l.cp);
  if (c.mindspeed() && l.cp > 1)
    args.add("--context-parallel-algo", "megatron_cp_algo");
  if (l.sp && l.tp > 1)
    args.add("--sequence-parallel");
  if (l.distributedOptimizer)
    args.add("--use-distributed-optimizer");
  return success();
}

/// Megatron: the even split as layers per virtual stage, anything else as
/// Megatron-Core's layout string.
LogicalResult megatronPipelineArgs(const Context &c, ArgList &args) {
  const ParallelLayout &l = c.layout;
  if (c.pipeline.known && !c.pipeline.even()) {
    args.add("--pipeline-model-parallel-layout",
             c.plan.pipeline.megatronString());
    return success();
  }
  if (l.vpp > 1)
    args.add("--num-layers-per-virtual-pipeline-stage",
             c.shape.layers() / c.pipeline.stages);
  return success();
}

/// MindSpeed-LLM: layers per virtual stage after padding with no-op layers.
LogicalResult mindspeedPipelineArgs(const Context &c, ArgList &args) {
  if (!c.pipeline.embeddingFirst || !c.pipeline.headLast)
    return c.unsupported(
        "a pipeline that places the embedding off the first stage or the "
        "head, loss or MTP layers off the last",
        "it splits decoder layers only (Megatron-Core's "
        "--pipeline-model-parallel-layout places the others)");
  int64_t perStage = numLayers(c) / c.pipeline.stages;
  if (c.layout.vpp > 1)
    args.add("--num-layers-per-virtual-pipeline-stage", perStage);
  if (!c.pipeline.known)
    return success();
  std::vector<int64_t> noops = c.plan.pipeline.noopLayers();
  if (!noops.empty())
    args.add("--noop-layers",
             llvm::join(llvm::map_range(
                            noops, [](int64_t i) { return std::to_string(i); }),
                        ","));
  return success();
}

LogicalResult pipelineArgs(const Context &c, ArgList &args) {
  if (!c.pipeline.known && c.shape.layers() % c.pipeline.stages != 0)
    return c.unsupported(
        "a split of " + llvm::Twine(c.shape.layers()) +
            " decoder layers over PP x VPP = " +
            llvm::Twine(c.pipeline.stages) + " virtual stages",
        "the plan carries no per-stage layout to pad or place them with");
  if (c.layout.fbOverlap) {
    // MindSpeed-LLM's 1F1B overlap of one micro-batch's all-to-all with the
    // other's compute (its _add_dualpipe_args).
    if (!c.mindspeed())
      return c.unsupported("forward/backward overlap (--fb-overlap)",
                           "use MindSpeed-LLM's --moe-fb-overlap");
    args.add("--moe-fb-overlap");
  }
  return c.mindspeed() ? mindspeedPipelineArgs(c, args)
                       : megatronPipelineArgs(c, args);
}

/// Megatron's --moe-layer-freq list syntax for the dense/MoE pattern, e.g.
/// "([0]*3+[1]*58)".
std::string moeLayerPattern(const std::vector<bool> &moeLayer) {
  std::vector<std::string> runs;
  for (size_t i = 0; i < moeLayer.size();) {
    size_t j = i;
    while (j < moeLayer.size() && moeLayer[j] == moeLayer[i])
      ++j;
    runs.push_back("[" + std::string(moeLayer[i] ? "1" : "0") + "]*" +
                   std::to_string(j - i));
    i = j;
  }
  return "(" + llvm::join(runs, "+") + ")";
}

LogicalResult moeArgs(const Context &c, ArgList &args) {
  const ModelShape &s = c.shape;
  if (!s.isMoE())
    return success();
  int64_t ffn = s.experts.getFfnSize();
  args.add("--num-experts", s.router.getNumExperts());
  args.add("--moe-router-topk", s.router.getTopK());
  if (c.mindspeed())
    args.add("--moe-intermediate-size", ffn);
  args.add("--moe-ffn-hidden-size", ffn);

  if (s.shared) {
    int64_t total = s.shared.getCount() * s.shared.getFfnSize();
    if (!c.mindspeed()) {
      if (s.shared.getGated())
        return c.unsupported("gated shared experts",
                             "it has no shared-expert gate flag");
      args.add("--moe-shared-expert-intermediate-size", total);
    } else {
      if (total % ffn != 0)
        return c.unsupported(
            "shared experts of total width " + llvm::Twine(total),
            "--n-shared-experts counts experts of the routed width " +
                llvm::Twine(ffn));
      args.add("--n-shared-experts", total / ffn);
      if (s.shared.getGated())
        args.add("--shared-expert-gate");
    }
  }

  if (s.denseLayers() > 0) {
    if (!c.mindspeed()) {
      args.add("--moe-layer-freq", moeLayerPattern(s.moeLayer));
    } else {
      // MindSpeed-LLM: the first k layers (no-op padding included) dense,
      // every one after them MoE.
      llvm::StringRef kinds = c.pipeline.paddedKinds;
      size_t firstMoE = kinds.find('m');
      if (kinds.find('d', firstMoE) != llvm::StringRef::npos)
        return c.unsupported(
            "dense layers after the first MoE layer",
            "it has --first-k-dense-replace and an integer --moe-layer-freq "
            "only");
      args.add("--first-k-dense-replace", int64_t(firstMoE));
      args.add("--moe-layer-freq", int64_t(1));
    }
  }

  if (c.mindspeed() && c.layout.tpExtendEp) {
    // MindSpeed's TP-extended EP patches the alltoall_seq dispatcher and
    // requires both of these (mindspeed/features_manager/moe/tp_extend_ep.py).
    args.add("--moe-tp-extend-ep");
    args.add("--moe-permutation-async-comm");
    args.add("--moe-token-dispatcher-type", "alltoall_seq");
  } else {
    args.add("--moe-token-dispatcher-type", "alltoall");
  }
  args.add("--moe-grouped-gemm");
  return success();
}

LogicalResult attentionArgs(const Context &c, ArgList &args) {
  const ModelShape &s = c.shape;
  if (MLAAttentionOp mla = s.mla) {
    args.add("--num-attention-heads", mla.getNumHeads());
    if (c.mindspeed()) {
      // The DeepSeek layer spec, as MindSpeed-LLM's DeepSeek-V3 example
      // launches it.
      args.add("--spec", std::vector<std::string>{
                             "mindspeed_llm.tasks.models.spec.deepseek_spec",
                             "layer_spec"});
      args.add("--multi-head-latent-attention");
    } else {
      args.add("--multi-latent-attention");
    }
    if (std::optional<int64_t> qLora = mla.getQLoraRank())
      args.add("--q-lora-rank", *qLora);
    args.add("--kv-lora-rank", mla.getKvLoraRank());
    args.add(c.mindspeed() ? "--qk-nope-head-dim" : "--qk-head-dim",
             mla.getQkNopeHeadDim());
    args.add(c.mindspeed() ? "--qk-rope-head-dim" : "--qk-pos-emb-head-dim",
             mla.getQkRopeHeadDim());
    args.add("--v-head-dim", mla.getVHeadDim());
    // The RMSNorms on the query and key-value latents.
    args.add("--qk-layernorm");
  } else {
    AttentionOp a = s.attention;
    args.add("--num-attention-heads", a.getNumHeads());
    if (a.getNumKvHeads() != a.getNumHeads()) {
      args.add("--group-query-attention");
      args.add("--num-query-groups", a.getNumKvHeads());
    }
    args.add("--kv-channels", a.getHeadDim());
    if (a.getQkNorm())
      args.add("--qk-layernorm");
    if (a.getQkvBias())
      args.add("--add-qkv-bias");
  }
  if (c.mindspeed()) {
    if (c.layout.attention == "flash")
      args.add("--use-flash-attn");
  } else {
    args.add("--attention-backend",
             c.layout.attention == "flash" ? "flash" : "unfused");
  }
  return success();
}

/// Norms, activation, biases, positions and embeddings.
LogicalResult layerArgs(const Context &c, ArgList &args) {
  const ModelShape &s = c.shape;
  args.add("--normalization",
           s.norm == NormKind::RMS ? "RMSNorm" : "LayerNorm");
  if (s.normsPerLayer == 4) {
    if (!c.mindspeed())
      return c.unsupported("sandwich norms (a norm before and after "
                           "attention and the MLP)");
    args.add("--post-norm");
  } else if (s.normsPerLayer != 2) {
    return c.unsupported(llvm::Twine(s.normsPerLayer) +
                         " norms per decoder layer");
  }

  Activation act = s.mlp ? s.mlp.getActivation() : s.experts.getActivation();
  if (s.mlp && s.experts && s.mlp.getActivation() != s.experts.getActivation())
    return c.unsupported("dense layers and experts with different "
                         "activations");
  if (act == Activation::SwiGLU)
    args.add("--swiglu");
  else if (act == Activation::GeGLU && c.mindspeed())
    args.add("--geglu");
  else if (act != Activation::GeLU)
    return c.unsupported("the " + stringifyActivation(act) + " activation");

  bool outBias = s.attention && s.attention.getOutBias();
  bool mlpBias = s.mlp && s.mlp.getBias();
  if (!outBias && !mlpBias)
    args.add("--disable-bias-linear");

  if (s.learnedPositions) {
    if (s.mtpLayers)
      return c.unsupported("MTP layers with learned absolute positions");
    args.add("--position-embedding-type", "learned_absolute");
  } else {
    args.add("--position-embedding-type", "rope");
  }
  if (!s.tied)
    args.add("--untie-embeddings-and-output-weights");
  return success();
}

/// The vocabulary rounded up to a multiple of TP: both runtimes split the
/// embedding and the LM head into TP equal shards.
int64_t paddedVocab(const Context &c) {
  return llvm::alignTo(c.shape.vocab, c.layout.tp);
}

LogicalResult shapeArgs(const Context &c, ArgList &args) {
  const ModelShape &s = c.shape;
  const ParallelLayout &l = c.layout;
  args.add("--num-layers", numLayers(c));
  args.add("--hidden-size", s.hidden);
  args.add("--ffn-hidden-size",
           s.mlp ? s.mlp.getFfnSize() : s.experts.getFfnSize());
  if (s.mtpLayers) {
    if (c.mindspeed() && l.cp > 1)
      return c.unsupported("MTP layers with context parallelism",
                           "its MTP asserts CP = 1");
    args.add("--mtp-num-layers", s.mtpLayers);
  }
  args.add("--seq-length", l.seq);
  int64_t positions = s.learnedPositions.value_or(l.seq);
  if (positions < l.seq)
    return c.unsupported("a sequence of " + llvm::Twine(l.seq) +
                         " tokens with " + llvm::Twine(positions) +
                         " learned positions");
  args.add("--max-position-embeddings", positions);
  args.add("--padded-vocab-size", paddedVocab(c));
  args.add("--micro-batch-size", l.microBatch);
  args.add("--global-batch-size", l.globalBatch);
  args.add("--bf16");
  if (l.precision == "fp8") {
    // Transformer Engine's FP8 linear layers: E4M3 forward, E5M2 gradients.
    if (c.mindspeed())
      return c.unsupported("FP8 training", "Ascend 910B has no FP8 path");
    args.add("--fp8-format", "hybrid");
  }
  return success();
}

/// The recompute flags that run the plan's memory decisions: a preset
/// where the decisions are one, else the rounding moe-plan priced
/// (roundedMemoryOf). A decision no flag can run is an error naming it.
LogicalResult recomputeArgs(const Context &c, ArgList &args) {
  const PlanResult &plan = c.plan;
  if (c.layout.swapOptimizer) {
    if (!c.mindspeed())
      return c.unsupported("the optimizer state in host memory",
                           "it has no --swap-optimizer");
    args.add("--swap-optimizer");
  }
  bool keepsAll = true, allCore = true, allFull = true, mtpLayers = false;
  for (auto [units, kinds] : llvm::zip(plan.pipeline.stages, plan.unitMemory))
    for (auto [name, kind] : llvm::zip(units, kinds)) {
      StringRef unit(name);
      bool layer = unit.starts_with("dense") || unit.starts_with("moe") ||
                   unit.starts_with("mtp");
      if (!layer) {
        if (kind != UnitMemory::Keep)
          return c.unsupported("recomputing or swapping the tensors of " + unit,
                               "runtimes keep what the embedding, final norm, "
                               "head and loss save");
        continue;
      }
      mtpLayers |= unit.starts_with("mtp");
      keepsAll &= kind == UnitMemory::Keep;
      allCore &= kind == UnitMemory::CoreOnly;
      allFull &= kind == UnitMemory::Full;
    }
  auto full = [&](StringRef method, int64_t layers, bool mtp) -> LogicalResult {
    if (mtp && !c.mindspeed() && method != "uniform")
      return c.unsupported("recomputing MTP layers under block recompute",
                           "its MTP recompute takes only --recompute-method "
                           "uniform with one layer; use --recompute=full");
    args.add("--recompute-granularity", "full");
    args.add("--recompute-method", method);
    args.add("--recompute-num-layers", layers);
    // MindSpeed's full recompute does not reach the MTP layers.
    if (mtp && c.mindspeed())
      args.add("--recompute-mtp-layer");
    return success();
  };
  if (plan.rounded) {
    if (plan.rounded->selective) {
      args.add("--recompute-granularity", "selective");
      return success();
    }
    if (plan.rounded->layers == 0) {
      // Only MTP layers recompute: MindSpeed has a flag for them alone.
      if (!c.mindspeed())
        return c.unsupported("recomputing only the MTP layers",
                             "its MTP recompute follows the decoder layers'");
      args.add("--recompute-mtp-layer");
      return success();
    }
    return full("block", plan.rounded->layers, plan.rounded->mtp);
  }
  if (keepsAll)
    return success();
  if (allCore) {
    args.add("--recompute-granularity", "selective");
    return success();
  }
  if (allFull)
    return full("uniform", 1, mtpLayers);
  return c.unsupported("these per-tensor memory decisions as they are",
                       "moe-plan rounds them to block recompute before "
                       "writing launch arguments");
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

std::string formatted(const char *format, double value) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format(format, value);
  return text;
}

void writeHeader(const Context &c, const Report &report,
                 llvm::raw_ostream &os) {
  const ParallelLayout &l = c.layout;
  const ClusterSpec &cluster = *report.cluster;
  PlanMetrics metrics = computeMetrics(report.model, cluster, c.plan);
  const ModelSummary &m = report.model;
  os << "# " << runtimeName(c.runtime) << " launch arguments written by "
     << "moe-plan (docs/launch-args.md)\n"
     << "# model: " << m.name << " (" << m.denseLayers << " dense, "
     << m.moeLayers << " MoE, " << m.mtpLayers << " MTP layers)\n"
     << "# cluster: " << cluster.preset << ", " << cluster.devices
     << " devices, " << int64_t(cluster.devicesPerNode.value) << " per node\n"
     << "# layout: TP " << l.tp << ", PP " << l.pp << ", VPP " << l.vpp
     << ", EP " << l.ep << ", ETP " << l.etp << ", CP " << l.cp << ", DP "
     << l.dp << (l.tpExtendEp ? ", TP-extended EP" : "")
     << (l.sp && l.tp > 1 ? ", SP" : "") << "; recompute " << l.recompute
     << "\n"
     << "# batch: " << l.globalBatch << " sequences of " << l.seq
     << " tokens, micro-batch " << l.microBatch << "\n"
     << "# predicted: step time " << formatted("%.3f", metrics.stepTime)
     << " s, " << formatted("%.0f", metrics.tokensPerSecond) << " tokens/s\n";
  if (const std::optional<RoundedMemory> &rounded = c.plan.rounded)
    os << "# memory: the per-tensor decisions rounded to "
       << (rounded->selective ? std::string("selective recompute of every layer")
           : rounded->layers == 0
               ? std::string("full recompute of the MTP layers")
               : "full recompute of the first " +
                     (rounded->layers == 1
                          ? std::string("decoder layer")
                          : std::to_string(rounded->layers) +
                                " decoder layers") +
                     " of every virtual stage" +
                     (rounded->mtp ? " and of the MTP layers" : ""))
       << "; predicted as rounded (the decisions predicted "
       << formatted("%.3f", c.plan.unroundedStepTime) << " s)\n";
  if (paddedVocab(c) != c.shape.vocab)
    os << "# vocabulary " << c.shape.vocab << " padded to " << paddedVocab(c)
       << ", a multiple of TP\n";
  if (c.mindspeed() && c.pipeline.known && numLayers(c) != c.shape.layers())
    os << "# " << c.shape.layers() << " decoder layers padded to "
       << numLayers(c) << " with no-op layers\n";
  os << "# usage: source this file, then\n"
     << "#   torchrun ... pretrain_gpt.py \"${MOE_PLAN_ARGS[@]}\" "
     << "<data, tokenizer, optimizer and checkpoint flags>\n";
}

void writeArgs(const ArgList &args, llvm::raw_ostream &os) {
  os << "MOE_PLAN_ARGS=(\n";
  for (const Arg &arg : args.lines()) {
    os << "  " << arg.flag;
    for (const std::string &value : arg.values)
      os << " " << shellWord(value);
    os << "\n";
  }
  os << ")\n";
}

} // namespace

LogicalResult checkParallelLayout(Runtime runtime, ModelOp model,
                                  const ParallelLayout &layout) {
  FailureOr<ModelShape> shape = readModel(model);
  if (failed(shape))
    return failure();
  // The parallel flags read the layout and the model alone.
  PlanResult none;
  PipelineShape pipeline;
  Context c{runtime, model, *shape, pipeline, none, layout};
  ArgList args;
  return parallelArgs(c, args);
}

LogicalResult writeLaunchArgs(Runtime runtime, ModelOp model,
                              const Report &report, llvm::raw_ostream &os) {
  if (!report.plan || !report.cluster)
    return model.emitError()
           << "launch arguments need a plan: add --cluster and the batch sizes";
  FailureOr<ModelShape> shape = readModel(model);
  if (failed(shape))
    return failure();
  const PlanResult &plan = *report.plan;
  PipelineShape pipeline = readPipeline(plan, *shape);
  Context c{runtime, model, *shape, pipeline, plan, plan.layout};

  ArgList args;
  if (c.mindspeed())
    args.add("--use-mcore-models"); // MoE and CP need Megatron-Core models
  for (auto section : {parallelArgs, pipelineArgs, shapeArgs, attentionArgs,
                       layerArgs, moeArgs})
    if (failed(section(c, args)))
      return failure();
  if (failed(recomputeArgs(c, args)))
    return failure();

  writeHeader(c, report, os);
  writeArgs(args, os);
  return success();
}

} // namespace moeplan
