#include "server/api/handlers/json_page_sink.h"

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/json_writer.h"
#include "server/api/handlers/result_stream.h"
#include "service/result_format.h"

namespace strata::server {
namespace {

using types::ColumnVector;

// Rows are encoded in pieces of about this size; a page whose rows fit in one is sent with
// Content-Length.
constexpr size_t kPieceBytes = 1 << 20;
// WriteAll keeps a result for encoding while it is sent from this many values on (about
// 1 MiB of JSON and more); smaller ones are encoded at once.
constexpr size_t kDeferValues = 1 << 17;
// Ranges encoded ahead of the one being sent, at most: bounds the memory of a slow client.
constexpr size_t kRangesAhead = 4;

// Encodes the rows of a result as the body of a JSON rows array, in ranges of consecutive
// rows of one part, on the calling thread and `helpers` more, and hands each range's text to
// `emit` in row order. At most kRangesAhead ranges are encoded ahead of the one emitted
// next. Returns false as soon as `emit` does (the helpers stop).
class OrderedEncoder {
 public:
  explicit OrderedEncoder(const exec::ResultRows& rows) : rows_(rows) {
    for (size_t p = 0; p < rows.parts.size(); ++p) {
      const exec::ResultRows::Part& part = rows.parts[p];
      // About kPieceBytes a range, at a guessed 8 bytes a value.
      const size_t rows_per_range =
          std::max<size_t>(512, kPieceBytes / std::max<size_t>(8 * part.columns.size(), 1));
      const size_t count = (part.rows + rows_per_range - 1) / rows_per_range;
      for (size_t r = 0; r < count; ++r) {
        ranges_.push_back({p, part.rows * r / count, part.rows * (r + 1) / count});
      }
    }
    done_.resize(ranges_.size());
    ready_.assign(ranges_.size(), false);
  }

  bool Run(size_t helpers, const std::function<bool(std::string_view)>& emit) {
    std::vector<std::thread> threads;
    for (size_t h = 0; h < std::min(helpers, ranges_.size()); ++h) {
      try {
        threads.emplace_back([this] { Help(); });
      } catch (const std::system_error&) {
        break;  // No thread to spare: fewer helpers (this thread encodes what they do not).
      }
    }
    bool ok = true;
    for (size_t range = 0; range < ranges_.size() && ok; ++range) {
      for (const std::string& piece : Await(range)) {
        ok = ok && emit(piece);
      }
    }
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    changed_.notify_all();
    for (std::thread& thread : threads) thread.join();
    return ok;
  }

 private:
  // A range may be claimed once it is within kRangesAhead of the next one to emit.
  bool Claimable() const { return next_ < ranges_.size() && next_ < emitted_ + kRangesAhead; }

  // Encodes range `range` into done_[range]. REQUIRES: lock held on entry; held on return.
  void Encode(std::unique_lock<std::mutex>& lock, size_t range) {
    lock.unlock();
    std::vector<std::string> pieces;
    bool first = range == 0;
    const Range& rows = ranges_[range];
    service::AppendJsonRowsInPieces(pieces, rows_.parts[rows.part].columns, rows.begin, rows.end,
                                    first, kPieceBytes);
    lock.lock();
    done_[range] = std::move(pieces);
    ready_[range] = true;
    changed_.notify_all();
  }

  void Help() {
    std::unique_lock lock(mu_);
    while (true) {
      changed_.wait(lock, [this] { return stop_ || next_ >= ranges_.size() || Claimable(); });
      if (stop_ || next_ >= ranges_.size()) return;
      Encode(lock, next_++);
    }
  }

  // The pieces of `range`, encoding ranges on this thread while it is not ready.
  std::vector<std::string> Await(size_t range) {
    std::unique_lock lock(mu_);
    while (!ready_[range]) {
      if (Claimable()) {
        Encode(lock, next_++);
      } else {
        changed_.wait(lock, [&] { return ready_[range] || Claimable(); });
      }
    }
    std::vector<std::string> pieces = std::move(done_[range]);
    emitted_ = range + 1;
    changed_.notify_all();
    return pieces;
  }

