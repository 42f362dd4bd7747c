//===- ClusterTest.cpp - cluster presets, user files and their errors -----===//
//
// Preset values are checked against ../shared/reference/hardware.md (the
// figures the data files cite; for b300, gb300 and h100-96g, which it lacks,
// against the NVIDIA and torchtitan figures their files cite); every
// validation message is checked on a small user file with one thing wrong.
//
//===----------------------------------------------------------------------===//

#include "moeplan/Cost/Cluster.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace llvm;
using namespace moeplan;

namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;
constexpr double kGB = 1e9, kTFLOPS = 1e12, kUs = 1e-6;

/// Relative comparison: unit conversion may round in the last bit.
::testing::AssertionResult near(double actual, double expected) {
  if (std::abs(actual - expected) <= 1e-12 * std::abs(expected))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "got " << actual << ", expected " << expected;
}

/// The result is an error whose message contains `expected`.
::testing::AssertionResult failsWith(Expected<ClusterSpec> result,
                                     StringRef expected) {
  if (result)
    return ::testing::AssertionFailure() << "loaded, expected an error";
  std::string message = toString(result.takeError());
  if (StringRef(message).contains(expected))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "message: " << message
         << "\nexpected to contain: " << expected.str();
}

ClusterSpec load(StringRef spec) {
  Expected<ClusterSpec> cluster = loadCluster(spec);
  if (!cluster) {
    ADD_FAILURE() << toString(cluster.takeError());
    return ClusterSpec();
  }
  return std::move(*cluster);
}

//===----------------------------------------------------------------------===//
// Presets
//===----------------------------------------------------------------------===//

TEST(ClusterPresets, Names) {
  std::vector<std::string> expected = {
      "a100-40g", "a100-80g", "ascend-910b", "ascend-910c", "b200", "b300",
      "gb200",    "gb300",    "h100-96g",    "h100-sxm",    "h200", "h800"};
  EXPECT_EQ(clusterPresetNames(), expected);
}

/// The headline figures of hardware.md, per preset, in SI units (for the
/// presets hardware.md has no row for, the figures their files cite).
struct HardwareRow {
  const char *preset;
  int64_t perNode;
  double cubeBF16, cubeFP8, memory, memoryBandwidth;
  double intraNode, interNode, peakForMFU;
};

const HardwareRow kHardware[] = {
    // 376T-FP16 SKU; MindSpeed-LLM divides by 354 TFLOPS; RoCE 200 Gb/s.
    {"ascend-910b", 8, 353.9 * kTFLOPS, 0, 64 * kGiB, 1.6e12, 196 * kGB,
     25 * kGB, 354 * kTFLOPS},
    // One die per device; 400 Gb/s per NPU shared by its 2 dies.
    {"ascend-910c", 768, 353.9 * kTFLOPS, 0, 64 * kGiB, 1.6e12, 196 * kGB,
     25 * kGB, 353.9 * kTFLOPS},
    {"a100-40g", 8, 312 * kTFLOPS, 0, 40 * kGiB, 1.555e12, 300 * kGB, 25 * kGB,
     312 * kTFLOPS},
    {"a100-80g", 8, 312 * kTFLOPS, 0, 80 * kGiB, 2.039e12, 300 * kGB, 25 * kGB,
     312 * kTFLOPS},
    {"h100-sxm", 8, 989 * kTFLOPS, 1978 * kTFLOPS, 80 * kGiB, 3.35e12,
     450 * kGB, 50 * kGB, 989 * kTFLOPS},
    {"h800", 8, 989 * kTFLOPS, 1978 * kTFLOPS, 80 * kGiB, 3.35e12, 200 * kGB,
     50 * kGB, 989 * kTFLOPS},
    {"h200", 8, 989 * kTFLOPS, 1978 * kTFLOPS, 141 * kGB, 4.8e12, 450 * kGB,
     50 * kGB, 989 * kTFLOPS},
    {"b200", 8, 2250 * kTFLOPS, 4500 * kTFLOPS, 180 * kGB, 8.0e12, 900 * kGB,
     50 * kGB, 2250 * kTFLOPS},
    {"gb200", 72, 2500 * kTFLOPS, 5000 * kTFLOPS, 186 * kGB, 8.0e12, 900 * kGB,
     50 * kGB, 2500 * kTFLOPS},
    // Not in hardware.md. HGX B300 (NVIDIA HGX page): 36 PFLOPS BF16 and 72
    // PFLOPS FP8 sparse per 8 GPUs, halved; 288 GB at 8 TB/s (Blackwell Ultra
    // blog); ConnectX-8 800 Gb/s per GPU.
    {"b300", 8, 2250 * kTFLOPS, 4500 * kTFLOPS, 288 * kGB, 8.0e12, 900 * kGB,
     100 * kGB, 2250 * kTFLOPS},
    // Not in hardware.md. GB300 NVL72 page: 360 / 720 PFLOPS BF16 / FP8 sparse
    // per 72 GPUs, halved; 279 GB (calibration.json's DGX-GB300 rows); 576
    // TB/s and 130 TB/s NVLink per rack; ConnectX-8 800 Gb/s per GPU.
    {"gb300", 72, 2500 * kTFLOPS, 5000 * kTFLOPS, 279 * kGB, 8.0e12, 900 * kGB,
     100 * kGB, 2500 * kTFLOPS},
    // Not in hardware.md. torchtitan's Grand Teton H100: 96GB HBM2e at 2.4
    // TB/s, 400 Gb/s RDMA per GPU, MFU over the H100 SXM peak.
    {"h100-96g", 8, 989 * kTFLOPS, 1978 * kTFLOPS, 96 * kGiB, 2.4e12, 450 * kGB,
     50 * kGB, 989 * kTFLOPS},
};

