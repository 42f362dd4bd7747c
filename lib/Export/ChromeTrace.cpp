//===- ChromeTrace.cpp - the simulated step as a Chrome/Perfetto trace ----===//

#include "moeplan/Export/JSONText.h"
#include "moeplan/Export/ChromeTrace.h"

#include "llvm/Support/JSON.h"

#include <set>

using namespace mlir::ascend;

namespace moeplan {

static void writeChromeTraceText(const SimulationResult &simulation,
                      llvm::raw_ostream &os) {
  std::set<std::pair<int64_t, Stream>> tracks;
  for (const TraceEvent &e : simulation.trace)
    tracks.insert({e.stage, e.stream});

  llvm::json::OStream json(os);
  json.object([&] {
    json.attribute("displayTimeUnit", "ms");
    json.attributeArray("traceEvents", [&] {
      // Name the processes (stages) and threads (streams) first.
      std::set<int64_t> stages;
      for (auto [stage, stream] : tracks) {
        if (stages.insert(stage).second)
          json.object([&] {
            json.attribute("ph", "M");
            json.attribute("name", "process_name");
            json.attribute("pid", stage);
            json.attributeObject("args", [&] {
              json.attribute("name", "stage " + std::to_string(stage));
            });
          });
        json.object([&] {
          json.attribute("ph", "M");
          json.attribute("name", "thread_name");
          json.attribute("pid", stage);
          json.attribute("tid", static_cast<int64_t>(stream));
          json.attributeObject("args", [&] {
            json.attribute("name", stringifyStream(stream));
          });
        });
      }
      for (const TraceEvent &e : simulation.trace)
        json.object([&] {
          json.attribute("ph", "X");
          json.attribute("name", e.name);
          json.attribute("cat", stringifyPhase(e.phase));
          json.attribute("pid", e.stage);
          json.attribute("tid", static_cast<int64_t>(e.stream));
          json.attribute("ts", e.start * 1e6);
          json.attribute("dur", e.duration * 1e6);
          json.attributeObject("args", [&] {
            json.attribute("micro_batch", e.microBatch);
            json.attribute("chunk", e.chunk);
            json.attribute("phase", stringifyPhase(e.phase));
          });
        });
    });
  });
  os << "\n";
}

void writeChromeTrace(const SimulationResult &simulation, llvm::raw_ostream &out) {
  // Written whole, then with its numbers in shortest form (JSONText.h).
  std::string text;
  llvm::raw_string_ostream os(text);
  writeChromeTraceText(simulation, os);
  out << tidyJSONNumbers(text);
}

} // namespace moeplan
