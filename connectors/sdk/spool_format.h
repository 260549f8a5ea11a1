// The spool file's frames, without I/O: a 20-byte header and a payload. The header carries a magic
// ("OSP") and format version, the frame's kind, the payload's length and CRC-32, and a CRC-32 of
// its own, so a reader can tell a frame from damage, trust a length before it reads (or allocates)
// anything, and skip a record whose payload alone is damaged without losing the ones after it.
//
//   0..2 "OSP"   3 version   4 kind   5..7 zero   8..11 length   12..15 payload CRC
//   16..19 CRC of bytes 0..15                     (integers little-endian, CRC-32 as zlib's)
//
// Kinds: a record (the bytes Spool::Append was given) and an ack (the 8-byte position of a record
// the broker acknowledged, so a restart does not replay it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace omni::connectors::spool_format {

inline constexpr size_t kHeaderBytes = 20;
inline constexpr uint8_t kVersion = 1;
inline constexpr std::string_view kMagic = "OSP";

enum class FrameKind : uint8_t { kRecord = 1, kAck = 2 };

struct FrameHeader {
  FrameKind kind = FrameKind::kRecord;
  uint32_t length = 0;       // payload bytes
  uint32_t payload_crc = 0;  // Crc32 of the payload

  // The 20 header bytes, with the magic, this format's version and the header's CRC.
  std::string Encode() const;
};

uint32_t Crc32(std::string_view data);

// Header and payload of a frame of `kind`.
std::string EncodeFrame(FrameKind kind, std::string_view payload);

// The header in the first kHeaderBytes of `bytes`. DATA_LOSS when they are no header (magic,
// reserved bytes, header CRC or kind wrong), or when its length is above `max_payload` (or not
// 8 for an ack): a damaged length is never believed. FAILED_PRECONDITION for an intact header of
// another format version.
absl::StatusOr<FrameHeader> DecodeHeader(std::string_view bytes, size_t max_payload);

std::string EncodeAckPayload(uint64_t position);
// The position an ack payload names; nullopt when it is not 8 bytes.
std::optional<uint64_t> DecodeAckPayload(std::string_view payload);

}  // namespace omni::connectors::spool_format
