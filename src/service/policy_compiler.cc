#include "service/policy_compiler.h"

#include <algorithm>
#include <map>

#include "common/strings.h"
#include "exec/constant_folding.h"
#include "security/crypto.h"
#include "service/field_transforms.h"
#include "sql/binder.h"
#include "sql/expr_binder.h"
#include "sql/parser.h"
#include "sql/token.h"

namespace strata::service {
namespace {

using security::FieldPolicyAction;
using sql::Expr;
using sql::ExprKind;
using sql::ExprPtr;

constexpr std::string_view kUserPrefix = "user.";
// The FROM name of the statement a filter is test-bound in; never shown to anyone.
constexpr std::string_view kPolicyTable = "policy_target";

sql::FieldAction ToSql(FieldPolicyAction action) {
  switch (action) {
    case FieldPolicyAction::kDeny: return sql::FieldAction::kDeny;
    case FieldPolicyAction::kNull: return sql::FieldAction::kNull;
    case FieldPolicyAction::kMask: return sql::FieldAction::kMask;
    case FieldPolicyAction::kHash: return sql::FieldAction::kHash;
    case FieldPolicyAction::kTokenize: return sql::FieldAction::kTokenize;
  }
  return sql::FieldAction::kDeny;
}

ExprPtr CloneExpr(const Expr& expr) {
  auto copy = std::make_unique<Expr>();
  copy->kind = expr.kind;
  copy->pos = expr.pos;
  copy->end_offset = expr.end_offset;
  copy->literal_kind = expr.literal_kind;
  copy->value = expr.value;
  copy->name = expr.name;
  copy->qualifier = expr.qualifier;
  copy->type_name = expr.type_name;
  copy->op = expr.op;
  copy->negated = expr.negated;
  copy->distinct = expr.distinct;
  copy->case_insensitive = expr.case_insensitive;
  copy->json_text = expr.json_text;
  copy->has_operand = expr.has_operand;
  copy->has_else = expr.has_else;
  for (const ExprPtr& child : expr.children) copy->children.push_back(CloneExpr(*child));
  return copy;
}

ExprPtr Literal(types::Value value, sql::LiteralKind kind, const sql::SourcePos& pos) {
  auto literal = std::make_unique<Expr>();
  literal->kind = ExprKind::kLiteral;
  literal->pos = pos;
  literal->literal_kind = kind;
  literal->value = std::move(value);
  return literal;
}

// Turns the parameter node `expr` into a string literal in place.
void MakeStringLiteral(Expr& expr, std::string value) {
  expr.kind = ExprKind::kLiteral;
  expr.literal_kind = sql::LiteralKind::kString;
  expr.value = std::move(value);
  expr.name.clear();
}

// Replaces every $user.<attribute> in `expr` by the literal `value_of(attribute)`; returns
// false when `value_of` has none for some attribute.
template <typename ValueOf>
bool SubstituteAttributes(Expr& expr, const ValueOf& value_of) {
  if (expr.kind == ExprKind::kParam && StartsWith(expr.name, kUserPrefix)) {
    std::optional<std::string> value = value_of(expr.name.substr(kUserPrefix.size()));
    if (!value) return false;
    MakeStringLiteral(expr, std::move(*value));
    return true;
  }
  for (ExprPtr& child : expr.children) {
    if (!SubstituteAttributes(*child, value_of)) return false;
  }
  return true;
}

// The only catalog entry: the dataset under its schema, without policies.
class SchemaCatalog : public sql::Catalog {
 public:
  explicit SchemaCatalog(const types::Schema& schema) : schema_(schema) {}
  std::optional<sql::TableInfo> Find(std::string_view name) override {
    if (name != kPolicyTable) return std::nullopt;
    sql::TableInfo table;
    table.name = std::string(kPolicyTable);
    table.schema = schema_;
    return table;
  }
  std::vector<std::string> Names() override { return {std::string(kPolicyTable)}; }

