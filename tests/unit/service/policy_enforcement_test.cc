// Row and field policies enforced on every read path — query (JSON, NDJSON, CSV, cursor
// pages, EXPLAIN, the result cache), records (filter, sort, cursor pages) and changes — with
// policies from an in-memory PolicySource: no hidden row and no stored value of a
// transformed field appears in any output or error message. Also detokenize.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "common/json.h"
#include "common/strings.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/policy_json.h"
#include "service/dataset_service.h"
#include "service/ingest_service.h"
#include "service/pii_service.h"
#include "service/policy_compiler.h"
#include "service/policy_resolver.h"
#include "service/query_service.h"
#include "service/recording_audit_sink.h"
#include "service/records_service.h"
#include "service/result_format.h"
#include "test_backend.h"
#include "test_util.h"
#include "types/schema_evolution.h"

namespace strata::service {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Policies by dataset id, for tests (the access service keeps them in the metastore).
class InMemoryPolicySource : public PolicySource {
 public:
  Result<std::shared_ptr<const security::DatasetPolicies>> PoliciesFor(
      const meta::DatasetRecord& dataset) override {
    auto it = policies.find(dataset.id);
    if (it == policies.end()) return std::make_shared<const security::DatasetPolicies>();
    return std::make_shared<const security::DatasetPolicies>(it->second);
  }
  std::map<std::string, security::DatasetPolicies> policies;
};

// Renders what a sink receives in one of the response formats.
class RenderSink : public exec::RowSink {
 public:
  explicit RenderSink(ResultFormat format) : format_(format) {}
  Status Begin(const std::vector<exec::ResultColumn>& columns) override {
    header_ = columns;
    if (format_ == ResultFormat::kCsv) AppendCsvHeader(text, columns);
    if (format_ == ResultFormat::kJson) AppendJsonColumns(text, columns);
    return Status();
  }
  Status Write(const std::vector<types::ColumnVector>& columns, size_t begin, size_t end) override {
    rows += end - begin;
    switch (format_) {
      case ResultFormat::kJson: AppendJsonRows(text, columns, begin, end, first_); break;
      case ResultFormat::kNdjson: AppendNdjsonRows(text, header_, columns, begin, end); break;
      case ResultFormat::kCsv: AppendCsvRows(text, columns, begin, end); break;
    }
    return Status();
  }

  std::string text;
  size_t rows = 0;

 private:
  ResultFormat format_;
  std::vector<exec::ResultColumn> header_;
  bool first_ = true;
};

// Every string a leak test looks for: hidden rows hold "SECRET" in every string field and
// non-numeric codes; visible rows' emails and notes are hidden by field policies.
constexpr std::string_view kHiddenMarker = "SECRET";
constexpr std::string_view kVisibleEmail = "ana.lopez@eu.example";
constexpr std::string_view kVisibleNote = "eu-note-7";

class PolicyEnforcementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    datasets_ = std::make_unique<DatasetService>(*store_, backend_.get(), authorizer_,
                                                 CursorCodec(std::string(32, 'c')));
    ingest_ = std::make_unique<IngestService>(*datasets_, backend_.get(), *store_, IngestLimits{});
    QueryLimits limits;
    limits.max_rows = 100;
    queries_ = std::make_unique<QueryService>(
        *datasets_, backend_.get(), CursorCodec(std::string(32, 'q')), limits,
        MakePolicyResolver(source_, keyring_, DatasetRoleSubjects(authorizer_)));
    records_ = std::make_unique<RecordsService>(*queries_, *datasets_, authorizer_,
                                                CursorCodec(std::string(32, 'r')));
    pii_ = std::make_unique<PiiService>(*datasets_, authorizer_, keyring_);
    pii_->SetAuditSink(&audit_sink_);

