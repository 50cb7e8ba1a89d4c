// ingest_load: replays pre-generated TSBS cpu bodies (tsbs_payloads.h) against stratad's
// POST /v1/datasets/{id}/ingest over N keep-alive connections, one blocking thread each, and
// reports acknowledged rows per second and acknowledgement latency. bench/ingest/README.md.
//
//   STRATA_BENCH_KEY=<api key> ingest_load --port 8080 --format ndjson --connections 4
//       --duration 20 [--warmup 2] [--batches 200] [--rows-per-request 5000] [--hosts 1000]
//   STRATA_BENCH_KEY=<api key> ingest_load --port 8080 --cycles 8 --batches 216 ...
//
// Run shape: all bodies are generated (and compressed) first. Then every connection sends the
// batches it owns (batch b belongs to connection b mod N, so it alone rewrites b's timestamps
// between sends) in order, cycle after cycle, one request in flight, until the end of warm-up
// plus duration. Requests started during the warm-up are not counted. A 503 is retried with
// the same body after its Retry-After; its latency runs from the first attempt to the final
// answer. Other non-200 answers are counted (a 207's accepted rows still count) and not
// retried. Only loopback addresses are accepted as targets.
//
// With --cycles C the run is a fixed load instead (bench/query loads its data set this way):
// every body is sent exactly C times, i.e. C * batches * rows-per-request rows covering
// C * batches * rows-per-request / hosts consecutive ticks, with no warm-up; --duration and
// --warmup do not apply, and the rate is taken over the whole run. Only the uncompressed
// formats can be replayed without repeating rows, so C > 1 needs ndjson or lp.
//
// With --file PATH the bodies are the lines of a data file instead (tsbs_generate's ndjson or
// lp; bench/run loads every HTTP system this way): consecutive runs of --rows-per-request lines,
// each sent once, body b by connection b mod N, to --target (default: the dataset's ingest
// path) with --content-type; --no-auth sends no Authorization header (for peers). A 2xx answer
// acknowledges the body's rows, or the "accepted" count when the answer has one (stratad).
// The rate is taken over the whole run, as with --cycles.
//
// Output: one JSON line on stdout, one human-readable line on stderr. Exit 0 when the run
// happened (whatever the answers), 1 when it could not (bad options, no connection, a
// connection that keeps failing), 2 for usage errors.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "http_connection.h"
#include "tsbs_payloads.h"

namespace strata::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSocketTimeoutS = 60;
constexpr int kMaxConsecutiveTransportErrors = 5;

struct Options {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  std::string dataset = "cpu";
  PayloadOptions payload;
  size_t connections = 4;
  double duration_s = 20;
  double warmup_s = 2;
  uint64_t cycles = 0;       // > 0: send every body this many times, then stop (a fixed load).
  int server_pid = 0;        // If set, the server's CPU time over the window is reported.
  std::string file;          // Non-empty: send this file's lines (a fixed load of one cycle).
  std::string target;        // Request target; empty: the dataset's ingest path.
  std::string content_type;  // Empty: the format's.
  bool auth = true;          // Send Authorization: Bearer $STRATA_BENCH_KEY.
};

[[noreturn]] void Usage(const char* message) {
  std::fprintf(stderr,
               "ingest_load: %s\n"
               "usage: STRATA_BENCH_KEY=<key> ingest_load --port P [--address 127.0.0.1]\n"
               "  [--dataset cpu] [--format ndjson|ndjson-gzip|lp] [--connections 4]\n"
               "  [--duration 20] [--warmup 2] [--batches 200] [--rows-per-request 5000]\n"
               "  [--hosts 1000] [--seed 123] [--gzip-level 1] [--server-pid PID]\n"
               "  [--cycles C]  (a fixed load of C cycles instead of --duration)\n"
               "  [--file PATH [--target /path?query] [--content-type T] [--no-auth]]\n"
               "                (the lines of PATH, each body once, instead of generated rows)\n",
               message);
  std::exit(2);
}

uint64_t ParseUint(const char* text, const char* name) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') Usage(name);
  return value;
}

