// Conversions between omni::TimePoint / Duration and google.protobuf.Timestamp / Duration.
#pragma once

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "base/clock.h"

namespace omni {

google::protobuf::Timestamp ToProto(TimePoint t);
TimePoint FromProto(const google::protobuf::Timestamp& t);
google::protobuf::Duration ToProto(Duration d);
Duration FromProto(const google::protobuf::Duration& d);

}  // namespace omni