TEST(ClusterPresets, MatchHardwareReference) {
  for (const HardwareRow &e : kHardware) {
    SCOPED_TRACE(e.preset);
    ClusterSpec c = load(e.preset);
    EXPECT_EQ(c.preset, e.preset);
    EXPECT_FALSE(c.description.empty());
    EXPECT_FALSE(c.device.name.empty());
    EXPECT_EQ(c.devicesPerNode.value, e.perNode);
    EXPECT_EQ(c.devices, e.perNode); // no count: one node
    EXPECT_EQ(c.nodes(), 1);
    EXPECT_TRUE(near(c.device.cubeFlopsBF16.value, e.cubeBF16));
    EXPECT_TRUE(near(c.device.cubeFlopsFP8.value, e.cubeFP8));
    EXPECT_TRUE(near(c.device.memoryBytes.value, e.memory));
    EXPECT_TRUE(near(c.device.memoryBandwidth.value, e.memoryBandwidth));
    EXPECT_TRUE(near(c.intraNode.bandwidth.value, e.intraNode));
    EXPECT_TRUE(near(c.interNode.bandwidth.value, e.interNode));
    EXPECT_TRUE(near(c.peakFlopsForMFU.value, e.peakForMFU));
    EXPECT_LT(c.device.runtimeReserveBytes.value, c.device.memoryBytes.value);
  }
}

TEST(ClusterPresets, EveryConstantHasASource) {
  for (const std::string &name : clusterPresetNames()) {
    SCOPED_TRACE(name);
    ClusterSpec c = load(name);
    std::vector<std::pair<std::string, const Constant *>> constants =
        c.constants();
    // devices_per_node, 14 device fields, 3 per link, the MFU peak.
    EXPECT_EQ(constants.size(), 1 + 17 + 4 * c.innerTiers.size() + 3 + 3 + 1);
    for (const auto &[path, constant] : constants)
      EXPECT_FALSE(constant->source.empty()) << path;
  }
}

TEST(ClusterPresets, Ascend910B) {
  ClusterSpec c = load("ascend-910b");
  const DeviceSpec &d = c.device;
  EXPECT_TRUE(near(d.vectorFlops.value, 22 * kTFLOPS));
  // Huawei's starting efficiencies and static costs (msmodeling).
  EXPECT_TRUE(near(d.computeEfficiency.value, 0.7));
  EXPECT_TRUE(near(d.memoryEfficiency.value, 0.6));
  EXPECT_TRUE(near(c.intraNode.efficiency.value, 0.7));
  EXPECT_TRUE(near(d.cubeLaunch.value, 5 * kUs));
  EXPECT_TRUE(near(d.vectorLaunch.value, 2 * kUs));
  EXPECT_TRUE(near(d.collectiveLaunch.value, 10 * kUs));
  EXPECT_TRUE(near(c.intraNode.latency.value, 0.5 * kUs));
  EXPECT_TRUE(near(c.interNode.latency.value, 1.5 * kUs));
  EXPECT_EQ(d.alignment.value, 16);
  EXPECT_EQ(d.tileAlignment.value, 256);
  EXPECT_EQ(c.intraNode.topology, LinkTopology::FullMesh);
  EXPECT_EQ(c.interNode.topology, LinkTopology::Switch);
  EXPECT_TRUE(c.innerTiers.empty());
  // Published figures are not assumptions; calibration values are.
  EXPECT_FALSE(d.cubeFlopsBF16.assumption);
  EXPECT_FALSE(c.interNode.bandwidth.assumption);
  EXPECT_TRUE(d.computeEfficiency.assumption);
  EXPECT_TRUE(d.hostLinkBandwidth.assumption);
  EXPECT_TRUE(d.runtimeReserveBytes.assumption);
  EXPECT_NE(d.cubeFlopsBF16.source.find("MindSpeed-LLM"), std::string::npos);
}