double ParseSeconds(const char* text, const char* name) {
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value >= 0) || value > 3600) Usage(name);
  return value;
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int idx = 1; idx < argc; ++idx) {
    const std::string flag = argv[idx];
    if (flag == "--no-auth") {
      options.auth = false;
      continue;
    }
    if (idx + 1 >= argc) Usage(("missing value for " + flag).c_str());
    const char* value = argv[++idx];
    if (flag == "--address") {
      options.address = value;
    } else if (flag == "--port") {
      const uint64_t port = ParseUint(value, "bad --port");
      if (port == 0 || port > 65535) Usage("bad --port");
      options.port = static_cast<uint16_t>(port);
    } else if (flag == "--dataset") {
      options.dataset = value;
    } else if (flag == "--format") {
      if (!ParsePayloadFormat(value, options.payload.format)) Usage("bad --format");
    } else if (flag == "--connections") {
      options.connections = ParseUint(value, "bad --connections");
    } else if (flag == "--duration") {
      options.duration_s = ParseSeconds(value, "bad --duration");
    } else if (flag == "--warmup") {
      options.warmup_s = ParseSeconds(value, "bad --warmup");
    } else if (flag == "--batches") {
      options.payload.batches = ParseUint(value, "bad --batches");
    } else if (flag == "--rows-per-request") {
      options.payload.rows_per_batch = ParseUint(value, "bad --rows-per-request");
    } else if (flag == "--hosts") {
      options.payload.tsbs.hosts = ParseUint(value, "bad --hosts");
    } else if (flag == "--seed") {
      options.payload.tsbs.seed = ParseUint(value, "bad --seed");
    } else if (flag == "--gzip-level") {
      const uint64_t level = ParseUint(value, "bad --gzip-level");
      if (level < 1 || level > 9) Usage("bad --gzip-level");
      options.payload.gzip_level = static_cast<int>(level);
    } else if (flag == "--cycles") {
      options.cycles = ParseUint(value, "bad --cycles");
      if (options.cycles == 0 || options.cycles > 1'000'000) Usage("bad --cycles");
    } else if (flag == "--file") {
      options.file = value;
    } else if (flag == "--target") {
      options.target = value;
      if (options.target.empty() || options.target[0] != '/') Usage("bad --target");
    } else if (flag == "--content-type") {
      options.content_type = value;
    } else if (flag == "--server-pid") {
      options.server_pid = static_cast<int>(ParseUint(value, "bad --server-pid"));
    } else {
      Usage(("unknown option " + flag).c_str());
    }
  }
  if (options.port == 0) Usage("--port is required");
  if (options.address.rfind("127.", 0) != 0) Usage("--address must be a loopback address");
  if (options.connections == 0 || options.connections > 64) Usage("--connections: 1..64");
  if (options.duration_s <= 0) Usage("--duration must be positive");
  // No control characters (a request-line or header injection), no space in the target.
  for (char ch : options.target) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f) Usage("bad --target");
  }
  for (char ch : options.content_type) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) Usage("bad --content-type");
  }
  if (!options.file.empty()) {
    if (options.cycles > 1) Usage("--file sends every line once; --cycles does not apply");
    options.cycles = 1;
  }
  if (options.cycles > 0) {
    options.warmup_s = 0;
    if (options.cycles > 1 && options.payload.format == PayloadFormat::kNdjsonGzip) {
      Usage("--cycles above 1 would repeat rows of a gzip set; use ndjson or lp");
    }
  }
  if (options.file.empty() && options.payload.batches < options.connections) {
    Usage("--batches must be at least --connections (each connection owns its batches)");
  }
  for (char ch : options.dataset) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
      Usage("bad --dataset");
    }
  }
  return options;
}

