// tsbs_generate: writes the TSBS devops cpu-only data set (bench/micro/tsbs_rows.h, rendered by
// tsbs_payloads.h) to a file, for the benchmark against peers (bench/README.md), which loads
// the same rows into every system from these files.
//
//   tsbs_generate --hosts 1000 --ticks 8640 --seed 123 --format ndjson --out cpu.ndjson
//
// Formats (one row per line, every timestamp a whole second, since TSBS ticks are):
//   ndjson     {"time":1451606400,"hostname":"host_0",...,"usage_user":58,...}  (epoch seconds)
//   lp         cpu,hostname=host_0,... usage_user=58i,... 1451606400             (epoch seconds)
//   csv        a header line, then 2016-01-01T00:00:00Z,host_0,...,58,...          (RFC 3339)
//   csv-epoch  a header line, then 1451606400,host_0,...,58,...                    (epoch seconds)
// The rows are SCALE hosts x TICKS ticks of 10 s from 2016-01-01T00:00Z, epoch-major, fixed by
// the seed. The file appears complete or not at all: it is written as OUT.tmp and renamed.
// Output: one JSON line on stdout ({"rows":...,"bytes":...}). Exit 1 on I/O errors, 2 for usage.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tsbs_payloads.h"

namespace strata::bench {
namespace {

struct Options {
  TsbsOptions tsbs;
  uint64_t ticks = 8640;
  std::string format;
  std::string out;
};

[[noreturn]] void Usage(const std::string& message) {
  std::fprintf(stderr,
               "tsbs_generate: %s\n"
               "usage: tsbs_generate --format ndjson|lp|csv|csv-epoch --out FILE [--hosts 1000]\n"
               "  [--ticks 8640] [--seed 123]\n",
               message.c_str());
  std::exit(2);
}

uint64_t ParseUint(const char* text, const std::string& name) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') Usage("bad " + name);
  return value;
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int idx = 1; idx < argc; ++idx) {
    const std::string flag = argv[idx];
    if (idx + 1 >= argc) Usage("missing value for " + flag);
    const char* value = argv[++idx];
    if (flag == "--hosts") {
      options.tsbs.hosts = ParseUint(value, flag);
    } else if (flag == "--ticks") {
      options.ticks = ParseUint(value, flag);
    } else if (flag == "--seed") {
      options.tsbs.seed = ParseUint(value, flag);
    } else if (flag == "--format") {
      options.format = value;
    } else if (flag == "--out") {
      options.out = value;
    } else {
      Usage("unknown option " + flag);
    }
  }
  if (options.out.empty()) Usage("--out is required");
  if (options.tsbs.hosts == 0 || options.tsbs.hosts > 1'000'000) Usage("--hosts: 1..1000000");
  if (options.ticks == 0 || options.ticks > 10'000'000) Usage("--ticks: 1..10000000");
  return options;
}

int Main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  RowFormat format = RowFormat::kNdjson;
  TimeText time = TimeText::kEpochSeconds;
  bool header = false;
  if (options.format == "ndjson") {
    format = RowFormat::kNdjson;
  } else if (options.format == "lp") {
    format = RowFormat::kLineProtocol;
  } else if (options.format == "csv") {
    format = RowFormat::kCsv;
    time = TimeText::kRfc3339;
    header = true;
  } else if (options.format == "csv-epoch") {
    format = RowFormat::kCsv;
    header = true;
  } else {
    Usage("bad --format");
  }

  const auto started = std::chrono::steady_clock::now();
  const types::DatasetLayout layout = TsbsCpuLayout("cpu", types::Granularity::kDay);
  TsbsCpuGenerator generator(layout, options.tsbs);
  const std::string tmp = options.out + ".tmp";
  FILE* file = std::fopen(tmp.c_str(), "wb");
  if (file == nullptr) {
    std::perror(tmp.c_str());
    return 1;
  }
  std::string text;
  if (header) text = TsbsCsvHeader(layout.schema);
  uint64_t bytes = 0;
  // One tick of every host per batch; the text is written every ~4 MB.
  for (uint64_t tick = 0; tick < options.ticks; ++tick) {
    const types::Batch batch = generator.NextBatch(options.tsbs.hosts);
    AppendTsbsRows(format, time, layout.schema, batch, text, nullptr);
    if (text.size() >= (4u << 20) || tick + 1 == options.ticks) {
      if (std::fwrite(text.data(), 1, text.size(), file) != text.size()) {
        std::perror(tmp.c_str());
        std::fclose(file);
        std::remove(tmp.c_str());
        return 1;
      }
      bytes += text.size();
      text.clear();
    }
  }
  if (std::fclose(file) != 0 || std::rename(tmp.c_str(), options.out.c_str()) != 0) {
    std::perror(options.out.c_str());
    std::remove(tmp.c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("{\"rows\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"seconds\":%.2f}\n",
              generator.rows_generated(), bytes, seconds);
  return 0;
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) { return strata::bench::Main(argc, argv); }