TEST(ClusterPresets, Ascend910CTiers) {
  ClusterSpec c = load("ascend-910c:6144");
  ASSERT_EQ(c.innerTiers.size(), 2u);
  EXPECT_EQ(c.innerTiers[0].devices.value, 2);
  EXPECT_TRUE(near(c.innerTiers[0].link.bandwidth.value, 224 * kGB));
  EXPECT_TRUE(near(c.innerTiers[0].link.latency.value, 0.2 * kUs));
  EXPECT_EQ(c.innerTiers[1].devices.value, 16);
  EXPECT_TRUE(near(c.innerTiers[1].link.latency.value, 0.5 * kUs));
  EXPECT_TRUE(near(c.intraNode.latency.value, 5.5 * kUs));
  EXPECT_EQ(c.nodes(), 8);

  EXPECT_EQ(c.levelForSpan(1).name, "links.inner[0]");
  EXPECT_EQ(c.levelForSpan(2).name, "links.inner[0]");
  EXPECT_EQ(c.levelForSpan(8).name, "links.inner[1]");
  EXPECT_EQ(c.levelForSpan(16).name, "links.inner[1]");
  EXPECT_EQ(c.levelForSpan(768).name, "links.intra_node");
  EXPECT_EQ(c.levelForSpan(769).name, "links.inter_node");
  EXPECT_EQ(c.levelForSpan(1 << 20).devices, 6144);

  std::vector<std::pair<std::string, const Constant *>> constants =
      c.constants();
  EXPECT_EQ(constants[18].first, "links.inner[0].devices");
  EXPECT_EQ(constants[19].first, "links.inner[0].bandwidth");
}

TEST(ClusterPresets, ConstantNamesAreStable) {
  ClusterSpec c = load("h100-sxm");
  std::vector<std::pair<std::string, const Constant *>> constants =
      c.constants();
  ASSERT_EQ(constants.size(), 25u);
  EXPECT_EQ(constants.front().first, "devices_per_node");
  EXPECT_EQ(constants[1].first, "device.cube_flops_bf16");
  EXPECT_EQ(constants[4].first, "device.memory");
  EXPECT_EQ(constants[13].first, "device.matrix_cores");
  EXPECT_EQ(constants[15].first, "device.runtime_reserve");
  EXPECT_EQ(constants[16].first, "device.compute_efficiency_fp8");
  EXPECT_EQ(constants[17].first, "device.attention_efficiency");
  EXPECT_EQ(constants[18].first, "links.intra_node.bandwidth");
  EXPECT_EQ(constants[23].first, "links.inter_node.efficiency");
  EXPECT_EQ(constants.back().first, "peak_flops_for_mfu");
  EXPECT_EQ(constants[4].second, &c.device.memoryBytes);
}

TEST(ClusterPresets, FullMeshShare) {
  ClusterSpec c = load("ascend-910b");
  double whole = 196 * kGB * 0.7;
  // A device reaches a group of n through n-1 of its 7 HCCS links.
  EXPECT_TRUE(near(c.intraNode.achievableBandwidth(8, 8), whole));
  EXPECT_TRUE(near(c.intraNode.achievableBandwidth(2, 8), whole / 7));
  EXPECT_TRUE(near(c.intraNode.achievableBandwidth(4, 8), whole * 3 / 7));
  // Through a switch, one peer gets it all.
  EXPECT_TRUE(near(c.interNode.achievableBandwidth(2, 8), 25 * kGB * 0.7));
}

//===----------------------------------------------------------------------===//
// Device counts and preset names
//===----------------------------------------------------------------------===//

TEST(ClusterSpecSyntax, DeviceCounts) {
  ClusterSpec big = load("ascend-910b:6144");
  EXPECT_EQ(big.devices, 6144);
  EXPECT_EQ(big.nodes(), 768);
  // Part of one node, for single-node experiments.
  EXPECT_EQ(load("ascend-910b:1").devices, 1);
  EXPECT_EQ(load("ascend-910b:4").nodes(), 1);
  EXPECT_EQ(load("ascend-910b:8").devices, 8);
  EXPECT_EQ(load("gb200:144").nodes(), 2);
  EXPECT_EQ(load("gb200:144").devicesPerNode.value, 72);
}

TEST(ClusterSpecSyntax, PartlyFilledNVLinkDomains) {
  // Schedulers give NVL72 racks out by the tray of 4: 256 GPUs run as 4
  // NVLink domains of 64, the largest equal split of whole trays.
  ClusterSpec racks = load("gb200:256");
  EXPECT_EQ(racks.devices, 256);
  EXPECT_EQ(racks.devicesPerNode.value, 64);
  EXPECT_EQ(racks.nodes(), 4);
  EXPECT_EQ(racks.devicesPerNode.source,
            "derived: 256 devices in whole allocation units of 4 fill 4 "
            "NVLink domains of 64 (a node holds up to 72)");
  EXPECT_EQ(load("gb300:1024").devicesPerNode.value, 64);
  EXPECT_EQ(load("gb200:100").devicesPerNode.value, 20);
  // A count of whole trays that is no whole number of racks' worth of
  // groups still needs whole trays.
  EXPECT_TRUE(failsWith(loadCluster("gb200:102"),
                        "'gb200:102': 102 devices is not a whole number of "
                        "allocation units of 4; use 100 or 104 (or at most 72 "
                        "for part of one node)"));
  // Presets without trays keep whole nodes.
  EXPECT_EQ(load("h100-sxm").allocationUnit.value, 0);
}

