// A file name that a sender chose (a mail attachment's, a document's on a chat), made safe to
// show to an agent and to save under on any system: the name is the sender's to pick, and a name
// like "../../etc/passwd", one with a line break or a bidirectional override that makes
// "invoice\u202Efdp.exe" read as "invoiceexe.pdf" is an attack on whoever saves or reads it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace omni::connectors {

// At most this many bytes (what ext4, NTFS and APFS allow in one name).
inline constexpr size_t kMaxFileNameBytes = 255;

// `name` (decoded text; any bytes that are not UTF-8 repaired) as a safe file name:
//   - only what follows its last '/' or '\' (Windows mailers send "C:\Users\ann\report.pdf");
//   - control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional
//     marks, embeddings, overrides and isolates become '_', and so do the characters Windows
//     refuses in a name (< > : " | ? *);
//   - leading and trailing spaces and dots dropped (a hidden file, "..", Windows' trailing dot);
//   - over kMaxFileNameBytes, cut on a character boundary keeping its extension (up to 16 bytes).
// `fallback` when nothing is left, or when the name is one Windows reserves (CON, NUL, COM1...).
std::string SafeFileName(std::string_view name, std::string_view fallback);

// What an attachment is called whose sender gave a name nothing safe is left of.
inline constexpr std::string_view kUnnamedAttachment = "attachment";
// The name a sender gave a file they sent (a document on a chat, a mail attachment), as the agent
// sees it: SafeFileName, or kUnnamedAttachment; "" when they gave none (a photo).
std::string AttachmentFileName(std::string_view name);

}  // namespace omni::connectors