// What one connection saw. Latencies are in microseconds, one per counted request.
struct ConnectionStats {
  uint64_t requests = 0;  // Counted (started inside the window) requests that got an answer.
  uint64_t rows = 0;      // Acknowledged rows of counted requests.
  uint64_t sent_bytes = 0;
  uint64_t decoded_bytes = 0;
  uint64_t repeated_rows = 0;  // Counted rows sent again (a compressed set in its 2nd+ cycle).
  Clock::time_point last_ack{};
  std::vector<uint32_t> latencies_us;
  // Over the whole run, warm-up included:
  std::map<int, uint64_t> non_200;  // status other than 200/204 -> answers (503s once each).
  uint64_t retries_503 = 0;
  uint64_t transport_errors = 0;
  std::string fatal;  // Why the connection gave up, if it did.
};

// Finds "accepted": N (whitespace allowed around the colon) in an ingest answer; -1 if absent.
int64_t AcceptedRows(std::string_view body) {
  constexpr std::string_view kKey = "\"accepted\"";
  const size_t pos = body.find(kKey);
  if (pos == std::string_view::npos) return -1;
  size_t idx = pos + kKey.size();
  const auto skip_space = [&] {
    while (idx < body.size() &&
           (body[idx] == ' ' || body[idx] == '\t' || body[idx] == '\n' || body[idx] == '\r')) {
      ++idx;
    }
  };
  skip_space();
  if (idx >= body.size() || body[idx] != ':') return -1;
  ++idx;
  skip_space();
  int64_t value = 0;
  size_t digits = 0;
  for (; idx < body.size() && body[idx] >= '0' && body[idx] <= '9' && digits < 18;
       ++idx, ++digits) {
    value = value * 10 + (body[idx] - '0');
  }
  return digits == 0 ? -1 : value;
}

// Cumulative seconds at one moment; -1 where unknown.
struct CpuSample {
  double client = -1;   // CPU (user + system) of this process.
  double server = -1;   // CPU of the server process (--server-pid).
  double machine = -1;  // CPU of the whole machine, all cores (/proc/stat).
  // Time the server's threads were runnable but waiting for a core (/proc/<pid>/task/*/
  // schedstat), summed over threads: high when something else holds the cores.
  double server_runqueue = -1;
};

// Per-second rate of a cumulative figure between two samples; -1 if either is unknown.
double Rate(double start, double end, double seconds) {
  return start >= 0 && end >= 0 ? (end - start) / seconds : -1;
}

// One request body: a generated payload (whose timestamps a replay rewrites) or a slice of a
// mapped data file.
struct Body {
  Payload* payload = nullptr;  // Generated; null for a file slice.
  std::string_view slice;      // The file slice.
  size_t rows = 0;
  size_t decoded_bytes = 0;

  std::string_view text() const { return payload != nullptr ? payload->body : slice; }
};

// A data file mapped read-only, and its lines cut into bodies of `rows_per_body` lines.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_ != nullptr) munmap(data_, size_);
  }

  bool Open(const std::string& path, std::string& error) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = path + ": " + std::strerror(errno);
      return false;
    }
    struct stat info {};
    if (fstat(fd, &info) != 0 || info.st_size == 0) {
      error = path + ": empty or unreadable";
      ::close(fd);
      return false;
    }
    size_ = static_cast<size_t>(info.st_size);
    void* data = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (data == MAP_FAILED) {
      error = path + ": mmap: " + std::strerror(errno);
      return false;
    }
    data_ = static_cast<char*>(data);
    madvise(data_, size_, MADV_SEQUENTIAL);
    return true;
  }

  // Consecutive runs of `rows_per_body` lines (the last may be shorter); a last line without
  // its newline counts.
  std::vector<Body> Bodies(size_t rows_per_body) const {
    std::vector<Body> bodies;
    const std::string_view all(data_, size_);
    size_t begin = 0;
    while (begin < all.size()) {
      size_t end = begin;
      size_t rows = 0;
      while (rows < rows_per_body && end < all.size()) {
        const size_t eol = all.find('\n', end);
        end = eol == std::string_view::npos ? all.size() : eol + 1;
        ++rows;
      }
      Body body;
      body.slice = all.substr(begin, end - begin);
      body.rows = rows;
      body.decoded_bytes = body.slice.size();
      bodies.push_back(body);
      begin = end;
    }
    return bodies;
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
};

