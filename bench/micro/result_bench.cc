// Result encoding micro-benchmarks (bench/micro/README.md): TSBS rows, as a query result
// holds them (tags in dictionary form), encoded as JSON rows the way a JSON page encodes
// them (service::AppendJsonRowsInPieces), on one thread.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "service/result_format.h"
#include "tsbs_rows.h"

namespace strata {
namespace {

constexpr size_t kRows = 400'000;  // About high-cpu-all's 384,636 rows.
constexpr size_t kPieceBytes = size_t{1} << 20;

// kRows TSBS rows of 1,000 hosts in one set of columns, tags as dictionaries.
const std::vector<types::ColumnVector>& ResultColumns() {
  static const std::vector<types::ColumnVector> columns = [] {
    const types::DatasetLayout layout = bench::TsbsCpuLayout("cpu", types::Granularity::kDay);
    bench::TsbsCpuGenerator generator(layout, bench::TsbsOptions{});
    types::Batch batch = generator.NextBatch(kRows);
    for (types::ColumnVector& column : batch.columns) column.DictionaryEncode();
    return batch.columns;
  }();
  return columns;
}

// Arg: rows per call (the columns are encoded in consecutive calls of that many rows).
void BM_JsonRows(benchmark::State& state) {
  const std::vector<types::ColumnVector>& columns = ResultColumns();
  const auto rows = static_cast<size_t>(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    std::vector<std::string> pieces;
    bool first = true;
    for (size_t begin = 0; begin < kRows; begin += rows) {
      service::AppendJsonRowsInPieces(pieces, columns, begin, std::min(kRows, begin + rows), first,
                                      kPieceBytes);
    }
    bytes = 0;
    for (const std::string& piece : pieces) bytes += piece.size();
    benchmark::DoNotOptimize(pieces.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_JsonRows)->Arg(kRows)->Arg(4096)->MinTime(2.0)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