TEST(ClusterSpecSyntax, BadDeviceCounts) {
  for (StringRef count : {"0", "-8", "abc", "", "8.5", "+", "1e3"}) {
    std::string spec = ("ascend-910b:" + count).str();
    SCOPED_TRACE(spec);
    EXPECT_TRUE(failsWith(loadCluster(spec),
                          "device count '" + count.str() + "' in '" + spec +
                              "' must be a positive integer"));
  }
  EXPECT_TRUE(failsWith(loadCluster("ascend-910b:12"),
                        "'ascend-910b:12': 12 devices is not a whole number of "
                        "nodes of 8; use 8 or 16 (or at most 8 for part of "
                        "one node)"));
  EXPECT_TRUE(failsWith(loadCluster("h100-sxm:100"), "use 96 or 104"));
}

TEST(ClusterSpecSyntax, UnknownPreset) {
  Expected<ClusterSpec> result = loadCluster("ascend-910x");
  ASSERT_FALSE(result);
  std::string message = toString(result.takeError());
  EXPECT_EQ(message,
            "unknown cluster preset 'ascend-910x' (did you mean "
            "'ascend-910b' or 'ascend-910c'?); known presets: a100-40g, "
            "a100-80g, ascend-910b, ascend-910c, b200, b300, gb200, gb300, "
            "h100-96g, h100-sxm, h200, h800; or give a cluster file ending in "
            ".json");
  EXPECT_TRUE(failsWith(loadCluster("h100:64"), "unknown cluster preset "
                                                "'h100' (did you mean "
                                                "'h100-96g' or 'h100-sxm'?)"));
  EXPECT_TRUE(failsWith(loadCluster(""), "empty cluster"));
  EXPECT_TRUE(failsWith(loadCluster("tpu-v5:8"), "unknown cluster preset "
                                                 "'tpu-v5'; known presets"));
}

TEST(ClusterSpecSyntax, MissingFile) {
  EXPECT_TRUE(
      failsWith(loadCluster("/nonexistent/cluster.json"),
                "cannot read cluster file '/nonexistent/cluster.json': "));
  EXPECT_TRUE(
      failsWith(loadCluster("/nonexistent/cluster.json:16"),
                "cannot read cluster file '/nonexistent/cluster.json'"));
}

//===----------------------------------------------------------------------===//
// User files
//===----------------------------------------------------------------------===//

/// A valid user file: every required field, no sources.
constexpr StringLiteral kUserFile = R"json({
  "schema": "moe-cluster/1",
  "description": "a test cluster",
  "devices_per_node": {"value": 8, "unit": "devices"},
  "device": {
    "name": "test NPU",
    "cube_flops_bf16": {"value": 300, "unit": "TFLOPS"},
    "cube_flops_fp8": {"value": 0, "unit": "TFLOPS"},
    "vector_flops": {"value": 20, "unit": "TFLOPS"},
    "memory": {"value": 64, "unit": "GB"},
    "memory_bandwidth": {"value": 1.6, "unit": "TB/s"},
    "compute_efficiency": {"value": 0.7, "unit": "fraction"},
    "memory_efficiency": {"value": 0.6, "unit": "fraction"},
    "cube_launch": {"value": 5, "unit": "us"},
    "vector_launch": {"value": 2, "unit": "us"},
    "collective_launch": {"value": 10, "unit": "us"},
    "alignment": {"value": 16, "unit": "elements"},
    "tile_alignment": {"value": 256, "unit": "elements"},
    "matrix_cores": {"value": 24, "unit": "cores"},
    "host_link_bandwidth": {"value": 25, "unit": "GB/s"},
    "runtime_reserve": {"value": 3, "unit": "GB", "source": "measured",
                        "assumption": true}
  },
  "links": {
    "intra_node": {"topology": "full_mesh",
                   "bandwidth": {"value": 196, "unit": "GB/s"},
                   "latency": {"value": 0.5, "unit": "us"},
                   "efficiency": {"value": 0.7, "unit": "fraction"}},
    "inter_node": {"topology": "switch",
                   "bandwidth": {"value": 200, "unit": "Gb/s"},
                   "latency": {"value": 1.5, "unit": "us"},
                   "efficiency": {"value": 0.7, "unit": "fraction"}}
  },
  "peak_flops_for_mfu": {"value": 300, "unit": "TFLOPS"}
})json";

