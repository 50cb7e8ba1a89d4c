#include "exec/executor.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>

#include "exec/aggregator.h"
#include "exec/evaluator.h"
#include "exec/group_table.h"
#include "exec/row_order.h"

#include <span>

namespace strata::exec {

using sql::QueryPlan;
using types::ColumnVector;

namespace {

constexpr size_t kOutputChunkRows = 8192;
// A thread's buffered rows are cut back to the top N once they exceed this many rows (and
// 4 N), so ORDER BY ... LIMIT holds O(N) rows per thread.
constexpr size_t kTopNPruneRows = 65536;

// Output columns (visible then hidden) of rows buffered until the scan ends.
struct RowBuffer {
  std::vector<ColumnVector> columns;
  size_t rows = 0;

  explicit RowBuffer(const QueryPlan& plan) {
    for (const sql::OutputColumn& column : plan.outputs) columns.emplace_back(column.type);
  }
  void Append(const std::vector<ColumnVector>& computed, size_t n) {
    for (size_t j = 0; j < columns.size(); ++j) columns[j].AppendRange(computed[j], 0, n);
    rows += n;
  }
  void Keep(const std::vector<uint32_t>& kept) {
    for (ColumnVector& column : columns) {
      ColumnVector gathered(column.type());
      gathered.AppendSelected(column, kept);
      column = std::move(gathered);
    }
    rows = kept.size();
  }
  size_t MemoryBytes() const {
    size_t bytes = 0;
    for (const ColumnVector& column : columns) bytes += column.MemoryBytes();
    return bytes;
  }
};

// What one scan thread holds between batches.
struct LocalState {
  explicit LocalState(const QueryPlan& plan) : buffer(plan) {
    if (!plan.aggregate) return;
    if (!plan.group_keys.empty()) {
      std::vector<types::DataType> types;
      for (const sql::BoundExprPtr& key : plan.group_keys) types.push_back(key->type);
      groups.emplace(std::move(types));
    }
    for (const sql::AggregateCall& call : plan.aggregates) {
      aggregators.push_back(MakeAggregator(call));
      if (plan.group_keys.empty()) aggregators.back()->Resize(1);
    }
  }

  size_t MemoryBytes() const {
    size_t bytes = buffer.MemoryBytes() + selection.capacity() * 4 + gids.capacity() * 4;
    if (groups) bytes += groups->MemoryBytes();
    for (const auto& aggregator : aggregators) bytes += aggregator->MemoryBytes();
    return bytes;
  }

  std::optional<GroupTable> groups;
  std::vector<std::unique_ptr<Aggregator>> aggregators;
  RowBuffer buffer;
  // DISTINCT ON candidates: groups of the key, and per group its best row in `buffer`.
  std::optional<GroupTable> distinct_groups;
  std::vector<uint32_t> best;
  std::vector<uint32_t> selection;
  std::vector<uint32_t> gids;
  int64_t reported_bytes = 0;
};

// DISTINCT ON (k...) ORDER BY k..., rest: only the first row of each key in `rest` order can
// be in the result, so each thread keeps one candidate row per key instead of every row.
bool KeepsCandidates(const QueryPlan& plan) {
  if (plan.aggregate || plan.distinct || plan.distinct_on.empty() ||
      plan.order_by.size() < plan.distinct_on.size()) {
    return false;
  }
  for (size_t i = 0; i < plan.distinct_on.size(); ++i) {
    bool found = false;
    for (size_t j = 0; j < plan.distinct_on.size(); ++j) {
      found = found || plan.order_by[j].column == plan.distinct_on[i];
    }
    if (!found) return false;
  }
  return true;
}

bool Streams(const QueryPlan& plan) {
  return !plan.aggregate && !plan.distinct && plan.distinct_on.empty() && plan.order_by.empty();
}

// Rows that must be kept for ORDER BY ... LIMIT, or nullopt when all must.
std::optional<size_t> TopN(const QueryPlan& plan) {
  if (!plan.limit || plan.distinct || !plan.distinct_on.empty()) return std::nullopt;
  return static_cast<size_t>(plan.offset + *plan.limit);
}

// Counts the references of `expr` to each input slot into `uses`.
void CountSlotUses(const sql::BoundExpr& expr, std::vector<int>& uses) {
  if (expr.kind == sql::BoundKind::kColumn && expr.slot >= 0) {
    if (static_cast<size_t>(expr.slot) >= uses.size()) uses.resize(expr.slot + 1, 0);
    ++uses[static_cast<size_t>(expr.slot)];
  }
  for (const sql::BoundExprPtr& arg : expr.args) CountSlotUses(*arg, uses);
}

// For each output, the input slot it may take over instead of copying: the output is that
// slot alone and no other output reads it. -1 for the others.
std::vector<int> TakenSlots(const QueryPlan& plan) {
  std::vector<int> uses;
  for (const sql::OutputColumn& column : plan.outputs) CountSlotUses(*column.expr, uses);
  std::vector<int> taken;
  for (const sql::OutputColumn& column : plan.outputs) {
    const sql::BoundExpr& expr = *column.expr;
    const bool alone = expr.kind == sql::BoundKind::kColumn && expr.slot >= 0 &&
                       uses[static_cast<size_t>(expr.slot)] == 1;
    taken.push_back(alone ? expr.slot : -1);
  }
  return taken;
}

class Run {
 public:
  Run(const QueryPlan& plan, const ExecOptions& options, RowSink& sink)
      : plan_(plan),
        options_(options),
        sink_(sink),
        streams_(Streams(plan)),
        keeps_candidates_(KeepsCandidates(plan)),
        taken_slots_(TakenSlots(plan)) {}

