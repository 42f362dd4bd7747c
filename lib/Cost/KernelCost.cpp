//===- KernelCost.cpp - time of one kernel on one device ------------------===//

#include "moeplan/Cost/KernelCost.h"

#include <algorithm>
#include <cmath>

namespace moeplan {
namespace {
int64_t roundUp(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}
int64_t ceilDiv(int64_t value, int64_t divisor) {
  return (value + divisor - 1) / divisor;
}
} // namespace

double cubeShapeEfficiency(const KernelWork &work, const DeviceSpec &device) {
  auto [m, n, k] = work.shape;
  int64_t fractal = std::max<int64_t>(1, device.alignment.value);
  int64_t tile = std::max<int64_t>(1, device.tileAlignment.value);
  int64_t cores = std::max<int64_t>(1, device.matrixCores.value);

  // Every dimension is padded to the fractal the unit multiplies at once.
  double padding = double(m) / roundUp(m, fractal) * double(n) /
                   roundUp(n, fractal) * double(k) / roundUp(k, fractal);
  // A reduction longer than one tile pays for its last tile in full.
  double reduction = k > tile ? double(k) / roundUp(k, tile) : 1.0;
  // Output tiles are spread over the cores in waves; the last wave may
  // leave cores idle (the small-GEMM penalty).
  int64_t tiles = ceilDiv(m, tile) * ceilDiv(n, tile) * work.groups;
  int64_t waves = ceilDiv(tiles, cores);
  double occupancy = double(tiles) / double(waves * cores);
  return padding * reduction * occupancy;
}

double kernelTime(const KernelWork &work, const DeviceSpec &device) {
  double memory = work.bytes / (device.memoryBandwidth.value *
                                device.memoryEfficiency.value);
  if (work.unit == ComputeUnit::Vector) {
    double compute = work.flops / (device.vectorFlops.value *
                                   device.computeEfficiency.value);
    return device.vectorLaunch.value + std::max(compute, memory);
  }
  double peak = work.fp8 ? device.cubeFlopsFP8.value : device.cubeFlopsBF16.value;
  double compute = work.flops / (peak * device.computeEfficiency.value *
                                 cubeShapeEfficiency(work, device));
  return device.cubeLaunch.value + std::max(compute, memory);
}

} // namespace moeplan