/// The value at a dotted path of `root` ("device.memory.value").
json::Value *at(json::Value &root, StringRef path) {
  json::Value *value = &root;
  SmallVector<StringRef> keys;
  path.split(keys, '.');
  for (StringRef key : keys) {
    json::Object *object = value->getAsObject();
    if (!object || !(value = object->get(key)))
      return nullptr;
  }
  return value;
}

/// kUserFile with `edit` applied, parsed as "x.json".
template <typename Edit> Expected<ClusterSpec> parseEdited(Edit edit) {
  Expected<json::Value> root = json::parse(kUserFile);
  if (!root)
    return root.takeError();
  edit(*root);
  return parseCluster(formatv("{0}", *root).str(), "x.json");
}

/// kUserFile with the value at `path` replaced.
Expected<ClusterSpec> withValue(StringRef path, json::Value value) {
  return parseEdited([&](json::Value &root) {
    auto [parent, key] = path.rsplit('.');
    json::Value *object = key.empty() ? &root : at(root, parent);
    (*object->getAsObject())[key.empty() ? path : key] = std::move(value);
  });
}

/// kUserFile without the key at `path`.
Expected<ClusterSpec> without(StringRef path) {
  return parseEdited([&](json::Value &root) {
    auto [parent, key] = path.rsplit('.');
    json::Value *object = key.empty() ? &root : at(root, parent);
    object->getAsObject()->erase(key.empty() ? path : key);
  });
}

TEST(ClusterFile, ParsesWithDefaults) {
  Expected<ClusterSpec> c = parseCluster(kUserFile, "my-cluster.json");
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_EQ(c->preset, "my-cluster.json");
  EXPECT_EQ(c->description, "a test cluster");
  EXPECT_EQ(c->devices, 8);
  // A constant without a source is the file's own figure.
  EXPECT_EQ(c->device.memoryBytes.source, "my-cluster.json");
  EXPECT_FALSE(c->device.memoryBytes.assumption);
  EXPECT_EQ(c->device.runtimeReserveBytes.source, "measured");
  EXPECT_TRUE(c->device.runtimeReserveBytes.assumption);
  EXPECT_TRUE(near(c->interNode.bandwidth.value, 25 * kGB));
}

TEST(ClusterFile, UnitConversion) {
  Expected<ClusterSpec> c = parseEdited([](json::Value &root) {
    auto set = [&](StringRef path, double value, StringRef unit) {
      json::Object *constant = at(root, path)->getAsObject();
      (*constant)["value"] = value;
      (*constant)["unit"] = unit;
    };
    set("device.cube_flops_bf16", 1.5, "PFLOPS");
    set("device.vector_flops", 500, "GFLOPS");
    set("device.memory", 64, "GiB");
    set("device.memory_bandwidth", 1600, "GB/s");
    set("device.host_link_bandwidth", 2, "GiB/s");
    set("device.runtime_reserve", 512, "MiB");
    set("device.cube_launch", 0.005, "ms");
    set("device.vector_launch", 2000, "ns");
    set("links.inter_node.bandwidth", 400, "Gb/s");
    set("links.inter_node.latency", 0.000002, "s");
    set("links.intra_node.bandwidth", 1.6, "Tb/s");
  });
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_TRUE(near(c->device.cubeFlopsBF16.value, 1.5e15));
  EXPECT_TRUE(near(c->device.vectorFlops.value, 5e11));
  EXPECT_TRUE(near(c->device.memoryBytes.value, 64.0 * (1 << 30)));
  EXPECT_TRUE(near(c->device.memoryBandwidth.value, 1.6e12));
  EXPECT_TRUE(near(c->device.hostLinkBandwidth.value, 2.0 * (1 << 30)));
  EXPECT_TRUE(near(c->device.runtimeReserveBytes.value, 512.0 * (1 << 20)));
  EXPECT_TRUE(near(c->device.cubeLaunch.value, 5e-6));
  EXPECT_TRUE(near(c->device.vectorLaunch.value, 2e-6));
  EXPECT_TRUE(near(c->interNode.bandwidth.value, 50e9));
  EXPECT_TRUE(near(c->interNode.latency.value, 2e-6));
  EXPECT_TRUE(near(c->intraNode.bandwidth.value, 200e9));
}

TEST(ClusterFile, LoadFromDisk) {
  SmallString<128> path;
  int fd;
  ASSERT_FALSE(sys::fs::createTemporaryFile("cluster", "json", fd, path));
  FileRemover remover(path);
  {
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << kUserFile;
  }
  ClusterSpec one = load(path);
  EXPECT_EQ(one.devices, 8);
  EXPECT_EQ(one.preset, path.str());
  EXPECT_EQ(one.device.memoryBytes.source, path.str());
  EXPECT_EQ(load((path + ":64").str()).nodes(), 8);
  EXPECT_TRUE(failsWith(loadCluster((path + ":12").str()),
                        "12 devices is not a whole number of nodes of 8"));
}