    ASSERT_OK_AND_ASSIGN(json::Value spec, json::Parse(R"({"id": "people", "time_field": "time",
        "fields": [{"name": "time", "type": "timestamp"},
                   {"name": "region", "type": "string"},
                   {"name": "email", "type": "string", "pii": true},
                   {"name": "salary", "type": "int64"},
                   {"name": "note", "type": "string", "nullable": true},
                   {"name": "code", "type": "string"}]})"));
    ASSERT_OK_AND_ASSIGN(DatasetSpec decoded, DecodeDatasetSpec(spec, SpecKind::kCreate));
    ASSERT_OK(datasets_->Create(admin_, std::move(decoded)).status());
    std::string body;
    for (int i = 0; i < 6; ++i) {
      const bool eu = i % 2 == 0;
      const std::string n = std::to_string(i);
      body += R"({"time": )" + std::to_string(1451606400 + i) + R"(, "region": ")" +
              (eu ? "eu" : "us") + R"(", "email": ")" +
              (eu ? std::string(i == 0 ? kVisibleEmail : "user" + n + "@eu.example")
                  : std::string(kHiddenMarker) + n + "@us.example") +
              R"(", "salary": )" + (eu ? "100" : "999999") + n + R"(, "note": )" +
              (i == 4 ? "null"
               : eu   ? "\"" + std::string(kVisibleNote) + "\""
                      : "\"" + std::string(kHiddenMarker) + "-note\"") +
              R"(, "code": ")" + (eu ? n : std::string(kHiddenMarker) + "-code") + "\"}\n";
    }
    IngestRequest request;
    request.body = body;
    request.content_type = "application/x-ndjson";
    ASSERT_OK_AND_ASSIGN(IngestResult ingested,
                         ingest_->Ingest(admin_, "people", std::move(request)));
    ASSERT_EQ(ingested.accepted, 6u);

    // Readers see their region's rows; their notes are hashed; emails (pii) are masked.
    ASSERT_OK_AND_ASSIGN(
        json::Value document,
        json::Parse(R"({"row_policies": [{"name": "own_region", "filter": "region = $user.region",
                                          "applies_to": ["role:reader"]}],
                        "field_policies": [{"field": "note", "action": "hash",
                                            "applies_to": ["role:reader"]},
                                           {"field": "email", "action": "tokenize",
                                            "applies_to": ["user:olga"]}]})"));
    ASSERT_OK_AND_ASSIGN(
        security::DatasetPolicies policies,
        security::DecodeDatasetPolicies(document, security::PolicyJsonMode::kRequest));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<const DatasetDocument> people,
                         datasets_->LoadForData(admin_, "people", security::Permission::kDataRead));
    ASSERT_OK(ValidatePolicies(policies, people->record.schema));
    source_.policies["people"] = policies;
  }

  struct QueryOutput {
    Status status;
    std::string text;
    size_t rows = 0;
    std::string next_cursor;
    exec::ExecStats stats;
  };

  QueryOutput Query(const security::Principal& caller, const std::string& sql,
                    ResultFormat format = ResultFormat::kJson, std::optional<int64_t> limit = {},
                    const std::string& cursor = "") {
    QueryRequest request;
    request.sql = sql;
    request.format = format;
    request.limit = limit;
    request.cursor = cursor;
    QueryOutput output;
    Result<std::unique_ptr<PreparedQuery>> prepared = queries_->Prepare(caller, request);
    if (!prepared.ok()) {
      output.status = prepared.status();
      return output;
    }
    RenderSink sink(format);
    Result<QueryOutcome> outcome = (*prepared)->Run(sink);
    output.status = outcome.status();
    output.text = sink.text;
    output.rows = sink.rows;
    if (outcome.ok()) {
      output.next_cursor = outcome->next_cursor;
      output.stats = outcome->stats;
    }
    return output;
  }

  static std::string Render(const RecordsPage& page, ResultFormat format) {
    RenderSink sink(format);
    EXPECT_OK(sink.Begin(page.columns));
    EXPECT_OK(sink.Write(page.rows, 0, page.num_rows));
    return sink.text;
  }

  // Everything a cursor carries, readable: its payload part decoded.
  static std::string CursorPayload(const std::string& cursor) {
    return Base64UrlDecode(cursor.substr(0, cursor.find('.'))).value_or("?");
  }

  // Fails when `text` shows a hidden row or a stored value the policies transform.
  static void ExpectNoLeak(std::string_view text, std::string_view what) {
    EXPECT_THAT(std::string(text), Not(HasSubstr(kHiddenMarker))) << what;
    EXPECT_THAT(std::string(text), Not(HasSubstr("999999"))) << what;
    EXPECT_THAT(std::string(text), Not(HasSubstr(kVisibleEmail))) << what;
    EXPECT_THAT(std::string(text), Not(HasSubstr(kVisibleNote))) << what;
    EXPECT_THAT(std::string(text), Not(HasSubstr("@eu.example"))) << what;
  }

  security::Authorizer authorizer_;
  strata::testing::TestBackend backend_;
  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<DatasetService> datasets_;
  std::unique_ptr<IngestService> ingest_;
  InMemoryPolicySource source_;
  security::PiiKeyring keyring_{std::string(32, 'k')};
  std::unique_ptr<QueryService> queries_;
  std::unique_ptr<RecordsService> records_;
  std::unique_ptr<PiiService> pii_;
  RecordingAuditSink audit_sink_;
  audit::RequestIds audit_ids_;

  // The pii.detokenize entries so far, as "<principal> <dataset>/<field> <tokens>/<revealed>".
  std::vector<std::string> Detokenized() const {
    std::vector<std::string> lines;
    for (const audit::AuditEvent& event : audit_sink_.events) {
      EXPECT_EQ(event.action, "pii.detokenize");
      lines.push_back(event.principal + " " + event.dataset + "/" +
                      event.details.Find("field")->string_value() + " " +
                      std::to_string(event.details.Find("tokens")->uint64_value()) + "/" +
                      std::to_string(event.details.Find("revealed")->uint64_value()));
    }
    return lines;
  }
  const security::Principal admin_{"key:admin", {"admin"}, {}, {}};
  const security::Principal ana_{"user:ana", {"reader"}, {"analysts"}, {{"region", "eu"}}};
  const security::Principal bob_{"user:bob", {"reader"}, {}, {{"region", "us"}}};
  const security::Principal nobody_{"user:nobody", {"reader"}, {}, {}};
  const security::Principal olga_{"user:olga", {"owner"}, {}, {}};
};