  Status Begin() { return sink_.Begin(ResultColumns(plan_)); }

  // Consumes `num_rows` source rows. Called from several scan threads at once. False stops
  // the scan (an error, a limit, or a reached LIMIT). `owned`, when not empty, holds the
  // same vectors as `slots`, which the caller no longer needs: an output that is a lone
  // column reference takes its vector over instead of copying it.
  bool Consume(std::span<const ColumnVector* const> slots, size_t num_rows,
               std::span<ColumnVector* const> owned = {}) {
    if (stop_.load(std::memory_order_relaxed)) return false;
    if (options_.cancellation && options_.cancellation->cancelled()) {
      return Fail(Status::Unavailable("the query was cancelled: the client disconnected")
                      .WithProblemCode("query_cancelled"));
    }
    if (std::chrono::steady_clock::now() > options_.deadline) return Fail(TimeoutError());
    LocalState* local = Acquire();
    Status status = ConsumeInto(*local, slots, num_rows, owned);
    if (status.ok()) status = Account(*local);
    Release(local);
    if (!status.ok()) return Fail(status);
    return !stop_.load(std::memory_order_relaxed);
  }

  Status Finish() {
    {
      std::lock_guard lock(mu_);
      if (!error_.ok()) return error_;
    }
    if (streams_) return Status();
    if (plan_.aggregate) return FinishAggregate();
    RowBuffer all(plan_);
    for (const auto& local : pool_) {
      if (keeps_candidates_) local->buffer.Keep(local->best);
      all.Append(local->buffer.columns, local->buffer.rows);
    }
    pool_.clear();
    return EmitOrdered(all.columns, all.rows);
  }

  uint64_t rows_returned() const { return emitted_; }
  int64_t peak_memory() const { return peak_bytes_.load(); }

 private:
  Status TimeoutError() const {
    return Status::DeadlineExceeded("the query ran longer than its time limit")
        .WithProblemCode("query_timeout");
  }

  bool Fail(const Status& status) {
    std::lock_guard lock(mu_);
    if (error_.ok()) error_ = status;
    stop_ = true;
    return false;
  }

  LocalState* Acquire() {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      LocalState* local = free_.back();
      free_.pop_back();
      return local;
    }
    pool_.push_back(std::make_unique<LocalState>(plan_));
    return pool_.back().get();
  }

  void Release(LocalState* local) {
    std::lock_guard lock(mu_);
    free_.push_back(local);
  }

  Status Account(LocalState& local) {
    const int64_t bytes = static_cast<int64_t>(local.MemoryBytes());
    const int64_t total =
        used_bytes_.fetch_add(bytes - local.reported_bytes) + bytes - local.reported_bytes;
    local.reported_bytes = bytes;
    int64_t peak = peak_bytes_.load();
    while (total > peak && !peak_bytes_.compare_exchange_weak(peak, total)) {
    }
    if (options_.memory_limit_bytes > 0 && total > options_.memory_limit_bytes) {
      return Status::ValidationFailed("the query needs more than its memory limit of " +
                                      std::to_string(options_.memory_limit_bytes) +
                                      " bytes (query.memory_limit_bytes); aggregate or filter "
                                      "more, or lower the number of groups")
          .WithProblemCode("query_memory_limit");
    }
    return Status();
  }

