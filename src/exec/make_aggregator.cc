// MakeAggregator: picks the aggregator of a call by its kind and argument type.
#include <string>

#include "exec/aggregator_factories.h"

namespace strata::exec {
namespace {

using sql::AggKind;
using types::DataType;

class UnsupportedAggregator final : public Aggregator {
 public:
  explicit UnsupportedAggregator(std::string message) : message_(std::move(message)) {}

  void Resize(size_t) override {}
  Status Update(std::span<const types::ColumnVector* const>, const uint32_t*, const uint32_t*,
                size_t) override {
    return Error();
  }
  void Merge(Aggregator&, std::span<const uint32_t>) override {}
  Status Finalize(types::ColumnVector&) override { return Error(); }
  size_t MemoryBytes() const override { return 0; }

 private:
  Status Error() const {
    return Status::InvalidArgument(message_).WithProblemCode("unsupported_aggregate");
  }

  const std::string message_;
};

size_t ArgumentCount(AggKind kind) {
  switch (kind) {
    case AggKind::kCountStar: return 0;
    case AggKind::kFirst:
    case AggKind::kLast: return 2;
    default: return 1;
  }
}

}  // namespace

std::unique_ptr<Aggregator> MakeUnsupportedAggregator(std::string message) {
  return std::make_unique<UnsupportedAggregator>(std::move(message));
}

std::unique_ptr<Aggregator> MakeAggregator(const sql::AggregateCall& call) {
  const size_t arity = ArgumentCount(call.kind);
  if (call.args.size() != arity) {
    return MakeUnsupportedAggregator(std::string(sql::AggName(call.kind)) + " takes " +
                                     std::to_string(arity) + " argument(s), got " +
                                     std::to_string(call.args.size()));
  }
  const DataType arg_type = arity > 0 ? call.args[0]->type : DataType::kInt64;
  switch (call.kind) {
    case AggKind::kCount: return MakeCountAggregator(/*count_star=*/false);
    case AggKind::kCountStar: return MakeCountAggregator(/*count_star=*/true);
    case AggKind::kCountDistinct: return MakeCountDistinctAggregator(arg_type);
    case AggKind::kApproxCountDistinct: return MakeApproxCountDistinctAggregator(arg_type);
    case AggKind::kSum: return MakeSumAggregator(arg_type, call.type);
    case AggKind::kAvg: return MakeAvgAggregator(arg_type);
    case AggKind::kMin: return MakeMinMaxAggregator(arg_type, /*max=*/false);
    case AggKind::kMax: return MakeMinMaxAggregator(arg_type, /*max=*/true);
    case AggKind::kStddev: return MakeStddevAggregator(arg_type);
    case AggKind::kQuantile: return MakeQuantileAggregator(arg_type, call.quantile);
    case AggKind::kFirst:
    case AggKind::kLast:
      if (!types::IsIntegerStored(call.args[1]->type)) {
        return MakeUnsupportedAggregator(std::string(sql::AggName(call.kind)) +
                                         " orders by a timestamp, got " +
                                         std::string(types::DataTypeName(call.args[1]->type)));
      }
      return MakeFirstLastAggregator(arg_type, /*last=*/call.kind == AggKind::kLast);
  }
  return MakeUnsupportedAggregator("unknown aggregate");
}

}  // namespace strata::exec