TEST_F(PolicyEnforcementTest, QueryOutputsShowNoHiddenRowNorStoredValueInAnyFormat) {
  for (ResultFormat format : {ResultFormat::kJson, ResultFormat::kNdjson, ResultFormat::kCsv}) {
    for (const std::string sql :
         {"SELECT * FROM people", "SELECT email, note, salary FROM people ORDER BY email",
          "SELECT region, count(*), max(salary), min(email) FROM people GROUP BY region",
          "SELECT DISTINCT ON (region) region, email FROM people ORDER BY region, time DESC",
          "SELECT e FROM (SELECT email AS e FROM people WHERE salary > 0) t",
          "WITH t AS (SELECT * FROM people) SELECT note, count(*) FROM t GROUP BY note",
          "SELECT DISTINCT email FROM people", "EXPLAIN SELECT email FROM people",
          "EXPLAIN ANALYZE SELECT note FROM people WHERE note IS NOT NULL"}) {
      QueryOutput output = Query(ana_, sql, format);
      ASSERT_OK(output.status);
      ExpectNoLeak(output.text, sql);
    }
  }
  QueryOutput all = Query(ana_, "SELECT email, note FROM people ORDER BY time");
  EXPECT_EQ(all.rows, 3u) << all.text;
  EXPECT_THAT(all.text, HasSubstr("\"****************mple\"")) << "the last 4 characters";
  EXPECT_THAT(all.text, ::testing::ContainsRegex("\"[0-9a-f]{32}\"")) << "a hashed note";
  EXPECT_THAT(all.text, HasSubstr(",null]")) << "a NULL note stays NULL";
  // The same statement for an admin shows what was hidden (the fixture is not vacuous).
  QueryOutput admin = Query(admin_, "SELECT * FROM people");
  EXPECT_EQ(admin.rows, 6u);
  EXPECT_THAT(admin.text, HasSubstr(kVisibleEmail));
  EXPECT_THAT(admin.text, HasSubstr(kHiddenMarker));
}

