// Conversions between omni::TimePoint and google.protobuf.Timestamp.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include "base/clock.h"

namespace omni {

google::protobuf::Timestamp ToProto(TimePoint t);
TimePoint FromProto(const google::protobuf::Timestamp& t);

}  // namespace omni
