#include "connectors/sdk/spool_format.h"

#include <zlib.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace omni::connectors::spool_format {
namespace {

constexpr size_t kCrcCovered = 16;  // the header bytes its own CRC covers
constexpr size_t kAckPayloadBytes = 8;

void PutLittleEndian(char* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

uint64_t GetLittleEndian(std::string_view in, size_t at, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  }
  return value;
}

}  // namespace

uint32_t Crc32(std::string_view data) {
  uLong crc = crc32(0, Z_NULL, 0);
  // zlib takes 32-bit lengths: longer data goes in pieces.
  while (!data.empty()) {
    const size_t piece = std::min<size_t>(data.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(piece));
    data.remove_prefix(piece);
  }
  return static_cast<uint32_t>(crc);
}

std::string FrameHeader::Encode() const {
  std::string header(kHeaderBytes, '\0');
  header.replace(0, kMagic.size(), kMagic);
  header[3] = static_cast<char>(kVersion);
  header[4] = static_cast<char>(kind);
  PutLittleEndian(&header[8], length, 4);
  PutLittleEndian(&header[12], payload_crc, 4);
  PutLittleEndian(&header[16], Crc32(std::string_view(header).substr(0, kCrcCovered)), 4);
  return header;
}

std::string EncodeFrame(FrameKind kind, std::string_view payload) {
  std::string frame = FrameHeader{.kind = kind,
                                  .length = static_cast<uint32_t>(payload.size()),
                                  .payload_crc = Crc32(payload)}
                          .Encode();
  frame.append(payload);
  return frame;
}

absl::StatusOr<FrameHeader> DecodeHeader(std::string_view bytes, size_t max_payload) {
  if (bytes.size() < kHeaderBytes) return absl::DataLossError("frame header cut short");
  if (bytes.substr(0, kMagic.size()) != kMagic) return absl::DataLossError("no frame magic");
  if (GetLittleEndian(bytes, 16, 4) != Crc32(bytes.substr(0, kCrcCovered))) {
    return absl::DataLossError("frame header checksum mismatch");
  }
  const uint8_t version = static_cast<uint8_t>(bytes[3]);
  if (version != kVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "frame of spool format version ", version, " (this build reads version ", kVersion, ")"));
  }
  if (bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0) {
    return absl::DataLossError("frame header reserved bytes set");
  }
  FrameHeader header;
  header.length = static_cast<uint32_t>(GetLittleEndian(bytes, 8, 4));
  header.payload_crc = static_cast<uint32_t>(GetLittleEndian(bytes, 12, 4));
  switch (static_cast<FrameKind>(bytes[4])) {
    case FrameKind::kRecord:
      header.kind = FrameKind::kRecord;
      if (header.length > max_payload) {
        return absl::DataLossError(absl::StrCat("record length ", header.length,
                                                " above the limit of ", max_payload, " bytes"));
      }
      return header;
    case FrameKind::kAck:
      header.kind = FrameKind::kAck;
      if (header.length != kAckPayloadBytes) {
        return absl::DataLossError(absl::StrCat("ack length ", header.length, ", not 8"));
      }
      return header;
  }
  return absl::DataLossError(absl::StrCat("unknown frame kind ", static_cast<uint8_t>(bytes[4])));
}

std::string EncodeAckPayload(uint64_t position) {
  std::string payload(kAckPayloadBytes, '\0');
  PutLittleEndian(payload.data(), position, kAckPayloadBytes);
  return payload;
}

std::optional<uint64_t> DecodeAckPayload(std::string_view payload) {
  if (payload.size() != kAckPayloadBytes) return std::nullopt;
  return GetLittleEndian(payload, 0, kAckPayloadBytes);
}

}  // namespace omni::connectors::spool_format