// Regression: policy subjects held only the roles granted on every dataset, and pii:read
// only from those, so a reader granted on this one dataset escaped `role:reader` policies,
// and an owner of it saw pii fields masked.
TEST_F(PolicyEnforcementTest, RolesAndPiiReadHeldOnTheDatasetCount) {
  security::Principal dana{"user:dana", {}, {}, {{"region", "eu"}}};
  dana.dataset_roles["people"] = {"reader"};
  QueryOutput rows = Query(dana, "SELECT * FROM people");
  ASSERT_OK(rows.status);
  EXPECT_EQ(rows.rows, 3u) << rows.text;
  ExpectNoLeak(rows.text, "a reader granted on this dataset only");
  security::Principal pete{"user:pete", {}, {}, {}};
  pete.dataset_roles["people"] = {"owner"};
  QueryOutput owner = Query(pete, "SELECT email FROM people ORDER BY time");
  ASSERT_OK(owner.status);
  EXPECT_EQ(owner.rows, 6u);
  EXPECT_THAT(owner.text, HasSubstr(kVisibleEmail)) << "pii:read held on the dataset";

  const SubjectResolver subjects = DatasetRoleSubjects(authorizer_);
  meta::DatasetRecord people;
  people.id = "people";
  const security::PolicySubject on_people = subjects(pete, people);
  EXPECT_EQ(on_people.roles, std::vector<std::string>{"owner"});
  EXPECT_TRUE(on_people.pii_read);
  meta::DatasetRecord other;
  other.id = "other";
  const security::PolicySubject elsewhere = subjects(pete, other);
  EXPECT_TRUE(elsewhere.roles.empty());
  EXPECT_FALSE(elsewhere.pii_read);
  // A credential scope narrows pii:read too.
  security::Principal scoped = pete;
  scoped.scopes = std::vector<std::string>{"data:read"};
  EXPECT_FALSE(subjects(scoped, people).pii_read);
}

TEST_F(PolicyEnforcementTest, AggregatesAndFiltersSeeOnlyVisibleRowsAndTransformedValues) {
  QueryOutput count = Query(ana_, "SELECT count(*), sum(salary) FROM people");
  ASSERT_OK(count.status);
  EXPECT_THAT(count.text, HasSubstr("[3,3006]"));
  QueryOutput regions = Query(ana_, "SELECT region, count(*) FROM people GROUP BY region");
  EXPECT_THAT(regions.text, HasSubstr("[\"eu\",3]"));
  EXPECT_EQ(regions.rows, 1u);
  // Filtering on a transformed field compares the transformed value.
  QueryOutput raw =
      Query(ana_, "SELECT count(*) FROM people WHERE email = '" + std::string(kVisibleEmail) + "'");
  EXPECT_THAT(raw.text, HasSubstr("[0]"));
  QueryOutput masked =
      Query(ana_, "SELECT count(*) FROM people WHERE email = '****************mple'");
  EXPECT_THAT(masked.text, HasSubstr("[1]"));
  QueryOutput hidden = Query(ana_, "SELECT count(*) FROM people WHERE region = 'us'");
  EXPECT_THAT(hidden.text, HasSubstr("[0]"));
  // Grouping on a hashed field still groups equal values.
  QueryOutput notes = Query(ana_, "SELECT note, count(*) FROM people GROUP BY note ORDER BY 2");
  EXPECT_EQ(notes.rows, 2u) << notes.text;
  EXPECT_THAT(notes.text, ::testing::ContainsRegex("\\[\"[0-9a-f]{32}\",2\\]"));
}

TEST_F(PolicyEnforcementTest, ErrorsNeverShowHiddenRowsOrStoredValues) {
  // code is not numeric on hidden rows only: the row policy runs before the statement's
  // expressions, so the reader's cast never meets them.
  QueryOutput visible = Query(ana_, "SELECT sum(CAST(code AS int64)) FROM people");
  ASSERT_OK(visible.status);
  EXPECT_THAT(visible.text, HasSubstr("[6]"));
  QueryOutput filtered = Query(ana_, "SELECT count(*) FROM people WHERE CAST(code AS int64) >= 0");
  ASSERT_OK(filtered.status);
  EXPECT_THAT(filtered.text, HasSubstr("[3]"));
  QueryOutput admin = Query(admin_, "SELECT sum(CAST(code AS int64)) FROM people");
  EXPECT_THAT(std::string(admin.status.message()), HasSubstr(kHiddenMarker))
      << "the admin sees the row the reader may not (the test is not vacuous)";
  // A cast error on a transformed value names the transformed value.
  for (const std::string sql : {"SELECT CAST(email AS int64) FROM people",
                                "SELECT CAST(note AS float64) FROM people ORDER BY 1 LIMIT 1",
                                "SELECT 1 FROM people WHERE CAST(email AS bool)"}) {
    QueryOutput failed = Query(ana_, sql);
    EXPECT_FALSE(failed.status.ok()) << sql;
    EXPECT_EQ(failed.status.problem_code(), "invalid_cast") << sql;
    ExpectNoLeak(failed.status.ToString(), sql);
  }
}

