// Early-return helpers for absl::Status / absl::StatusOr, as used across omnibroker.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define OMNI_CONCAT_INNER(a, b) a##b
#define OMNI_CONCAT(a, b) OMNI_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define OMNI_RETURN_IF_ERROR(expr)                 \
  do {                                             \
    ::absl::Status omni_status_ = (expr);          \
    if (!omni_status_.ok()) return omni_status_;   \
  } while (false)

// `lhs` = the value of a StatusOr `rexpr`, or returns its status from the enclosing function.
#define OMNI_ASSIGN_OR_RETURN(lhs, rexpr) \
  OMNI_ASSIGN_OR_RETURN_IMPL(OMNI_CONCAT(omni_statusor_, __LINE__), lhs, rexpr)

#define OMNI_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  if (!statusor.ok()) return statusor.status();          \
  lhs = std::move(statusor).value()
