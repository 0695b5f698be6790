#pragma once

#include "content/reading.hpp"

#include <cstdint>
#include <string>
#include <string_view>

// The readers that run inside the sandboxed child (child.hpp): poppler for PDFs, libzip for
// zip listings. They run on hostile bytes; only the child calls them.
namespace mailroom::sandbox {

// What a zip's listing may claim before it is refused as a likely zip bomb. Nothing is
// ever extracted, but a listing of millions of entries is itself the attack, and staff
// should not unpack what these refuse.
struct ZipCaps {
  std::uint64_t max_entries = 10000;
  std::uint64_t max_total_bytes = 2ull << 30;
  // Uncompressed over compressed, for archives of more than `ratio_from_bytes`: text
  // compresses 10:1, a bomb 1000:1.
  std::uint64_t max_ratio = 100;
  std::uint64_t ratio_from_bytes = 16ull << 20;
};

// Pages and text of a PDF (text capped at `max_text_bytes`). A file that does not start
// as a PDF, that poppler cannot open, that ends before its end marker, or one of whose
// pages cannot be read, gets `problem`; a password-protected one `encrypted`.
[[nodiscard]] content::PdfReading read_pdf(std::string_view bytes,
                                           std::size_t max_text_bytes = 4u << 20);

// The central directory of a zip, with `problem` set when it is not a zip, an entry is
// encrypted, or the listing exceeds `caps` (and then no entries).
[[nodiscard]] content::ZipListing list_zip(std::string_view bytes, const ZipCaps& caps = {});

// A reading as bytes for the pipe from child to parent, and back. decode() yields a
// reading with `failure` set for bytes that are not a whole encoding.
[[nodiscard]] std::string encode(const content::FileReading& reading);
[[nodiscard]] content::FileReading decode(std::string_view bytes);

// Writes all of `bytes` to `fd` (a pipe or a memfd), through EINTR; false when it could not.
[[nodiscard]] bool write_all(int fd, std::string_view bytes);

} // namespace mailroom::sandbox