TEST_F(PolicyEnforcementTest, ScanStatisticsDoNotCountHiddenRows) {
  // A pushed predicate on hidden values would make rows_scanned and pruning an oracle.
  const std::string sql = "SELECT count(*) FROM people WHERE salary > 999990";
  QueryOutput admin = Query(admin_, sql);
  EXPECT_GT(admin.stats.scan.rows_scanned, 0u) << "the admin sees what the scan did";
  QueryOutput reader = Query(ana_, sql);
  ASSERT_OK(reader.status);
  EXPECT_EQ(reader.stats.scan.rows_scanned, 0u);
  EXPECT_EQ(reader.stats.scan.chunks_total, 0u);
  EXPECT_EQ(reader.stats.scan.bytes_scanned, 0u);
  QueryOutput explain = Query(ana_, "EXPLAIN ANALYZE " + sql);
  EXPECT_THAT(explain.text, Not(HasSubstr("partitions:")));
  EXPECT_THAT(explain.text, HasSubstr("rows_scanned=0 bytes_scanned=0 chunks_pruned=0/0"));
  EXPECT_THAT(Query(admin_, "EXPLAIN " + sql).text, HasSubstr("partitions:"));
}

TEST_F(PolicyEnforcementTest, CursorPagesKeepThePolicies) {
  QueryOutput first =
      Query(ana_, "SELECT email, note FROM people ORDER BY email", ResultFormat::kJson, 1);
  ASSERT_OK(first.status);
  ASSERT_FALSE(first.next_cursor.empty());
  ExpectNoLeak(first.text, "page 1");
  ExpectNoLeak(CursorPayload(first.next_cursor), "cursor 1");
  size_t rows = first.rows;
  std::string cursor = first.next_cursor;
  while (!cursor.empty()) {
    QueryOutput page = Query(ana_, "", ResultFormat::kJson, std::nullopt, cursor);
    ASSERT_OK(page.status);
    ExpectNoLeak(page.text, "next page");
    ExpectNoLeak(CursorPayload(page.next_cursor), "next cursor");
    rows += page.rows;
    cursor = page.next_cursor;
  }
  EXPECT_EQ(rows, 3u);
}

TEST_F(PolicyEnforcementTest, ResultsAreNotSharedAcrossAttributeValues) {
  QueryOutput eu = Query(ana_, "SELECT region, count(*) FROM people GROUP BY region");
  QueryOutput us = Query(bob_, "SELECT region, count(*) FROM people GROUP BY region");
  EXPECT_THAT(eu.text, HasSubstr("[\"eu\",3]"));
  EXPECT_THAT(us.text, HasSubstr("[\"us\",3]"));
  EXPECT_THAT(us.text, Not(HasSubstr("eu")));
  // Without the attribute the row policy matches nothing.
  QueryOutput none = Query(nobody_, "SELECT count(*) FROM people");
  EXPECT_THAT(none.text, HasSubstr("[0]"));
}

TEST_F(PolicyEnforcementTest, RecordsListingsFilterSortAndPageUnderThePolicies) {
  RecordsRequest request;
  request.dataset = "people";
  request.sort = {{"email", false}};
  request.limit = 2;
  size_t rows = 0;
  for (int page_number = 0; page_number < 5; ++page_number) {
    ASSERT_OK_AND_ASSIGN(RecordsPage page, records_->List(ana_, request));
    rows += page.num_rows;
    for (ResultFormat format : {ResultFormat::kJson, ResultFormat::kNdjson, ResultFormat::kCsv}) {
      ExpectNoLeak(Render(page, format), "records page");
    }
    ExpectNoLeak(CursorPayload(page.next_cursor), "records cursor");
    if (page.next_cursor.empty()) break;
    request.cursor = page.next_cursor;
  }
  EXPECT_EQ(rows, 3u);

  RecordsRequest filtered;
  filtered.dataset = "people";
  filtered.filter = "region = 'us' OR email = '" + std::string(kVisibleEmail) + "'";
  ASSERT_OK_AND_ASSIGN(RecordsPage none, records_->List(ana_, filtered));
  EXPECT_EQ(none.num_rows, 0u);
  filtered.filter = "CAST(code AS int64) > 0";
  ASSERT_OK_AND_ASSIGN(RecordsPage some, records_->List(ana_, filtered));
  EXPECT_EQ(some.num_rows, 2u);
  filtered.filter = "CAST(note AS int64) > 0";
  Result<RecordsPage> failed = records_->List(ana_, filtered);
  ASSERT_FALSE(failed.ok());
  ExpectNoLeak(failed.status().ToString(), "records cast error");
}