class LoadRun {
 public:
  // `payloads` (null for a file load) is what ShiftToCycle rewrites the bodies' payloads with.
  LoadRun(const Options& options, PayloadSet* payloads, std::vector<Body> bodies, std::string key)
      : options_(options), payloads_(payloads), bodies_(std::move(bodies)), key_(std::move(key)) {}

  // Runs every connection to the end of the window, or through its cycles (--cycles), or until
  // it gives up: any_fatal().
  void Run() {
    stats_.resize(options_.connections);
    start_ = Clock::now();
    if (options_.cycles > 0) {
      window_start_ = start_;
      cpu_start_ = SampleCpu();
      std::vector<std::thread> threads;
      for (size_t conn_idx = 0; conn_idx < options_.connections; ++conn_idx) {
        threads.emplace_back([this, conn_idx] { Connection(conn_idx); });
      }
      for (std::thread& thread : threads) thread.join();
      window_end_ = Clock::now();
      cpu_end_ = SampleCpu();
      return;
    }
    window_start_ = start_ + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(options_.warmup_s));
    window_end_ = window_start_ + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options_.duration_s));
    std::vector<std::thread> threads;
    for (size_t conn_idx = 0; conn_idx < options_.connections; ++conn_idx) {
      threads.emplace_back([this, conn_idx] { Connection(conn_idx); });
    }
    std::this_thread::sleep_until(window_start_);
    cpu_start_ = SampleCpu();
    std::this_thread::sleep_until(window_end_);
    cpu_end_ = SampleCpu();
    stop_.store(true);
    for (std::thread& thread : threads) thread.join();
  }

  void Report() const;
  bool any_fatal() const {
    return std::any_of(stats_.begin(), stats_.end(),
                       [](const ConnectionStats& stats) { return !stats.fatal.empty(); });
  }

 private:
  void Connection(size_t conn_idx);
  CpuSample SampleCpu() const;

  const Options& options_;
  PayloadSet* payloads_;
  std::vector<Body> bodies_;
  const std::string key_;
  std::vector<ConnectionStats> stats_;
  std::atomic<bool> stop_{false};
  Clock::time_point start_, window_start_, window_end_;
  CpuSample cpu_start_, cpu_end_;
};

