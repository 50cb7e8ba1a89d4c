// Ingest decoder micro-benchmarks (bench/micro/README.md): TSBS cpu rows as NDJSON and as a
// JSON array, decoded by ingest::JsonDecoder into a column batch; and, to choose the NDJSON
// strategy, the bare simdjson cost of parsing the same body line by line (what JsonDecoder
// does) against iterate_many. Bodies are generated before the timed regions.
#include <simdjson.h>

#include <cinttypes>
#include <cstdio>
#include <string>

#include <benchmark/benchmark.h>

#include "ingest/json_decoder.h"
#include "ingest/record_builder.h"
#include "tsbs_rows.h"

namespace strata::bench {
namespace {

constexpr size_t kRows = 100000;

// The cpu schema of TsbsCpuLayout plus the `measurement` tag TSBS writes into every row.
types::Schema IngestSchema() {
  types::Schema schema = TsbsCpuLayout("cpu", types::Granularity::kDay).schema;
  types::Field measurement;
  measurement.id = schema.next_field_id++;
  measurement.name = "measurement";
  measurement.type = types::DataType::kString;
  schema.fields.push_back(measurement);
  return schema;
}

// kRows TSBS rows, one JSON object per line, time in epoch nanoseconds (as TSBS writes it).
const std::string& TsbsNdjson() {
  static const std::string body = [] {
    const types::DatasetLayout layout = TsbsCpuLayout("cpu", types::Granularity::kDay);
    TsbsCpuGenerator generator(layout, TsbsOptions{});
    const types::Batch batch = generator.NextBatch(kRows);
    std::string out;
    char number[32];
    for (size_t row_idx = 0; row_idx < batch.num_rows; ++row_idx) {
      out += "{\"measurement\":\"cpu\"";
      for (size_t col_idx = 0; col_idx < layout.schema.fields.size(); ++col_idx) {
        const types::Field& field = layout.schema.fields[col_idx];
        out += ",\"";
        out += field.name;
        out += "\":";
        const types::ColumnVector& column = batch.columns[col_idx];
        if (field.type == types::DataType::kString) {
          out += '"';
          out += column.StringAt(row_idx);
          out += '"';
        } else {
          const int64_t value = field.type == types::DataType::kTimestamp
                                    ? column.IntAt(row_idx) * 1000  // Micros to nanos.
                                    : column.IntAt(row_idx);
          out.append(number,
                     static_cast<size_t>(std::snprintf(number, sizeof(number), "%" PRId64, value)));
        }
      }
      out += "}\n";
    }
    return out;
  }();
  return body;
}

const std::string& TsbsJsonArray() {
  static const std::string body = [] {
    const std::string& ndjson = TsbsNdjson();
    std::string out = "[";
    for (size_t pos = 0; pos < ndjson.size();) {
      const size_t nl = ndjson.find('\n', pos);
      if (pos != 0) out += ",\n";
      out.append(ndjson, pos, nl - pos);
      pos = nl + 1;
    }
    out += "]";
    return out;
  }();
  return body;
}

void Decode(benchmark::State& state, const std::string& source, ingest::JsonShape shape) {
  const types::Schema schema = IngestSchema();
  std::string body = source;
  ingest::JsonDecoder decoder;
  ingest::RecordBuilder builder(schema);
  ingest::DecodeOptions options;
  options.shape = shape;
  // One untimed pass grows the column buffers: the timed passes measure a warm builder, as a
  // worker that reuses its builder sees it (first-touch page faults cost ~40% on this VM).
  if (!decoder.Decode(body, options, builder, nullptr).ok()) {
    state.SkipWithError("decoding failed");
    return;
  }
  for (auto _ : state) {
    builder.Reset(schema);  // Keeps the column buffers, like a reused per-worker builder.
    Result<ingest::DecodeSummary> summary = decoder.Decode(body, options, builder, nullptr);
    if (!summary.ok() || summary->accepted != kRows) {
      state.SkipWithError("decoding failed");
      return;
    }
    benchmark::DoNotOptimize(builder.batch().num_rows);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * source.size()));
  state.counters["bytes_per_row"] = static_cast<double>(source.size()) / kRows;
}

void BM_DecodeNdjson(benchmark::State& state) {
  Decode(state, TsbsNdjson(), ingest::JsonShape::kNdjson);
}
BENCHMARK(BM_DecodeNdjson)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_DecodeJsonArray(benchmark::State& state) {
  Decode(state, TsbsJsonArray(), ingest::JsonShape::kArray);
}
BENCHMARK(BM_DecodeJsonArray)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The RecordBuilder alone: the setters a decoder calls for kRows TSBS rows, values taken
// from a pre-built batch (what every format pays on top of its own parsing).
void BM_BuilderOnly(benchmark::State& state) {
  const types::Schema schema = IngestSchema();
  const types::DatasetLayout layout = TsbsCpuLayout("cpu", types::Granularity::kDay);
  TsbsCpuGenerator generator(layout, TsbsOptions{});
  const types::Batch rows = generator.NextBatch(kRows);
  ingest::RecordBuilder builder(schema);
  const auto run = [&] {
    builder.Reset(schema);
    for (size_t row_idx = 0; row_idx < kRows; ++row_idx) {
      builder.BeginRecord();
      builder.SetString("measurement", "cpu", true);
      for (size_t col_idx = 0; col_idx < layout.schema.fields.size(); ++col_idx) {
        const types::Field& field = layout.schema.fields[col_idx];
        if (field.type == types::DataType::kString) {
          builder.SetString(field.name, rows.columns[col_idx].StringAt(row_idx), true);
        } else {
          builder.SetInt(field.name, rows.columns[col_idx].IntAt(row_idx) *
                                         (field.type == types::DataType::kTimestamp ? 1000 : 1));
        }
      }
      if (!builder.EndRecord()) return false;
    }
    return true;
  };
  if (!run()) {
    state.SkipWithError("a record was rejected");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(run());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
}
BENCHMARK(BM_BuilderOnly)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Touches every member of a TSBS row the way a decoder must (unescaped key, typed value).
uint64_t VisitRow(simdjson::ondemand::object object) {
  uint64_t sum = 0;
  for (auto member : object) {
    simdjson::ondemand::field field;
    if (std::move(member).get(field)) return 0;
    std::string_view key;
    if (field.unescaped_key().get(key)) return 0;
    simdjson::ondemand::value value = field.value();
    simdjson::ondemand::json_type type;
    if (value.type().get(type)) return 0;
    if (type == simdjson::ondemand::json_type::string) {
      std::string_view text;
      if (value.get_string().get(text)) return 0;
      sum += text.size();
    } else {
      int64_t number;
      if (value.get_int64().get(number)) return 0;
      sum += static_cast<uint64_t>(number);
    }
    sum += key.size();
  }
  return sum;
}

// JsonDecoder's NDJSON strategy, bare: one parser.iterate per line, in place.
void BM_ParseNdjsonPerLine(benchmark::State& state) {
  std::string body = TsbsNdjson();
  ingest::PadJsonBody(body);
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    uint64_t sum = 0;
    size_t pos = 0;
    while (pos < body.size()) {
      const size_t nl = body.find('\n', pos);
      const size_t end = nl == std::string::npos ? body.size() : nl;
      simdjson::ondemand::document doc;
      simdjson::ondemand::object object;
      if (parser
              .iterate(body.data() + pos, end - pos, body.size() + ingest::kJsonPaddingBytes - pos)
              .get(doc) ||
          doc.get_object().get(object)) {
        state.SkipWithError("parse failed");
        return;
      }
      sum += VisitRow(object);
      pos = end + 1;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseNdjsonPerLine)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The alternative: simdjson's document stream over the whole body (1 MB batches).
void BM_ParseNdjsonIterateMany(benchmark::State& state) {
  std::string body = TsbsNdjson();
  ingest::PadJsonBody(body);
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    uint64_t sum = 0;
    simdjson::ondemand::document_stream stream;
    if (parser.iterate_many(body.data(), body.size(), 1 << 20).get(stream)) {
      state.SkipWithError("iterate_many failed");
      return;
    }
    for (auto doc : stream) {
      simdjson::ondemand::object object;
      if (doc.get_object().get(object)) {
        state.SkipWithError("parse failed");
        return;
      }
      sum += VisitRow(object);
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseNdjsonIterateMany)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace strata::bench

BENCHMARK_MAIN();