TEST_F(PolicyEnforcementTest, ChangesCarryOnlyVisibleRowsTransformed) {
  ChangesRequest request;
  request.dataset = "people";
  request.limit = 2;
  size_t rows = 0;
  for (int page_number = 0; page_number < 5; ++page_number) {
    ASSERT_OK_AND_ASSIGN(RecordsPage page, records_->Changes(ana_, request));
    rows += page.num_rows;
    for (ResultFormat format : {ResultFormat::kJson, ResultFormat::kNdjson, ResultFormat::kCsv}) {
      ExpectNoLeak(Render(page, format), "changes page");
    }
    if (page.num_rows == 0) break;
    request.since = page.next_cursor;
  }
  EXPECT_EQ(rows, 3u);
}

TEST_F(PolicyEnforcementTest, DeletesReachOnlyVisibleRows) {
  const security::Principal editor{"user:ed", {"editor"}, {}, {{"region", "eu"}}};
  security::DatasetPolicies& policies = source_.policies["people"];
  policies.row.push_back(
      {"", "editor_sensitive", "lower(note) <> 'SECRET-x'", {"role:editor"}, {}, {}});
  // A row policy storage cannot apply refuses the delete, without showing the policy.
  Result<int64_t> refused = records_->Delete(editor, "people", "salary > 0");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().problem_code(), "unsupported_filter");
  EXPECT_THAT(std::string(refused.status().message()), Not(HasSubstr("SECRET")));
  policies.row.back().filter = "region = $user.region";
  ASSERT_OK_AND_ASSIGN(int64_t deleted, records_->Delete(editor, "people", "salary > 0"));
  EXPECT_EQ(deleted, 3);
  QueryOutput left = Query(admin_, "SELECT region, count(*) FROM people GROUP BY region");
  EXPECT_THAT(left.text, HasSubstr("[\"us\",3]"));
  EXPECT_EQ(left.rows, 1u);
}

TEST_F(PolicyEnforcementTest, DeniedFieldsAreAbsentFromStarAndRefusedByName) {
  security::FieldPolicy deny;
  deny.field = "salary";
  deny.field_id = 4;
  deny.action = security::FieldPolicyAction::kDeny;
  deny.applies_to = {"user:ana"};
  source_.policies["people"].field.push_back(deny);
  QueryOutput star = Query(ana_, "SELECT * FROM people", ResultFormat::kCsv);
  ASSERT_OK(star.status);
  EXPECT_THAT(star.text, ::testing::StartsWith("time,region,email,note,code\r\n"));
  QueryOutput named = Query(ana_, "SELECT sum(salary) FROM people");
  EXPECT_EQ(named.status.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(named.status.problem_code(), "field_denied");
  RecordsRequest request;
  request.dataset = "people";
  request.fields = {"salary"};
  EXPECT_EQ(records_->List(ana_, request).status().problem_code(), "field_denied");
  request.fields = {};
  request.filter = "salary > 0";
  EXPECT_EQ(records_->List(ana_, request).status().problem_code(), "field_denied");
  EXPECT_OK(Query(bob_, "SELECT sum(salary) FROM people").status);  // The policy is ana's.
}

TEST_F(PolicyEnforcementTest, AnOlderSchemaVersionDoesNotLiftFieldPolicies) {
  ASSERT_OK_AND_ASSIGN(json::Value changes,
                       json::Parse(R"({"changes": [{"op": "rename", "name": "note",
                                                    "to": "remark"}]})"));
  ASSERT_OK_AND_ASSIGN(std::vector<types::SchemaChange> decoded,
                       types::DecodeSchemaChanges(changes));
  ASSERT_OK(datasets_->EvolveSchema(admin_, "people", std::move(decoded), Precondition()).status());
  for (std::optional<uint32_t> version : {std::optional<uint32_t>(), std::optional<uint32_t>(1)}) {
    QueryRequest request;
    request.sql = "SELECT * FROM people";
    request.schema_version = version;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<PreparedQuery> prepared, queries_->Prepare(ana_, request));
    RenderSink sink(ResultFormat::kJson);
    ASSERT_OK(prepared->Run(sink).status());
    EXPECT_EQ(sink.rows, 3u);
    ExpectNoLeak(sink.text, version ? "schema version 1" : "current schema");
  }
}