  Status ConsumeInto(LocalState& local, std::span<const ColumnVector* const> slots, size_t num_rows,
                     std::span<ColumnVector* const> owned) {
    // An empty input (an inner plan without rows) has nothing to add. Kernels and aggregators
    // need not handle it: with no rows the group ids are empty and read as "no GROUP BY".
    if (num_rows == 0) return Status();
    EvalInput input{slots, nullptr, num_rows};
    if (plan_.filter) {
      STRATA_RETURN_IF_ERROR(Select(*plan_.filter, input, local.selection));
      if (local.selection.empty()) return Status();
      if (local.selection.size() < num_rows) {
        input.rows = local.selection.data();
        input.size = local.selection.size();
      }
    }
    if (plan_.aggregate) return Aggregate(local, input);
    if (keeps_candidates_) return KeepCandidates(local, input);
    std::vector<ColumnVector> computed(plan_.outputs.size());
    for (size_t j = 0; j < plan_.outputs.size(); ++j) {
      const int slot = taken_slots_[j];
      if (slot >= 0 && !owned.empty() && input.rows == nullptr) {
        computed[j] = std::move(*owned[static_cast<size_t>(slot)]);
        continue;
      }
      STRATA_RETURN_IF_ERROR(EvaluateToVector(*plan_.outputs[j].expr, input, computed[j]));
    }
    if (streams_) return Stream(std::move(computed), input.size);
    local.buffer.Append(computed, input.size);
    const std::optional<size_t> top_n = TopN(plan_);
    if (top_n && local.buffer.rows > std::max(kTopNPruneRows, 4 * *top_n)) {
      std::vector<uint32_t> rows(local.buffer.rows);
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
      SortRows(local.buffer.columns, plan_.order_by, rows, *top_n);
      std::sort(rows.begin(), rows.end());  // Keep arrival order among the kept rows.
      local.buffer.Keep(rows);
    }
    return Status();
  }

  Status KeepCandidates(LocalState& local, const EvalInput& input) {
    // The key and sort columns first; the other outputs only for rows that become candidates.
    std::vector<ColumnVector> keys(plan_.outputs.size());
    std::vector<Datum> key_datums;
    std::vector<types::DataType> key_types;
    for (int column : plan_.distinct_on) {
      ColumnVector& key = keys[static_cast<size_t>(column)];
      STRATA_RETURN_IF_ERROR(
          EvaluateToVector(*plan_.outputs[static_cast<size_t>(column)].expr, input, key));
      key_datums.push_back(Datum{&key, nullptr, key.type()});
      key_types.push_back(key.type());
    }
    const std::span<const sql::SortKey> rest(plan_.order_by.data() + plan_.distinct_on.size(),
                                             plan_.order_by.size() - plan_.distinct_on.size());
    for (const sql::SortKey& key : rest) {
      ColumnVector& column = keys[static_cast<size_t>(key.column)];
      if (column.empty() && input.size > 0) {
        STRATA_RETURN_IF_ERROR(
            EvaluateToVector(*plan_.outputs[static_cast<size_t>(key.column)].expr, input, column));
      }
    }
    if (!local.distinct_groups) local.distinct_groups.emplace(std::move(key_types));
    local.distinct_groups->Map(key_datums, input.size, local.gids);
    // The best row of each key within this batch.
    std::vector<int64_t> batch_best(local.distinct_groups->num_groups(), -1);
    std::vector<uint32_t> touched;
    for (size_t i = 0; i < input.size; ++i) {
      const uint32_t g = local.gids[i];
      if (batch_best[g] < 0) {
        batch_best[g] = static_cast<int64_t>(i);
        touched.push_back(g);
      } else if (CompareRows(keys, static_cast<uint32_t>(i), keys,
                             static_cast<uint32_t>(batch_best[g]), rest) < 0) {
        batch_best[g] = static_cast<int64_t>(i);
      }
    }
    // Those that beat the key's candidate so far replace it.
    std::vector<uint32_t> winners;
    std::vector<uint32_t> winner_groups;
    for (uint32_t g : touched) {
      const auto row = static_cast<uint32_t>(batch_best[g]);
      if (g >= local.best.size() ||
          CompareRows(keys, row, local.buffer.columns, local.best[g], rest) < 0) {
        winners.push_back(input.rows == nullptr ? row : input.rows[row]);
        winner_groups.push_back(g);
      }
    }
    if (winners.empty()) return Status();
    EvalInput chosen{input.slots, winners.data(), winners.size()};
    std::vector<ColumnVector> computed(plan_.outputs.size());
    for (size_t j = 0; j < plan_.outputs.size(); ++j) {
      STRATA_RETURN_IF_ERROR(EvaluateToVector(*plan_.outputs[j].expr, chosen, computed[j]));
    }
    const auto first = static_cast<uint32_t>(local.buffer.rows);
    local.buffer.Append(computed, winners.size());
    local.best.resize(local.distinct_groups->num_groups(), 0);
    for (size_t w = 0; w < winner_groups.size(); ++w) {
      local.best[winner_groups[w]] = first + static_cast<uint32_t>(w);
    }
    // Replaced candidates are garbage; drop them once they outnumber the live ones.
    if (local.buffer.rows > 2 * local.best.size() + 4096) {
      std::vector<uint32_t> live = local.best;
      local.buffer.Keep(live);
      for (size_t g = 0; g < local.best.size(); ++g) local.best[g] = static_cast<uint32_t>(g);
    }
    return Status();
  }