  // Rows [begin, end) of part `part`.
  struct Range {
    size_t part;
    size_t begin;
    size_t end;
  };

  const exec::ResultRows& rows_;
  std::vector<Range> ranges_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::vector<std::string>> done_;  // Encoded ranges. Guarded by mu_.
  std::vector<bool> ready_;                     // Guarded by mu_.
  size_t next_ = 0;                             // The next range to claim. Guarded by mu_.
  size_t emitted_ = 0;                          // Ranges handed to emit. Guarded by mu_.
  bool stop_ = false;                           // Guarded by mu_.
};

}  // namespace

JsonPageSink::JsonPageSink(int parallelism) : parallelism_(std::max(parallelism, 1)) {}

Status JsonPageSink::Begin(const std::vector<exec::ResultColumn>& columns) {
  columns_.clear();
  service::AppendJsonColumns(columns_, columns);
  return Status();
}

Status JsonPageSink::Write(const std::vector<ColumnVector>& columns, size_t begin, size_t end) {
  if (deferred_ != nullptr) {
    // Rows after a whole result (not how the query service writes): keep the order.
    const std::shared_ptr<const exec::ResultRows> deferred = std::move(deferred_);
    for (const exec::ResultRows::Part& part : deferred->parts) {
      service::AppendJsonRowsInPieces(pieces_, part.columns, 0, part.rows, first_, kPieceBytes);
    }
  }
  service::AppendJsonRowsInPieces(pieces_, columns, begin, end, first_, kPieceBytes);
  return Status();
}

Status JsonPageSink::WriteAll(std::shared_ptr<const exec::ResultRows> rows) {
  const size_t values =
      rows->parts.empty() ? 0 : rows->num_rows * rows->parts.front().columns.size();
  if (deferred_ == nullptr && pieces_.empty() && values >= kDeferValues) {
    deferred_ = std::move(rows);
    return Status();
  }
  return RowSink::WriteAll(std::move(rows));
}

ApiResponse JsonPageSink::TakeResponse(const service::QueryOutcome& outcome) {
  std::string head = "{" + columns_ + ",\"rows\":[";
  std::string tail = "],\"next_cursor\":";
  if (outcome.next_cursor.empty()) {
    tail += "null";
  } else {
    AppendJsonString(tail, outcome.next_cursor);
  }
  tail += ',';
  AppendStats(tail, outcome);
  tail += '}';
  if (deferred_ != nullptr) {
    return ApiResponse::Streamed(
        200, "application/json",
        [rows = std::move(deferred_), helpers = static_cast<size_t>(parallelism_ - 1),
         head = std::move(head), tail = std::move(tail)](const ChunkWriter& writer) {
          if (!writer(head)) return false;
          OrderedEncoder encoder(*rows);
          if (!encoder.Run(helpers, writer)) return false;
          return writer(tail);
        });
  }
  size_t rows_bytes = 0;
  for (const std::string& piece : pieces_) rows_bytes += piece.size();
  if (rows_bytes <= kPieceBytes) {
    std::string body;
    body.reserve(head.size() + rows_bytes + tail.size());
    body += head;
    for (const std::string& piece : pieces_) body += piece;
    body += tail;
    pieces_.clear();
    return ApiResponse::Json(200, std::move(body));
  }
  pieces_.insert(pieces_.begin(), std::move(head));
  pieces_.push_back(std::move(tail));
  auto pieces = std::make_shared<std::vector<std::string>>(std::move(pieces_));
  pieces_.clear();
  return ApiResponse::Streamed(200, "application/json", [pieces](const ChunkWriter& writer) {
    for (std::string& piece : *pieces) {
      if (!writer(piece)) return false;
      std::string().swap(piece);  // Sent: release it now rather than with the response.
    }
    return true;
  });
}

}  // namespace strata::server