 private:
  const types::Schema& schema_;
};

// Binds `SELECT 1 FROM <dataset> WHERE <filter>`.
Result<sql::BoundStatement> BindFilter(const Expr& filter, const types::Schema& schema) {
  sql::Statement statement;
  statement.select = std::make_unique<sql::Select>();
  statement.select->items.push_back(
      {Literal(int64_t{1}, sql::LiteralKind::kInt, sql::SourcePos()), ""});
  statement.select->has_from = true;
  statement.select->from.name = std::string(kPolicyTable);
  statement.select->where = CloneExpr(filter);
  SchemaCatalog catalog(schema);
  sql::BindOptions options;
  options.catalog = &catalog;
  return sql::Bind(statement, options);
}

// Whether `filter` binds to `schema` but cannot be evaluated: folding its constants (casts of
// substituted attributes) fails.
bool Unevaluable(const Expr& filter, const types::Schema& schema) {
  Result<sql::BoundStatement> bound = BindFilter(filter, schema);
  return bound.ok() && !exec::FoldConstants(bound->plan).ok();
}

// Problems of a parsed filter that binding would report less clearly, or not at all: unknown
// fields (with a suggestion), parameters other than $user.<attribute>, aggregates, '*'.
void CheckFilterNodes(const Expr& expr, const types::Schema& schema, const std::string& pointer,
                      std::vector<ErrorDetail>& errors) {
  auto fail = [&](std::string detail) {
    errors.push_back(ErrorDetail::Pointer(
        pointer, "line " + std::to_string(expr.pos.line) + ", column " +
                     std::to_string(expr.pos.column) + ": " + std::move(detail)));
  };
  switch (expr.kind) {
    case ExprKind::kColumn: {
      const std::string name =
          expr.qualifier.empty() ? expr.name : expr.qualifier + "." + expr.name;
      if (schema.Find(name) == nullptr) {
        fail("unknown field '" + name + "'" + DidYouMean(name, schema.Names()));
      }
      break;
    }
    case ExprKind::kParam:
      if (!StartsWith(expr.name, kUserPrefix) || expr.name.size() == kUserPrefix.size()) {
        fail("$" + expr.name +
             ": a row policy reads only the caller's attributes ($user.<attribute>); write "
             "other values as literals");
      }
      break;
    case ExprKind::kFunction:
      if (sql::ExprBinder::IsAggregateName(expr.name)) {
        fail("a row policy filters single rows; " + expr.name + "() is an aggregate");
      }
      break;
    case ExprKind::kStar: fail("'*' cannot appear in a row policy"); break;
    default: break;
  }
  for (const ExprPtr& child : expr.children) CheckFilterNodes(*child, schema, pointer, errors);
}

bool ContainsParam(const Expr& expr) {
  if (expr.kind == ExprKind::kParam) return true;
  for (const ExprPtr& child : expr.children) {
    if (ContainsParam(*child)) return true;
  }
  return false;
}

// The field name a column reference names ("a.b" for the dotted name of a flattened field).
std::string ColumnName(const Expr& column) {
  return column.qualifier.empty() ? column.name : column.qualifier + "." + column.name;
}

void CollectColumns(Expr& expr, std::vector<Expr*>& columns) {
  if (expr.kind == ExprKind::kColumn) columns.push_back(&expr);
  for (ExprPtr& child : expr.children) CollectColumns(*child, columns);
}

const types::Field* FieldWithId(const types::Schema& schema, uint32_t id) {
  for (const types::Field& field : schema.fields) {
    if (field.id == id) return &field;
  }
  return nullptr;
}

// The name `column` reads in `schema`: that of the field whose id the policy stored for the
// written name (so a renamed field is still read), else the written name.
std::string CurrentName(const Expr& column, const security::RowPolicy& policy,
                        const types::Schema& schema) {
  std::string name = ColumnName(column);
  auto it = policy.field_ids.find(name);
  if (it == policy.field_ids.end()) return name;
  const types::Field* field = FieldWithId(schema, it->second);
  return field != nullptr ? field->name : name;
}

// `name` as the query grammar reads it back: quoted when a part of it is a keyword.
std::string IdentifierText(const std::string& name) {
  size_t begin = 0;
  while (begin <= name.size()) {
    const size_t end = std::min(name.find('.', begin), name.size());
    if (sql::LookupKeyword(std::string_view(name).substr(begin, end - begin)) !=
        sql::Keyword::kNone) {
      return "\"" + name + "\"";
    }
    begin = end + 1;
  }
  return name;
}

const types::Field* FieldOf(const types::Schema& schema, const security::FieldPolicy& policy) {
  if (policy.field_id != 0) {
    if (const types::Field* field = FieldWithId(schema, policy.field_id)) return field;
  }
  return schema.Find(policy.field);
}

Status PolicyInvalid() {
  return Status::Conflict(
             "a row policy of this dataset is invalid; an access manager must update it")
      .WithProblemCode("row_policy_invalid");
}

// The row filter of `policy` for `subject`: its attributes substituted, or FALSE when the
// policy cannot hold for the subject (missing attribute, attribute that does not convert).
Result<ExprPtr> SpecialiseFilter(const security::RowPolicy& policy,
                                 const security::PolicySubject& subject,
                                 const types::Schema& schema) {
  Result<ExprPtr> parsed = sql::ParseExpression(policy.filter);
  if (!parsed.ok()) return PolicyInvalid();
  ExprPtr filter = std::move(*parsed);
  std::vector<Expr*> columns;
  CollectColumns(*filter, columns);
  for (Expr* column : columns) {
    std::string name = CurrentName(*column, policy, schema);
    if (name == ColumnName(*column)) continue;
    column->qualifier.clear();
    column->name = std::move(name);
  }
  const bool complete = SubstituteAttributes(
      *filter, [&](const std::string& attribute) -> std::optional<std::string> {
        auto it = subject.attributes.find(attribute);
        if (it == subject.attributes.end()) return std::nullopt;
        return it->second;
      });
  if (complete && ContainsParam(*filter)) return PolicyInvalid();  // Validation refuses these.
  const sql::SourcePos pos = filter->pos;
  if (!complete) return Literal(false, sql::LiteralKind::kBool, pos);
  // A filter that binds but cannot be evaluated for this subject's values holds for no row;
  // one that no longer binds is left for the binder to refuse (row_policy_invalid).
  if (Unevaluable(*filter, schema)) {
    return Literal(false, sql::LiteralKind::kBool, pos);
  }
  return filter;
}

}  // namespace

Status ValidatePolicies(security::DatasetPolicies& policies, const types::Schema& schema) {
  std::vector<ErrorDetail> errors;
  for (size_t i = 0; i < policies.row.size(); ++i) {
    const std::string pointer = json::PointerAppend("/row_policies", i) + "/filter";
    Result<ExprPtr> parsed = sql::ParseExpression(policies.row[i].filter);
    if (!parsed.ok()) {
      errors.push_back(ErrorDetail::Pointer(pointer, std::string(parsed.status().message())));
      continue;
    }
    const size_t before = errors.size();
    CheckFilterNodes(**parsed, schema, pointer, errors);
    if (errors.size() != before) continue;
    std::map<std::string, uint32_t> field_ids;
    std::vector<Expr*> columns;
    CollectColumns(**parsed, columns);
    for (const Expr* column : columns) {
      const std::string name = ColumnName(*column);
      field_ids[name] = schema.Find(name)->id;  // CheckFilterNodes found every one.
    }
    policies.row[i].field_ids = std::move(field_ids);
    // Every attribute stands for a string, as it will at run time.
    SubstituteAttributes(**parsed,
                         [](const std::string&) { return std::optional<std::string>("x"); });
    if (Result<sql::BoundStatement> bound = BindFilter(**parsed, schema); !bound.ok()) {
      std::string message(bound.status().message());
      if (size_t at = message.find(std::string(kPolicyTable)); at != std::string::npos) {
        message.replace(at, kPolicyTable.size(), "the dataset");
      }
      errors.push_back(ErrorDetail::Pointer(pointer, std::move(message)));
    }
  }
  for (size_t i = 0; i < policies.field.size(); ++i) {
    security::FieldPolicy& policy = policies.field[i];
    const types::Field* field = schema.Find(policy.field);
    if (field == nullptr) {
      errors.push_back(ErrorDetail::Pointer(
          json::PointerAppend("/field_policies", i) + "/field",
          "unknown field '" + policy.field + "'" + DidYouMean(policy.field, schema.Names())));
      continue;
    }
    policy.field_id = field->id;
  }
  if (errors.empty()) return Status();
  std::string detail = errors[0].where + ": " + errors[0].detail;
  if (errors.size() > 1) detail += " (and " + std::to_string(errors.size() - 1) + " more)";
  return Status::ValidationFailed(detail).WithErrors(std::move(errors));
}

std::string FilterWithCurrentNames(const security::RowPolicy& policy, const types::Schema& schema) {
  Result<ExprPtr> parsed = sql::ParseExpression(policy.filter);
  if (!parsed.ok()) return policy.filter;
  std::vector<Expr*> columns;
  CollectColumns(**parsed, columns);
  // Spans are replaced from the last to the first, so earlier offsets stay valid.
  std::sort(columns.begin(), columns.end(),
            [](const Expr* a, const Expr* b) { return a->pos.offset > b->pos.offset; });
  std::string text = policy.filter;
  for (const Expr* column : columns) {
    const std::string name = CurrentName(*column, policy, schema);
    if (name == ColumnName(*column)) continue;
    if (column->end_offset <= column->pos.offset || column->end_offset > text.size()) continue;
    text.replace(column->pos.offset, column->end_offset - column->pos.offset, IdentifierText(name));
  }
  return text;
}

std::vector<std::string> PoliciesUsingField(const security::DatasetPolicies& policies,
                                            const types::Field& field) {
  std::vector<std::string> users;
  for (const security::RowPolicy& policy : policies.row) {
    bool uses = false;
    if (!policy.field_ids.empty()) {
      for (const auto& [name, id] : policy.field_ids) uses = uses || id == field.id;
    } else if (Result<ExprPtr> parsed = sql::ParseExpression(policy.filter); parsed.ok()) {
      std::vector<Expr*> columns;
      CollectColumns(**parsed, columns);
      for (const Expr* column : columns) uses = uses || ColumnName(*column) == field.name;
    }
    if (uses) users.push_back("row policy '" + policy.name + "'");
  }
  for (const security::FieldPolicy& policy : policies.field) {
    const bool uses =
        policy.field_id != 0 ? policy.field_id == field.id : policy.field == field.name;
    if (uses)
      users.push_back("field policy '" + (policy.name.empty() ? policy.field : policy.name) + "'");
  }
  return users;
}

Result<sql::PolicyContext> CompilePolicies(const types::Schema& schema,
                                           const security::DatasetPolicies& policies,
                                           const security::PolicySubject& subject,
                                           const security::FieldTransformKeys& keys) {
  sql::PolicyContext context;
  std::string canonical;
  for (const security::RowPolicy& policy : policies.row) {
    if (!security::PolicyApplies(policy.applies_to, policy.except, subject)) continue;
    STRATA_ASSIGN_OR_RETURN(ExprPtr filter, SpecialiseFilter(policy, subject, schema));
    canonical += "row " + sql::DebugString(*filter) + "\n";
    context.row_filters.push_back(std::move(filter));
  }

  std::map<uint32_t, FieldPolicyAction> actions;
  auto restrict = [&](uint32_t field_id, FieldPolicyAction action) {
    auto [it, added] = actions.emplace(field_id, action);
    if (!added) it->second = security::Stricter(it->second, action);
  };
  for (const security::FieldPolicy& policy : policies.field) {
    if (!security::PolicyApplies(policy.applies_to, policy.except, subject)) continue;
    if (const types::Field* field = FieldOf(schema, policy)) restrict(field->id, policy.action);
  }
  if (!subject.pii_read) {
    for (const types::Field& field : schema.fields) {
      if (field.pii) restrict(field.id, FieldPolicyAction::kMask);
    }
  }

  std::shared_ptr<const sql::ValueTransform> hash;
  bool keyed = false;
  for (const auto& [field_id, action] : actions) {
    sql::FieldRule rule;
    rule.action = ToSql(action);
    const bool needs_key =
        action == FieldPolicyAction::kHash || action == FieldPolicyAction::kTokenize;
    if (needs_key && (keys.hash_key.empty() || keys.token_key.empty())) {
      return Status::Internal("field transforms need the dataset's PII keys");
    }
    keyed = keyed || needs_key;
    switch (action) {
      case FieldPolicyAction::kMask: rule.transform = MaskTransform(); break;
      case FieldPolicyAction::kHash:
        if (!hash) hash = HashTransform(keys);
        rule.transform = hash;
        break;
      case FieldPolicyAction::kTokenize: rule.transform = TokenTransform(keys, field_id); break;
      case FieldPolicyAction::kNull:
      case FieldPolicyAction::kDeny: break;
    }
    canonical += "field " + std::to_string(field_id) + " " +
                 std::string(security::FieldPolicyActionName(action)) + "\n";
    context.field_rules.emplace(field_id, std::move(rule));
  }
  if (keyed) canonical += "keys " + keys.key_id + "\n";
  if (!canonical.empty()) {
    context.fingerprint = HexEncode(security::Sha256(canonical)).substr(0, 32);
  }
  return context;
}

}  // namespace strata::service