  Status Aggregate(LocalState& local, const EvalInput& input) {
    const uint32_t* gids = nullptr;
    if (local.groups) {
      std::vector<EvalResult> keys(plan_.group_keys.size());
      std::vector<Datum> datums(keys.size());
      for (size_t j = 0; j < keys.size(); ++j) {
        STRATA_RETURN_IF_ERROR(Evaluate(*plan_.group_keys[j], input, keys[j]));
        datums[j] = keys[j].datum;
      }
      local.groups->Map(datums, input.size, local.gids);
      gids = local.gids.data();
      for (auto& aggregator : local.aggregators) aggregator->Resize(local.groups->num_groups());
    }
    for (size_t a = 0; a < plan_.aggregates.size(); ++a) {
      const sql::AggregateCall& call = plan_.aggregates[a];
      std::vector<EvalResult> args(call.args.size());
      std::vector<const ColumnVector*> vectors(call.args.size());
      const uint32_t* rows = nullptr;
      bool all_columns = true;
      for (const sql::BoundExprPtr& arg : call.args) {
        all_columns = all_columns && arg->kind == sql::BoundKind::kColumn;
      }
      if (all_columns) {
        // Plain columns are read in place through the selection.
        rows = input.rows;
        for (size_t j = 0; j < call.args.size(); ++j) {
          vectors[j] = input.slots[static_cast<size_t>(call.args[j]->slot)];
        }
      } else {
        std::vector<ColumnVector> owned(call.args.size());
        for (size_t j = 0; j < call.args.size(); ++j) {
          STRATA_RETURN_IF_ERROR(EvaluateToVector(*call.args[j], input, owned[j]));
        }
        for (size_t j = 0; j < call.args.size(); ++j) vectors[j] = &owned[j];
        STRATA_RETURN_IF_ERROR(local.aggregators[a]->Update(vectors, nullptr, gids, input.size));
        continue;
      }
      STRATA_RETURN_IF_ERROR(local.aggregators[a]->Update(vectors, rows, gids, input.size));
    }
    return Status();
  }

  // Writes the rows of `computed` that OFFSET and LIMIT let through; hands the vectors over
  // when all of them go and they are exactly the visible columns.
  Status Stream(std::vector<ColumnVector>&& computed, size_t n) {
    std::lock_guard lock(sink_mu_);
    if (stop_.load()) return Status();
    size_t begin = 0;
    if (skipped_ < static_cast<uint64_t>(plan_.offset)) {
      const uint64_t skip = std::min<uint64_t>(n, static_cast<uint64_t>(plan_.offset) - skipped_);
      skipped_ += skip;
      begin = static_cast<size_t>(skip);
    }
    size_t end = n;
    if (plan_.limit) {
      const uint64_t room = static_cast<uint64_t>(*plan_.limit) - emitted_;
      end = begin + static_cast<size_t>(std::min<uint64_t>(end - begin, room));
    }
    if (n > 0 && begin == 0 && end == n && computed.size() == plan_.visible_columns) {
      STRATA_RETURN_IF_ERROR(sink_.WriteOwned(std::move(computed), n));
      emitted_ += n;
    } else if (end > begin) {
      STRATA_RETURN_IF_ERROR(WriteVisible(computed, begin, end));
    }
    if (plan_.limit && emitted_ >= static_cast<uint64_t>(*plan_.limit)) stop_ = true;
    return Status();
  }

