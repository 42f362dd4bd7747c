//===- ChromeTrace.h - the simulated step as a Chrome/Perfetto trace ------===//

#ifndef MOEPLAN_EXPORT_CHROMETRACE_H
#define MOEPLAN_EXPORT_CHROMETRACE_H

#include "moeplan/Cost/Interpreter.h"
#include "llvm/Support/raw_ostream.h"

namespace moeplan {

/// Writes the trace-event JSON that chrome://tracing and Perfetto load: one
/// process per pipeline stage, one track per stream, one slice per kernel or
/// collective, named by layer and op, with the micro-batch, chunk and phase
/// in its arguments. Times are in microseconds.
void writeChromeTrace(const SimulationResult &simulation, llvm::raw_ostream &os);

} // namespace moeplan

#endif // MOEPLAN_EXPORT_CHROMETRACE_H