TEST(ClusterFile, DevicesKey) {
  Expected<ClusterSpec> c = withValue("devices", 64);
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_EQ(c->devices, 64);
  EXPECT_TRUE(failsWith(withValue("devices", 12),
                        "cluster file 'x.json': 'devices': 12 devices is not a "
                        "whole number of nodes of 8"));
  EXPECT_TRUE(failsWith(withValue("devices", 0),
                        "'devices' must be a positive integer, got 0"));
}

TEST(ClusterFile, MalformedJSON) {
  EXPECT_TRUE(failsWith(parseCluster("{\n  \"schema\": ,\n}", "x.json"),
                        "cluster file 'x.json': malformed JSON at line 2, "
                        "column 13: "));
  EXPECT_TRUE(failsWith(parseCluster("[1, 2]", "x.json"),
                        "cluster file 'x.json': the top level must be a JSON "
                        "object"));
}

TEST(ClusterFile, Schema) {
  EXPECT_TRUE(failsWith(without("schema"),
                        "cluster file 'x.json': 'schema' is missing; expected "
                        "\"moe-cluster/1\""));
  EXPECT_TRUE(failsWith(withValue("schema", "moe-cluster/2"),
                        "'schema' must be \"moe-cluster/1\", got "
                        "\"moe-cluster/2\""));
}

TEST(ClusterFile, MissingFields) {
  EXPECT_TRUE(failsWith(without("device.memory"),
                        "cluster file 'x.json': 'device.memory' is missing"));
  EXPECT_TRUE(
      failsWith(without("devices_per_node"), "'devices_per_node' is missing"));
  EXPECT_TRUE(failsWith(without("device.name"), "'device.name' is missing"));
  EXPECT_TRUE(
      failsWith(without("links.inter_node"), "'links.inter_node' is missing"));
  EXPECT_TRUE(failsWith(without("links.intra_node.topology"),
                        "'links.intra_node.topology' is missing"));
  EXPECT_TRUE(failsWith(without("device.memory.unit"),
                        "'device.memory.unit' is missing"));
  EXPECT_TRUE(failsWith(without("device.memory.value"),
                        "'device.memory.value' is missing"));
  EXPECT_TRUE(failsWith(without("peak_flops_for_mfu"),
                        "'peak_flops_for_mfu' is missing"));
}

TEST(ClusterFile, AttentionEfficiencyIsOptional) {
  Expected<ClusterSpec> c = parseCluster(kUserFile, "my-cluster.json");
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_EQ(c->device.attentionEfficiency.value,
            c->device.computeEfficiency.value);
  EXPECT_EQ(c->device.attentionEfficiency.source,
            "device.compute_efficiency (the file gives no flash-attention "
            "value)");
  json::Object bad{{"value", 0}, {"unit", "fraction"}};
  EXPECT_TRUE(failsWith(
      withValue("device.attention_efficiency", json::Value(std::move(bad))),
      "'device.attention_efficiency.value' must be in"));
}

TEST(ClusterFile, FP8EfficiencyIsOptional) {
  // Without its own value the FP8 path reaches the BF16 path's share.
  Expected<ClusterSpec> c = parseCluster(kUserFile, "my-cluster.json");
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_EQ(c->device.computeEfficiencyFP8.value,
            c->device.computeEfficiency.value);
  EXPECT_EQ(c->device.computeEfficiencyFP8.source,
            "device.compute_efficiency (the file gives no FP8 value)");
  // Given, it is read and checked like every fraction.
  json::Object fp8{{"value", 0.5}, {"unit", "fraction"}};
  Expected<ClusterSpec> given =
      withValue("device.compute_efficiency_fp8", json::Value(std::move(fp8)));
  ASSERT_TRUE(bool(given)) << toString(given.takeError());
  EXPECT_EQ(given->device.computeEfficiencyFP8.value, 0.5);
  json::Object bad{{"value", 1.5}, {"unit", "fraction"}};
  EXPECT_TRUE(failsWith(
      withValue("device.compute_efficiency_fp8", json::Value(std::move(bad))),
      "'device.compute_efficiency_fp8.value' must be in"));
}

