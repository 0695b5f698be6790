#pragma once

#include "message/facts.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mailroom::message {

// Content-Transfer-Encodings mailroom decodes; everything else is taken as raw bytes.
enum class TransferEncoding { identity, base64, quoted_printable, uuencode };

// Reads a Content-Transfer-Encoding value ("Base64", "quoted-printable;") leniently.
[[nodiscard]] TransferEncoding transfer_encoding(std::string_view value);

// Whether the decoder kept the decoded bytes (ParseOptions::keep_attachment_bytes).
enum class KeepBytes { no, yes };

// A transfer-decoded part body: its size and SHA-256 always, its bytes when asked.
struct Decoded {
  std::uint64_t size = 0;
  std::string sha256; // hex, lower case
  std::string bytes;  // empty unless KeepBytes::yes
  bool lossy = false; // the encoding was broken and bytes were guessed
};

// Decodes `body` and hashes the result without holding more than a block of
// decoded bytes unless `keep` says so. Base64 follows Python's email package
// (characters outside the alphabet ignored, decoding stops at padding, a
// dangling single character makes the whole text count as undecodable), so
// sizes and hashes agree with what a lenient reader computes.
[[nodiscard]] Decoded decode_body(std::string_view body, TransferEncoding encoding, KeepBytes keep);

// The same, with the decoded bytes given to `out` as they come (Decoded::bytes stays
// empty); `out` must have begun the attachment.
[[nodiscard]] Decoded decode_body(std::string_view body, TransferEncoding encoding,
                                  AttachmentWriter& out);

// Convenience for text parts: the decoded bytes.
[[nodiscard]] std::string decode_to_string(std::string_view body, TransferEncoding encoding);

// Hex SHA-256 of `bytes`.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

// SHA-256 of bytes given piece by piece (a mail hashed as it arrives).
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void add(std::string_view bytes);
  // Hex, lower case, of every byte added; ends the hash (add() no more after).
  [[nodiscard]] std::string finish();

private:
  struct Context;
  std::unique_ptr<Context> m_context;
};

} // namespace mailroom::message
