#include "service/read_audit.h"

#include "common/strings.h"
#include "security/crypto.h"
#include "sql/lexer.h"

namespace strata::service {

Status AuditDataRead(audit::AuditSink* sink, std::string_view principal,
                     const audit::RequestIds& ids, const DataRead& read, const Status& result) {
  if (sink == nullptr) return Status();
  audit::AuditEvent event;
  event.principal = std::string(principal);
  event.action = "data.read";
  event.dataset = read.dataset;
  event.resource = !ids.resource.empty()  ? ids.resource
                   : read.dataset.empty() ? "query"
                                          : "datasets/" + read.dataset;
  event.status = 200;
  event.outcome = result.ok() ? audit::Outcome::kSuccess : audit::Outcome::kError;
  json::Value fields = json::Value::Array();
  for (const std::string& field : read.fields) fields.Append(json::Value::String(field));
  event.details = json::Value::Object({
      {"via", json::Value::String(read.via)},
      {"fields", std::move(fields)},
      {"policies", json::Value::String(read.policies)},
      {"row_filters", json::Value::Uint(read.row_filters)},
      {"rows", json::Value::Uint(read.rows)},
      {"query_fingerprint", json::Value::String(read.fingerprint)},
  });
  if (!result.ok())
    event.details.Set("error", json::Value::String(std::string(result.problem_code())));
  return audit::AppendForRequest(*sink, ids, std::move(event));
}

std::string QueryFingerprint(std::string_view statement) {
  std::string normalized;
  Result<std::vector<sql::Token>> tokens = sql::Tokenize(statement);
  if (!tokens.ok()) {
    normalized = std::string(statement);
  } else {
    for (const sql::Token& token : *tokens) {
      if (token.kind == sql::TokenKind::kEnd) break;
      if (!normalized.empty()) normalized += ' ';
      switch (token.kind) {
        case sql::TokenKind::kKeyword: normalized += sql::KeywordName(token.keyword); break;
        case sql::TokenKind::kInteger:
        case sql::TokenKind::kFloat:
        case sql::TokenKind::kString: normalized += '?'; break;
        case sql::TokenKind::kParam: normalized += "$" + token.text; break;
        case sql::TokenKind::kNe: normalized += "<>"; break;
        case sql::TokenKind::kIdentifier:
          normalized += token.quoted ? "\"" + token.text + "\"" : token.text;
          break;
        default: normalized += token.text; break;
      }
    }
  }
  return HexEncode(security::Sha256(normalized).substr(0, 16));
}

void DescribeRead(const sql::QueryPlan& plan, DataRead& read) {
  const sql::QueryPlan* source = &plan;
  while (source->inner) source = source->inner.get();
  read.dataset = source->dataset;
  read.fields.clear();
  for (const sql::SourceColumn& column : source->source_columns) {
    if (column.name == "_seq") continue;
    read.fields.push_back(column.name);
  }
}

}  // namespace strata::service