TEST(ClusterFile, Values) {
  EXPECT_TRUE(failsWith(withValue("links.inter_node.bandwidth.value", -3),
                        "cluster file 'x.json': "
                        "'links.inter_node.bandwidth.value' must be a positive "
                        "number, got -3"));
  EXPECT_TRUE(failsWith(withValue("device.memory.value", "64"),
                        "'device.memory.value' must be a positive number, got "
                        "\"64\""));
  EXPECT_TRUE(failsWith(withValue("devices_per_node.value", 7.5),
                        "'devices_per_node.value' must be a positive integer, "
                        "got 7.5"));
  EXPECT_TRUE(failsWith(withValue("devices_per_node.value", 0),
                        "'devices_per_node.value' must be a positive integer, "
                        "got 0"));
  EXPECT_TRUE(failsWith(withValue("device.cube_launch.value", -1),
                        "'device.cube_launch.value' must be a number >= 0, "
                        "got -1"));
  for (double bad : {0.0, 1.5, -0.2}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(failsWith(withValue("device.compute_efficiency.value", bad),
                          "'device.compute_efficiency.value' must be in "
                          "(0, 1], got"));
    EXPECT_TRUE(failsWith(withValue("links.intra_node.efficiency.value", bad),
                          "'links.intra_node.efficiency.value' must be in "
                          "(0, 1]"));
  }
  // 1 is the top of the range, and allowed.
  EXPECT_TRUE(bool(withValue("device.memory_efficiency.value", 1)));
  // No FP8 path is 0.
  EXPECT_TRUE(bool(withValue("device.cube_flops_fp8.value", 0)));
  EXPECT_TRUE(failsWith(withValue("device.memory", 64),
                        "'device.memory' must be an object {\"value\", "
                        "\"unit\", \"source\"}, got 64"));
  EXPECT_TRUE(failsWith(withValue("device", "npu"),
                        "'device' must be an object, got \"npu\""));
  EXPECT_TRUE(failsWith(withValue("device.memory.assumption", "yes"),
                        "'device.memory.assumption' must be true or false"));
  EXPECT_TRUE(failsWith(withValue("device.memory.source", 3),
                        "'device.memory.source' must be a string, got 3"));
  EXPECT_TRUE(failsWith(withValue("links.intra_node.topology", "ring"),
                        "'links.intra_node.topology' must be \"switch\" or "
                        "\"full_mesh\", got \"ring\""));
}

// Values no hardware has would carry inf and NaN into every prediction.
TEST(ClusterFile, ImplausibleValues) {
  EXPECT_TRUE(failsWith(withValue("device.cube_flops_bf16.value", 1e308),
                        "'device.cube_flops_bf16.value' is 1e+308 TFLOPS, "
                        "outside what a device or link can have (1e+06 to "
                        "1e+18 FLOP/s)"));
  EXPECT_TRUE(failsWith(withValue("peak_flops_for_mfu.value", 1e-308),
                        "'peak_flops_for_mfu.value' is 1e-308 TFLOPS, outside"));
  EXPECT_TRUE(failsWith(withValue("links.inter_node.bandwidth.value", 1e-20),
                        "'links.inter_node.bandwidth.value' is 1e-20 Gb/s, "
                        "outside what a device or link can have (1000 to "
                        "1e+15 B/s)"));
  EXPECT_TRUE(failsWith(withValue("device.memory.value", 1e20),
                        "'device.memory.value' is 1e+20 GB, outside"));
  EXPECT_TRUE(failsWith(withValue("device.cube_launch.value", 1e7),
                        "'device.cube_launch.value' is 1e+07 us, outside"));
  EXPECT_TRUE(failsWith(withValue("links.intra_node.efficiency.value", 1e-9),
                        "'links.intra_node.efficiency.value' is 1e-09 "
                        "fraction, outside"));
  EXPECT_TRUE(failsWith(withValue("device.matrix_cores.value", 1e9),
                        "'device.matrix_cores.value' is 1e+09 cores, outside"));
  // Zero stays what the ranges allow: no FP8 path, no launch cost.
  EXPECT_TRUE(bool(withValue("device.cube_flops_fp8.value", 0)));
  EXPECT_TRUE(bool(withValue("device.cube_launch.value", 0)));
}

TEST(ClusterFile, Units) {
  EXPECT_TRUE(failsWith(
      withValue("device.memory_bandwidth.unit", "TB/h"),
      "cluster file 'x.json': unknown unit 'TB/h' at "
      "'device.memory_bandwidth'; expected one of B/s, MB/s, GB/s, TB/s, "
      "GiB/s, Mb/s, Gb/s, Tb/s"));
  EXPECT_TRUE(failsWith(withValue("device.memory_bandwidth.unit", "GB"),
                        "unit 'GB' at 'device.memory_bandwidth' is not a "
                        "bandwidth; expected one of B/s"));
  EXPECT_TRUE(failsWith(withValue("device.memory.unit", "GB/s"),
                        "unit 'GB/s' at 'device.memory' is not a size in "
                        "bytes; expected one of B, MB, GB, TB, MiB, GiB"));
  EXPECT_TRUE(failsWith(withValue("device.cube_launch.unit", "µs"),
                        "unknown unit 'µs' at 'device.cube_launch'; expected "
                        "one of s, ms, us, ns"));
  // The unit is checked before the value's range: 70 % is not "> 1".
  EXPECT_TRUE(
      failsWith(parseEdited([](json::Value &root) {
                  json::Object &efficiency =
                      *at(root, "device.compute_efficiency")->getAsObject();
                  efficiency["value"] = 70;
                  efficiency["unit"] = "%";
                }),
                "unknown unit '%' at 'device.compute_efficiency'; "
                "expected one of fraction"));
  EXPECT_TRUE(failsWith(withValue("device.memory.unit", 64),
                        "'device.memory.unit' must be a string, got 64"));
}