  Status WriteVisible(const std::vector<ColumnVector>& columns, size_t begin, size_t end) {
    if (columns.size() == plan_.visible_columns) {
      STRATA_RETURN_IF_ERROR(sink_.Write(columns, begin, end));
    } else {
      std::vector<ColumnVector> visible;
      for (size_t j = 0; j < plan_.visible_columns; ++j) {
        visible.emplace_back(columns[j].type());
        visible.back().AppendRange(columns[j], begin, end);
      }
      STRATA_RETURN_IF_ERROR(sink_.Write(visible, 0, end - begin));
    }
    emitted_ += end - begin;
    return Status();
  }

  Status FinishAggregate() {
    if (pool_.empty()) pool_.push_back(std::make_unique<LocalState>(plan_));
    LocalState& global = *pool_.front();
    for (size_t i = 1; i < pool_.size(); ++i) {
      LocalState& other = *pool_[i];
      std::vector<uint32_t> target;
      if (global.groups) {
        std::vector<ColumnVector> keys = other.groups->KeyColumns();
        std::vector<Datum> datums;
        for (const ColumnVector& key : keys) datums.push_back(Datum{&key, nullptr, key.type()});
        global.groups->Map(datums, other.groups->num_groups(), target);
        for (auto& aggregator : global.aggregators) {
          aggregator->Resize(global.groups->num_groups());
        }
      } else {
        target.assign(1, 0);
      }
      for (size_t a = 0; a < global.aggregators.size(); ++a) {
        global.aggregators[a]->Merge(*other.aggregators[a], target);
      }
      pool_[i].reset();
    }
    std::vector<ColumnVector> slots;
    size_t groups = 1;
    if (global.groups) {
      slots = global.groups->KeyColumns();
      groups = global.groups->num_groups();
    }
    for (size_t a = 0; a < global.aggregators.size(); ++a) {
      ColumnVector result(plan_.aggregates[a].type);
      STRATA_RETURN_IF_ERROR(global.aggregators[a]->Finalize(result));
      slots.push_back(std::move(result));
    }
    std::vector<const ColumnVector*> views;
    for (const ColumnVector& slot : slots) views.push_back(&slot);
    EvalInput input{views, nullptr, groups};
    std::vector<uint32_t> selection;
    if (plan_.having) {
      STRATA_RETURN_IF_ERROR(Select(*plan_.having, input, selection));
      input.rows = selection.data();
      input.size = selection.size();
    }
    std::vector<ColumnVector> outputs(plan_.outputs.size());
    for (size_t j = 0; j < plan_.outputs.size(); ++j) {
      STRATA_RETURN_IF_ERROR(EvaluateToVector(*plan_.outputs[j].expr, input, outputs[j]));
    }
    const size_t rows = input.size;
    pool_.clear();
    return EmitOrdered(outputs, rows);
  }

