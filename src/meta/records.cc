#include "meta/records.h"

namespace strata::meta {

std::string_view PartitionByName(PartitionBy value) {
  switch (value) {
    case PartitionBy::kHour: return "hour";
    case PartitionBy::kDay: return "day";
    case PartitionBy::kMonth: return "month";
  }
  return "day";
}

std::optional<PartitionBy> ParsePartitionBy(std::string_view text) {
  if (text == "hour") return PartitionBy::kHour;
  if (text == "day") return PartitionBy::kDay;
  if (text == "month") return PartitionBy::kMonth;
  return std::nullopt;
}

std::string_view SchemaModeName(SchemaMode value) {
  return value == SchemaMode::kStrict ? "strict" : "evolve";
}

std::optional<SchemaMode> ParseSchemaMode(std::string_view text) {
  if (text == "strict") return SchemaMode::kStrict;
  if (text == "evolve") return SchemaMode::kEvolve;
  return std::nullopt;
}

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kSucceeded: return "succeeded";
    case JobState::kFailed: return "failed";
    case JobState::kCancelled: return "cancelled";
  }
  return "failed";
}

std::optional<JobState> ParseJobState(std::string_view text) {
  for (JobState state : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
                         JobState::kFailed, JobState::kCancelled}) {
    if (JobStateName(state) == text) return state;
  }
  return std::nullopt;
}

std::string_view JobTypeName(JobType type) {
  switch (type) {
    case JobType::kIngest: return "ingest";
    case JobType::kDelete: return "delete";
  }
  return "ingest";
}

std::optional<JobType> ParseJobType(std::string_view text) {
  for (JobType type : {JobType::kIngest, JobType::kDelete}) {
    if (JobTypeName(type) == text) return type;
  }
  return std::nullopt;
}

bool IsFinished(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

}  // namespace strata::meta
