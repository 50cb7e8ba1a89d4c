// The aggregator of each AggKind, one factory per file, for MakeAggregator
// (make_aggregator.cc). Argument types are the binder's; a factory given a type its function
// does not take returns MakeUnsupportedAggregator's aggregator.
// Thread safety: the factories are stateless.
#pragma once

#include <memory>
#include <string>

#include "exec/aggregator.h"
#include "types/data_type.h"

namespace strata::exec {

// count(*) when `count_star`, else count(x) over non-NULL values.
std::unique_ptr<Aggregator> MakeCountAggregator(bool count_star);
// sum and avg over int64 (exact, in 128 bits) or float64.
std::unique_ptr<Aggregator> MakeSumAggregator(types::DataType arg_type,
                                              types::DataType result_type);
std::unique_ptr<Aggregator> MakeAvgAggregator(types::DataType arg_type);
// min and max of bool, int64, timestamp, float64 (NaN above everything), string and json
// (bytewise).
std::unique_ptr<Aggregator> MakeMinMaxAggregator(types::DataType arg_type, bool max);
// Sample standard deviation of int64 or float64 values.
std::unique_ptr<Aggregator> MakeStddevAggregator(types::DataType arg_type);
// Exact quantile (linear interpolation) of int64 or float64 values. REQUIRES: none on
// `quantile`; a value outside [0, 1] makes Update and Finalize fail.
std::unique_ptr<Aggregator> MakeQuantileAggregator(types::DataType arg_type, double quantile);
// count(DISTINCT x), exact, and approx_count_distinct(x), HyperLogLog, over any type.
std::unique_ptr<Aggregator> MakeCountDistinctAggregator(types::DataType arg_type);
std::unique_ptr<Aggregator> MakeApproxCountDistinctAggregator(types::DataType arg_type);
// first(x, time) and last(x, time) over any type x; time is int64 µs.
std::unique_ptr<Aggregator> MakeFirstLastAggregator(types::DataType arg_type, bool last);

// An aggregator whose Update and Finalize fail with InvalidArgument "<message>" (problem
// code "unsupported_aggregate"): the answer to a call the binder should have refused.
std::unique_ptr<Aggregator> MakeUnsupportedAggregator(std::string message);

}  // namespace strata::exec
