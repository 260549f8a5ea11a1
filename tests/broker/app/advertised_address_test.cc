#include "broker/app/advertised_address.h"

#include <gtest/gtest.h>

namespace omni::app {
namespace {

TEST(AdvertisedAddressTest, AWildcardHostBecomesTheHostName) {
  EXPECT_EQ(AdvertisedAddress("tcp://0.0.0.0:5570", "broker-1"), "tcp://broker-1:5570");
  EXPECT_EQ(AdvertisedAddress("tcp://*:5570", "broker-1"), "tcp://broker-1:5570");
  EXPECT_EQ(AdvertisedAddress("0.0.0.0:50051", "broker-1"), "broker-1:50051");
  EXPECT_EQ(AdvertisedAddress("[::]:50051", "broker-1"), "broker-1:50051");
}

TEST(AdvertisedAddressTest, AGivenHostStaysAsItIs) {
  EXPECT_EQ(AdvertisedAddress("tcp://10.0.0.7:5570", "broker-1"), "tcp://10.0.0.7:5570");
  EXPECT_EQ(AdvertisedAddress("127.0.0.1:50051", "broker-1"), "127.0.0.1:50051");
}

TEST(AdvertisedAddressTest, AnAddressOnlyThisProcessReachesIsNone) {
  EXPECT_EQ(AdvertisedAddress("inproc://omni-ingest", "broker-1"), "");
  EXPECT_EQ(AdvertisedAddress("ipc:///run/omni.sock", "broker-1"), "");
  EXPECT_EQ(AdvertisedAddress("", "broker-1"), "");
}

}  // namespace
}  // namespace omni::app