TEST_F(PolicyEnforcementTest, TokensGroupLikeTheValuesAndDetokenizeForTheOwner) {
  QueryRequest query;
  query.sql = "SELECT email FROM people ORDER BY time";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PreparedQuery> prepared, queries_->Prepare(olga_, query));
  exec::CollectSink rows;
  ASSERT_OK(prepared->Run(rows).status());
  ASSERT_EQ(rows.num_rows, 6u) << "olga has no row policy";
  std::vector<std::string> tokens;
  for (size_t row_idx = 0; row_idx < rows.num_rows; ++row_idx) {
    tokens.emplace_back(rows.columns[0].StringAt(row_idx));
    EXPECT_TRUE(tokens.back().starts_with("tok_")) << tokens.back();
    ExpectNoLeak(tokens.back(), "a token");
  }
  EXPECT_EQ(Query(olga_, "SELECT email FROM people ORDER BY time").text,
            Query(olga_, "SELECT email FROM people ORDER BY time").text)
      << "tokens are deterministic";

  DetokenizeRequest request{"people", "email", {tokens[0], tokens[1], "tok_forged", tokens[0]}};
  ASSERT_OK_AND_ASSIGN(DetokenizeResult result, pii_->Detokenize(olga_, request, &audit_ids_));
  EXPECT_EQ(result.type, types::DataType::kString);
  ASSERT_EQ(result.values.size(), 4u);
  EXPECT_EQ(result.values[0], types::Value(std::string(kVisibleEmail)));
  EXPECT_EQ(result.values[1], types::Value(std::string(kHiddenMarker) + "1@us.example"));
  EXPECT_EQ(result.values[2], types::Value());
  EXPECT_EQ(result.values[3], result.values[0]);
  // A token opens only under its own field.
  request.field = "note";
  ASSERT_OK_AND_ASSIGN(result, pii_->Detokenize(olga_, request, &audit_ids_));
  for (const types::Value& value : result.values) EXPECT_EQ(value, types::Value());
  EXPECT_THAT(Detokenized(),
              ::testing::ElementsAre("user:olga people/email 4/3", "user:olga people/note 4/0"));

  EXPECT_EQ(pii_->Detokenize(ana_, request, &audit_ids_).status().code(),
            StatusCode::kPermissionDenied)
      << "readers lack pii:detokenize";
  request.field = "emial";
  Result<DetokenizeResult> unknown = pii_->Detokenize(olga_, request, &audit_ids_);
  EXPECT_EQ(unknown.status().problem_code(), "unknown_field");
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("did you mean 'email'"));
  request.field = "email";
  request.tokens.assign(kMaxDetokenizeTokens + 1, tokens[0]);
  EXPECT_EQ(pii_->Detokenize(olga_, request, &audit_ids_).status().code(),
            StatusCode::kValidationFailed);
  request.dataset = "nope";
  request.tokens = {tokens[0]};
  EXPECT_EQ(pii_->Detokenize(olga_, request, &audit_ids_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(audit_sink_.events.size(), 2u) << "refused calls reveal nothing, so are not reported";

  audit_sink_.append_error = audit::AuditUnavailable("disk full");
  request.dataset = "people";
  Result<DetokenizeResult> unaudited = pii_->Detokenize(olga_, request, &audit_ids_);
  EXPECT_EQ(unaudited.status().problem_code(), "audit_unavailable") << "no entry, no values";
}

// Regression (OWASP API5 matrix): pii:detokenize was required on "*", so the owner role
// granted on one dataset could not detokenize there. It is a dataset-level permission; a
// caller who cannot see the dataset gets 404, as for a missing one, like every dataset path.
TEST_F(PolicyEnforcementTest, DetokenizeFollowsGrantsOnTheDataset) {
  const security::Principal dataset_owner{"user:otto", {}, {}, {}, {{"people", {"owner"}}}};
  const security::Principal stranger{"user:sam", {}, {}, {}};
  DetokenizeRequest request{"people", "email", {"tok_forged"}};
  ASSERT_OK_AND_ASSIGN(DetokenizeResult result, pii_->Detokenize(dataset_owner, request));
  EXPECT_EQ(result.values, std::vector<types::Value>{types::Value()});
  Result<DetokenizeResult> hidden = pii_->Detokenize(stranger, request);
  request.dataset = "nope";
  Result<DetokenizeResult> missing = pii_->Detokenize(stranger, request);
  EXPECT_EQ(hidden.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace strata::service
