#include "base/time_util.h"

#include <chrono>

namespace omni {

google::protobuf::Timestamp ToProto(TimePoint t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  google::protobuf::Timestamp ts;
  ts.set_seconds(ns / 1'000'000'000);
  ts.set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
  return ts;
}

TimePoint FromProto(const google::protobuf::Timestamp& t) {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::seconds(t.seconds()) +
                                                        std::chrono::nanoseconds(t.nanos())));
}

google::protobuf::Duration ToProto(Duration d) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  google::protobuf::Duration out;
  out.set_seconds(ns / 1'000'000'000);
  out.set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
  return out;
}

Duration FromProto(const google::protobuf::Duration& d) {
  return std::chrono::duration_cast<Duration>(std::chrono::seconds(d.seconds()) + std::chrono::nanoseconds(d.nanos()));
}

}  // namespace omni