  // DISTINCT, ORDER BY, DISTINCT ON, OFFSET and LIMIT over materialised rows, then the sink.
  Status EmitOrdered(std::vector<ColumnVector>& columns, size_t num_rows) {
    std::vector<uint32_t> rows(num_rows);
    for (size_t i = 0; i < num_rows; ++i) rows[i] = static_cast<uint32_t>(i);
    if (plan_.distinct) {
      std::vector<int> visible(plan_.visible_columns);
      for (size_t j = 0; j < visible.size(); ++j) visible[j] = static_cast<int>(j);
      KeepFirstPerKey(columns, visible, rows);
    }
    if (!plan_.order_by.empty()) {
      SortRows(columns, plan_.order_by, rows, TopN(plan_).value_or(rows.size()));
    }
    if (!plan_.distinct_on.empty()) KeepFirstPerKey(columns, plan_.distinct_on, rows);
    const size_t begin = std::min(rows.size(), static_cast<size_t>(plan_.offset));
    size_t end = rows.size();
    if (plan_.limit) end = std::min(end, begin + static_cast<size_t>(*plan_.limit));
    for (size_t chunk = begin; chunk < end; chunk += kOutputChunkRows) {
      if (options_.cancellation && options_.cancellation->cancelled()) {
        return Status::Unavailable("the query was cancelled: the client disconnected")
            .WithProblemCode("query_cancelled");
      }
      const size_t chunk_end = std::min(end, chunk + kOutputChunkRows);
      std::span<const uint32_t> part(rows.data() + chunk, chunk_end - chunk);
      std::vector<ColumnVector> visible;
      for (size_t j = 0; j < plan_.visible_columns; ++j) {
        visible.emplace_back(columns[j].type());
        visible.back().AppendSelected(columns[j], part);
      }
      STRATA_RETURN_IF_ERROR(sink_.Write(visible, 0, part.size()));
      emitted_ += part.size();
    }
    return Status();
  }

  const QueryPlan& plan_;
  const ExecOptions& options_;
  RowSink& sink_;
  const bool streams_;
  const bool keeps_candidates_;
  const std::vector<int> taken_slots_;  // TakenSlots(plan_).

  std::mutex mu_;  // Guards error_, pool_, free_.
  Status error_;
  std::vector<std::unique_ptr<LocalState>> pool_;  // Every thread state; free_ the idle ones.
  std::vector<LocalState*> free_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> used_bytes_{0};
  std::atomic<int64_t> peak_bytes_{0};

  std::mutex sink_mu_;  // Streaming: one writer at a time, in arrival order.
  uint64_t skipped_ = 0;
  uint64_t emitted_ = 0;
};

}  // namespace

std::vector<ResultColumn> ResultColumns(const QueryPlan& plan) {
  std::vector<ResultColumn> columns;
  for (size_t j = 0; j < plan.visible_columns; ++j) {
    columns.push_back({plan.outputs[j].name, plan.outputs[j].type});
  }
  return columns;
}

Result<ExecStats> Execute(const QueryPlan& plan, const ScanFunction& scan,
                          const ExecOptions& options, RowSink& sink) {
  ExecStats stats;
  Run run(plan, options, sink);
  STRATA_RETURN_IF_ERROR(run.Begin());
  if (plan.inner) {
    CollectSink inner_rows;
    STRATA_ASSIGN_OR_RETURN(ExecStats inner_stats, Execute(*plan.inner, scan, options, inner_rows));
    stats.scan = inner_stats.scan;
    stats.peak_memory_bytes = inner_stats.peak_memory_bytes;
    std::vector<const ColumnVector*> slots;
    for (const ColumnVector& column : inner_rows.columns) slots.push_back(&column);
    run.Consume(slots, inner_rows.num_rows);
  } else if (plan.dataset.empty()) {
    run.Consume({}, 1);  // SELECT without FROM: one row of no columns.
  } else {
    types::ScanSpec spec = plan.scan;
    spec.snapshot_seq = options.snapshot_seq;
    spec.parallelism = std::max(options.parallelism, 1);
    spec.with_seqs = plan.needs_seqs;
    const size_t fields = spec.field_ids.size();
    auto consume = [&](types::Batch& batch) {
      // The batch is the scan's to drop after this call: its vectors may be taken over.
      std::vector<ColumnVector*> owned(fields + (plan.needs_seqs ? 1 : 0));
      for (size_t j = 0; j < fields; ++j) owned[j] = &batch.columns[j];
      ColumnVector seqs(types::DataType::kInt64);
      if (plan.needs_seqs) {
        seqs.mutable_ints().assign(batch.seqs.begin(), batch.seqs.end());
        seqs.SetSize(batch.num_rows);
        owned[fields] = &seqs;
      }
      const std::vector<const ColumnVector*> slots(owned.begin(), owned.end());
      return run.Consume(slots, batch.num_rows, owned);
    };
    STRATA_ASSIGN_OR_RETURN(stats.scan, scan(plan.dataset, spec, consume));
  }
  STRATA_RETURN_IF_ERROR(run.Finish());
  stats.rows_returned = run.rows_returned();
  stats.peak_memory_bytes = std::max(stats.peak_memory_bytes, run.peak_memory());
  return stats;
}

}  // namespace strata::exec