TEST(ClusterFile, AllocationUnit) {
  json::Object three{{"value", 3}, {"unit", "devices"}};
  EXPECT_TRUE(
      failsWith(withValue("allocation_unit", json::Value(std::move(three))),
                "'allocation_unit' (3) must divide 'devices_per_node' (8)"));
  json::Object four{{"value", 4}, {"unit", "devices"}};
  Expected<ClusterSpec> trays = parseEdited([&](json::Value &root) {
    (*root.getAsObject())["allocation_unit"] = json::Value(std::move(four));
    (*root.getAsObject())["devices"] = 12;
  });
  ASSERT_TRUE(bool(trays)) << toString(trays.takeError());
  EXPECT_EQ(trays->devices, 12);
  EXPECT_EQ(trays->devicesPerNode.value, 4);
}

TEST(ClusterFile, UnknownKeys) {
  EXPECT_TRUE(failsWith(
      withValue("devices_per_nod", 8),
      "cluster file 'x.json': unknown key 'devices_per_nod' at the top level "
      "(did you mean 'devices_per_node'?); expected one of schema, "
      "description, devices, devices_per_node, allocation_unit, device, "
      "peak_flops_for_mfu, links"));
  EXPECT_TRUE(failsWith(withValue("device.memroy", 1),
                        "unknown key 'memroy' in 'device' (did you mean "
                        "'memory'?)"));
  EXPECT_TRUE(failsWith(withValue("device.memory.sorce", "x"),
                        "unknown key 'sorce' in 'device.memory' (did you mean "
                        "'source'?); expected one of value, unit, source, "
                        "assumption"));
  EXPECT_TRUE(failsWith(withValue("links.intra_node.bandwith", 1),
                        "unknown key 'bandwith' in 'links.intra_node'"));
  EXPECT_TRUE(failsWith(withValue("links.scale_up", 1),
                        "unknown key 'scale_up' in 'links'; expected one of "
                        "inner, intra_node, inter_node"));
}

TEST(ClusterFile, CrossChecks) {
  EXPECT_TRUE(failsWith(withValue("device.runtime_reserve.value", 64),
                        "'device.runtime_reserve' must be less than "
                        "'device.memory'"));
  EXPECT_TRUE(failsWith(withValue("device.tile_alignment.value", 100),
                        "'device.tile_alignment' must be a multiple of "
                        "'device.alignment'"));
}

/// A tier of `devices` devices, as JSON.
json::Value tier(int64_t devices) {
  auto constant = [](double value, StringRef unit) {
    return json::Object{{"value", value}, {"unit", unit}};
  };
  return json::Object{{"devices", constant(devices, "devices")},
                      {"topology", "switch"},
                      {"bandwidth", constant(224, "GB/s")},
                      {"latency", constant(0.2, "us")},
                      {"efficiency", constant(0.7, "fraction")}};
}

TEST(ClusterFile, InnerTiers) {
  Expected<ClusterSpec> c =
      withValue("links.inner", json::Array{tier(2), tier(4)});
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  ASSERT_EQ(c->innerTiers.size(), 2u);
  EXPECT_EQ(c->levelForSpan(3).name, "links.inner[1]");

  EXPECT_TRUE(failsWith(withValue("links.inner", json::Array{tier(3)}),
                        "'links.inner[0].devices' must divide "
                        "'devices_per_node' (8) and be smaller, got 3"));
  EXPECT_TRUE(failsWith(withValue("links.inner", json::Array{tier(8)}),
                        "must divide 'devices_per_node' (8) and be smaller"));
  EXPECT_TRUE(failsWith(withValue("links.inner", json::Array{tier(4), tier(2)}),
                        "'links.inner[1].devices' must be a multiple of, and "
                        "larger than, the tier inside it, got 2"));
  EXPECT_TRUE(failsWith(withValue("links.inner", json::Array{tier(1)}),
                        "'links.inner[0].devices' must be a multiple of, and "
                        "larger than, 1, got 1"));
  EXPECT_TRUE(failsWith(withValue("links.inner", json::Array{1}),
                        "'links.inner[0]' must be an object, got 1"));
  EXPECT_TRUE(failsWith(withValue("links.inner", 1),
                        "'links.inner' must be an array, got 1"));
  json::Value extra = tier(2);
  extra.getAsObject()->insert({"name", "sio"});
  EXPECT_TRUE(failsWith(withValue("links.inner", json::Array{extra}),
                        "unknown key 'name' in 'links.inner[0]'; expected one "
                        "of devices, topology, bandwidth, latency, "
                        "efficiency"));
}

} // namespace