CpuSample LoadRun::SampleCpu() const {
  CpuSample sample;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  {
    // "cpu  user nice system idle iowait irq softirq steal ...": busy = all but idle, iowait.
    std::ifstream stat("/proc/stat");
    std::string label;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                       steal = 0;
    if (stat >> label >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal &&
        label == "cpu") {
      sample.machine = static_cast<double>(user + nice + system + irq + softirq + steal) / ticks;
    }
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  sample.client = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  if (options_.server_pid <= 0) return sample;
  const std::string proc = "/proc/" + std::to_string(options_.server_pid);
  std::ifstream stat(proc + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the parenthesised command name: state is field 3; utime 14, stime 15.
  const size_t paren = text.rfind(')');
  unsigned long long utime = 0, stime = 0;
  if (paren != std::string::npos &&
      std::sscanf(text.c_str() + paren + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                  &utime, &stime) == 2) {
    sample.server = static_cast<double>(utime + stime) / ticks;
  }
  // Per thread "run_ns wait_ns slices": wait_ns is time spent runnable but not running.
  std::error_code ec;
  double wait = 0;
  for (const auto& entry : std::filesystem::directory_iterator(proc + "/task", ec)) {
    std::ifstream schedstat(entry.path() / "schedstat");
    unsigned long long run_ns = 0, wait_ns = 0;
    if (schedstat >> run_ns >> wait_ns) wait += static_cast<double>(wait_ns) / 1e9;
  }
  if (!ec) sample.server_runqueue = wait;
  return sample;
}

void LoadRun::Connection(size_t conn_idx) {
  ConnectionStats& stats = stats_[conn_idx];
  std::vector<size_t> owned;
  for (size_t idx = conn_idx; idx < bodies_.size(); idx += options_.connections) {
    owned.push_back(idx);
  }
  if (owned.empty()) return;
  // Room for every counted request at 1 ms each (or every request of a fixed load), so that
  // recording never allocates.
  const uint64_t fixed_requests = options_.cycles * owned.size();
  stats.latencies_us.reserve(options_.cycles > 0
                                 ? fixed_requests
                                 : static_cast<size_t>(options_.duration_s * 1000) + 1024);

  // The request head: everything but the Content-Length value is fixed.
  const std::string_view encoding =
      options_.file.empty() ? PayloadContentEncoding(options_.payload.format) : "";
  std::string target = options_.target;
  if (target.empty()) {
    target = "/v1/datasets/" + options_.dataset + "/ingest";
    target +=
        options_.payload.format == PayloadFormat::kLineProtocol ? "?precision=ns" : "?time_unit=ns";
  }
  const std::string content_type = options_.content_type.empty()
                                       ? std::string(PayloadContentType(options_.payload.format))
                                       : options_.content_type;
  std::string head_prefix = "POST " + target + " HTTP/1.1\r\nHost: " + options_.address + ":" +
                            std::to_string(options_.port) + "\r\n";
  if (options_.auth) head_prefix += "Authorization: Bearer " + key_ + "\r\n";
  head_prefix += "Content-Type: " + content_type + "\r\n";
  if (!encoding.empty()) head_prefix += "Content-Encoding: " + std::string(encoding) + "\r\n";
  head_prefix += "Content-Length: ";
  std::string head;
  head.reserve(head_prefix.size() + 32);

  HttpConnection connection;
  std::string error;
  int consecutive_errors = 0;
  HttpAnswer answer;
  for (uint64_t sent = 0; !stop_.load(std::memory_order_relaxed); ++sent) {
    if (options_.cycles > 0 && sent == fixed_requests) break;
    const Body& body = bodies_[owned[sent % owned.size()]];
    const uint64_t cycle = sent / owned.size();
    Payload* payload = body.payload;
    const bool shiftable = payload != nullptr && payload->shiftable();
    if (shiftable && payload->cycle != cycle) payloads_->ShiftToCycle(*payload, cycle);
    const std::string_view text = body.text();
    head.assign(head_prefix);
    head += std::to_string(text.size());
    head += "\r\n\r\n";

    const Clock::time_point started = Clock::now();
    bool answered = false;
    while (!answered) {
      if (!connection.connected() &&
          !connection.Connect(options_.address, options_.port, kSocketTimeoutS, error)) {
        stats.fatal = error;
        return;
      }
      if (!connection.Exchange(head, text, answer, error)) {
        ++stats.transport_errors;
        if (++consecutive_errors >= kMaxConsecutiveTransportErrors) {
          stats.fatal = error;
          return;
        }
        continue;  // Reconnect and send the same body again.
      }
      consecutive_errors = 0;
      if (answer.status != 200 && answer.status != 204) ++stats.non_200[answer.status];
      if (answer.status == 503 && !stop_.load(std::memory_order_relaxed)) {
        ++stats.retries_503;
        std::this_thread::sleep_for(std::chrono::seconds(std::max(answer.retry_after_s, 1)));
        continue;
      }
      answered = true;
    }
    const Clock::time_point acked = Clock::now();
    if (started < window_start_) continue;
    int64_t accepted = 0;
    if (answer.status >= 200 && answer.status < 300) {
      const int64_t reported = AcceptedRows(answer.body);
      accepted =
          reported >= 0 ? reported : (payload == nullptr ? static_cast<int64_t>(body.rows) : 0);
    }
    ++stats.requests;
    stats.rows += static_cast<uint64_t>(accepted);
    stats.sent_bytes += text.size();
    stats.decoded_bytes += body.decoded_bytes;
    if (!shiftable && cycle > 0) stats.repeated_rows += static_cast<uint64_t>(accepted);
    stats.last_ack = acked;
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(acked - started).count();
    stats.latencies_us.push_back(static_cast<uint32_t>(std::min<int64_t>(micros, UINT32_MAX)));
  }
}

double Percentile(const std::vector<uint32_t>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(fraction * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)] / 1000.0;
}

void LoadRun::Report() const {
  ConnectionStats total;
  Clock::time_point last_ack = window_start_;
  for (const ConnectionStats& stats : stats_) {
    total.requests += stats.requests;
    total.rows += stats.rows;
    total.sent_bytes += stats.sent_bytes;
    total.decoded_bytes += stats.decoded_bytes;
    total.repeated_rows += stats.repeated_rows;
    total.retries_503 += stats.retries_503;
    total.transport_errors += stats.transport_errors;
    for (const auto& [status, count] : stats.non_200) total.non_200[status] += count;
    total.latencies_us.insert(total.latencies_us.end(), stats.latencies_us.begin(),
                              stats.latencies_us.end());
    last_ack = std::max(last_ack, stats.last_ack);
    if (!stats.fatal.empty() && total.fatal.empty()) total.fatal = stats.fatal;
  }
  std::sort(total.latencies_us.begin(), total.latencies_us.end());
  // The window runs from its start to the last counted answer (requests started before its
  // end are waited for).
  const double elapsed = std::chrono::duration<double>(last_ack - window_start_).count();
  const double seconds = elapsed > 0 ? elapsed : options_.duration_s;
  const double rows_per_s = static_cast<double>(total.rows) / seconds;
  const double sent_mb_s = static_cast<double>(total.sent_bytes) / seconds / 1e6;
  const double decoded_mb_s = static_cast<double>(total.decoded_bytes) / seconds / 1e6;
  const double p50 = Percentile(total.latencies_us, 0.50);
  const double p99 = Percentile(total.latencies_us, 0.99);
  const double max = total.latencies_us.empty() ? 0 : total.latencies_us.back() / 1000.0;
  uint64_t non_200 = 0;
  std::string statuses;
  for (const auto& [status, count] : total.non_200) {
    non_200 += count;
    char entry[48];
    std::snprintf(entry, sizeof(entry), "%s\"%d\":%" PRIu64, statuses.empty() ? "" : ",", status,
                  count);
    statuses += entry;
  }
  const double window = std::chrono::duration<double>(window_end_ - window_start_).count();
  const double client_cores = Rate(cpu_start_.client, cpu_end_.client, window);
  const double server_cores = Rate(cpu_start_.server, cpu_end_.server, window);
  const double machine_cores = Rate(cpu_start_.machine, cpu_end_.machine, window);
  const double server_waiting = Rate(cpu_start_.server_runqueue, cpu_end_.server_runqueue, window);
  // What else ran on the machine meanwhile (other processes; noise for this measurement).
  const double other_cores = machine_cores >= 0 && server_cores >= 0
                                 ? std::max(0.0, machine_cores - client_cores - server_cores)
                                 : -1;
  size_t body_bytes = 0, decoded_bytes = 0, body_rows = 0;
  for (const Body& body : bodies_) {
    body_bytes += body.text().size();
    decoded_bytes += body.decoded_bytes;
    body_rows += body.rows;
  }
  const double set_rows = static_cast<double>(std::max<size_t>(body_rows, 1));
  const std::string format =
      options_.file.empty() ? std::string(PayloadFormatName(options_.payload.format)) : "file";
  std::string fatal;
  for (char ch : total.fatal) {
    if (ch == '"' || ch == '\\') fatal += '\\';
    if (static_cast<unsigned char>(ch) >= 0x20) fatal += ch;
  }
  std::printf(
      "{\"format\":\"%s\",\"connections\":%zu,\"rows_per_request\":%zu,\"distinct_batches\":%zu,"
      "\"hosts\":%zu,\"cycles\":%" PRIu64
      ",\"warmup_s\":%.1f,\"duration_s\":%.3f,\"requests\":%" PRIu64 ",\"rows\":%" PRIu64
      ",\"rows_per_s\":%.0f,\"sent_mb_per_s\":%.1f,\"decoded_mb_per_s\":%.1f,"
      "\"sent_bytes_per_row\":%.1f,\"decoded_bytes_per_row\":%.1f,\"p50_ms\":%.2f,"
      "\"p99_ms\":%.2f,\"max_ms\":%.2f,\"non_200\":%" PRIu64
      ",\"non_200_by_status\":{%s},"
      "\"retries_503\":%" PRIu64 ",\"transport_errors\":%" PRIu64 ",\"repeated_rows\":%" PRIu64
      ",\"client_cores\":%.2f,\"server_cores\":%.2f,\"other_cores\":%.2f,\"server_runqueue_cores\":"
      "%.2f,\"fatal\":\"%s\"}\n",
      format.c_str(), options_.connections, options_.payload.rows_per_batch, bodies_.size(),
      options_.payload.tsbs.hosts, options_.cycles, options_.warmup_s, seconds, total.requests,
      total.rows, rows_per_s, sent_mb_s, decoded_mb_s, static_cast<double>(body_bytes) / set_rows,
      static_cast<double>(decoded_bytes) / set_rows, p50, p99, max, non_200, statuses.c_str(),
      total.retries_503, total.transport_errors, total.repeated_rows, client_cores, server_cores,
      other_cores, server_waiting, fatal.c_str());
  std::fflush(stdout);
  std::fprintf(
      stderr,
      "ingest_load %s: %.0f rows/s (%.1f MB/s sent, %.1f MB/s decoded) over %.1f s, %" PRIu64
      " requests of %zu rows on %zu connections; ack p50 %.1f ms, p99 %.1f ms, max %.1f "
      "ms; non-200 %" PRIu64 ", transport errors %" PRIu64
      "; client %.2f cores, server %.2f cores (+ %.2f waiting for a core), others %.2f "
      "cores%s%s\n",
      format.c_str(), rows_per_s, sent_mb_s, decoded_mb_s, seconds, total.requests,
      options_.payload.rows_per_batch, options_.connections, p50, p99, max, non_200,
      total.transport_errors, client_cores, server_cores, server_waiting, other_cores,
      total.fatal.empty() ? "" : "; gave up: ", total.fatal.c_str());
}

int Main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  const char* key = std::getenv("STRATA_BENCH_KEY");
  if (options.auth && (key == nullptr || *key == '\0')) Usage("STRATA_BENCH_KEY is not set");
  std::string error;

  if (!options.file.empty()) {
    MappedFile file;
    if (!file.Open(options.file, error)) {
      std::fprintf(stderr, "ingest_load: %s\n", error.c_str());
      return 1;
    }
    std::vector<Body> bodies = file.Bodies(options.payload.rows_per_batch);
    size_t rows = 0;
    for (const Body& body : bodies) rows += body.rows;
    std::fprintf(stderr, "ingest_load file: %zu bodies, %zu rows from %s\n", bodies.size(), rows,
                 options.file.c_str());
    LoadRun run(options, nullptr, std::move(bodies), options.auth ? key : "");
    run.Run();
    run.Report();
    return run.any_fatal() ? 1 : 0;
  }

  PayloadOptions payload_options = options.payload;
  payload_options.threads = std::max(1u, std::thread::hardware_concurrency());
  PayloadSet payloads;
  const Clock::time_point generation_start = Clock::now();
  if (!payloads.Build(payload_options, error)) {
    std::fprintf(stderr, "ingest_load: building payloads: %s\n", error.c_str());
    return 1;
  }
  std::fprintf(stderr,
               "ingest_load %s: %zu bodies, %zu rows, %.1f MB to send (%.1f MB decoded), "
               "built in %.1f s\n",
               std::string(PayloadFormatName(options.payload.format)).c_str(),
               payloads.payloads().size(), payloads.total_rows(),
               static_cast<double>(payloads.total_body_bytes()) / 1e6,
               static_cast<double>(payloads.total_decoded_bytes()) / 1e6,
               std::chrono::duration<double>(Clock::now() - generation_start).count());

  std::vector<Body> bodies;
  for (Payload& payload : payloads.payloads()) {
    Body body;
    body.payload = &payload;
    body.rows = payload.rows;
    body.decoded_bytes = payload.decoded_bytes;
    bodies.push_back(body);
  }
  LoadRun run(options, &payloads, std::move(bodies), key);
  run.Run();
  run.Report();
  return run.any_fatal() ? 1 : 0;
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) { return strata::bench::Main(argc, argv); }
