#include "service/body_chunker.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "ingest/csv_reader.h"
#include "ingest/line_protocol.h"

namespace strata::service {
namespace {

constexpr size_t kNoLimit = std::numeric_limits<size_t>::max() / 2;

// Picks among record starts (offsets into the window, ascending, the window's first record
// excluded): the last one within `target`, else the first one past it.
class BoundaryPicker {
 public:
  explicit BoundaryPicker(size_t target) : target_(target) {}
  // Offers the start of the next record. Returns false once the choice is made.
  bool Offer(size_t start) {
    if (start <= target_) {
      best_ = start;
      return true;
    }
    if (!best_) best_ = start;
    return false;
  }
  std::optional<size_t> best() const { return best_; }

 private:
  size_t target_;
  std::optional<size_t> best_;
};

std::optional<size_t> NdjsonChunkEnd(std::string_view window, bool at_end, size_t target) {
  const size_t limit = std::min(target, window.size());
  // The last line feed within the target: a chunk of whole lines.
  for (size_t pos = limit; pos > 0; --pos) {
    if (window[pos - 1] == '\n') return pos;
  }
  // The first line is longer than the target: it alone is the chunk.
  const void* newline = std::memchr(window.data() + limit, '\n', window.size() - limit);
  if (newline != nullptr) return static_cast<const char*>(newline) - window.data() + 1;
  if (at_end) return window.size();
  return std::nullopt;
}

std::optional<size_t> CsvChunkEnd(std::string_view window, bool at_end, bool first_chunk,
                                  size_t target) {
  ingest::CsvOptions options;
  options.has_header = first_chunk;
  options.max_field_bytes = kNoLimit;
  options.max_record_bytes = kNoLimit;
  ingest::CsvReader reader(window, options);
  BoundaryPicker picker(target);
  if (reader.ReadHeader()) {
    ingest::CsvRecord record;
    bool first_record = true;
    for (;;) {
      const ingest::CsvStep step = reader.Next(record);
      if (step == ingest::CsvStep::kEnd) break;
      // A record's start is certain once the record before it ended inside the window.
      if (!first_record && !picker.Offer(record.offset())) break;
      first_record = false;
      if (step == ingest::CsvStep::kFatal) break;
    }
  }
  if (picker.best()) return picker.best();
  if (at_end) return window.size();
  return std::nullopt;
}

std::optional<size_t> LineProtocolChunkEnd(std::string_view window, bool at_end, size_t target) {
  ingest::LineProtocolOptions options;
  options.max_line_bytes = 0;  // Only record extents matter here.
  ingest::LineProtocolReader reader(window, options);
  BoundaryPicker picker(target);
  ingest::Point point;
  bool first_record = true;
  for (;;) {
    const ingest::LineProtocolReader::Outcome outcome = reader.Next(point);
    if (outcome == ingest::LineProtocolReader::Outcome::kEnd) break;
    const std::string_view raw = outcome == ingest::LineProtocolReader::Outcome::kPoint
                                     ? point.raw_line
                                     : reader.error().raw_line;
    const size_t start = static_cast<size_t>(raw.data() - window.data());
    if (!first_record && !picker.Offer(start)) break;
    first_record = false;
  }
  if (picker.best()) return picker.best();
  if (at_end) return window.size();
  return std::nullopt;
}

}  // namespace

std::optional<size_t> FindChunkEnd(ingest::BodyFormat format, std::string_view window, bool at_end,
                                   bool first_chunk, size_t target) {
  if (at_end && window.size() <= target) return window.size();
  switch (format) {
    case ingest::BodyFormat::kJson:
      if (at_end) return window.size();
      return std::nullopt;
    case ingest::BodyFormat::kNdjson: return NdjsonChunkEnd(window, at_end, target);
    case ingest::BodyFormat::kCsv: return CsvChunkEnd(window, at_end, first_chunk, target);
    case ingest::BodyFormat::kLineProtocol: return LineProtocolChunkEnd(window, at_end, target);
  }
  return std::nullopt;
}

Result<std::optional<size_t>> CsvHeaderEnd(std::string_view window, bool at_end) {
  ingest::CsvOptions options;
  options.max_field_bytes = kNoLimit;
  options.max_record_bytes = kNoLimit;
  ingest::CsvReader reader(window, options);
  if (!reader.ReadHeader()) {
    const std::string_view code = reader.error().code;
    // The header may continue past the window.
    if (!at_end && (code == "csv_no_header" || code == "csv_unterminated_quote")) {
      return std::optional<size_t>();
    }
    return reader.error().ToStatus();
  }
  const ingest::CsvRecord& header = reader.header();
  size_t end = header.offset() + header.raw().size();
  // Whether the header's line end is a CRLF is known only with the byte after its CR.
  if (end + 1 >= window.size() && !at_end) return std::optional<size_t>();
  if (end < window.size() && window[end] == '\r') ++end;
  if (end < window.size() && window[end] == '\n') ++end;
  return std::optional<size_t>(end);
}

uint64_t CountLineEnds(ingest::BodyFormat format, std::string_view text) {
  uint64_t count = static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
  if (format != ingest::BodyFormat::kCsv) return count;
  for (size_t pos = 0; pos < text.size(); ++pos) {  // Lone CRs.
    if (text[pos] == '\r' && (pos + 1 == text.size() || text[pos + 1] != '\n')) ++count;
  }
  return count;
}

}  // namespace strata::service
