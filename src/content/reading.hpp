#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What a file's content checks need read from it, and the port that reads it. The reading
// runs elsewhere (sandbox/: a child process under CPU, memory and time limits), because a
// hostile PDF or zip may loop, blow up or crash its reader.
namespace mailroom::content {

enum class FileFormat { pdf, zip };

// A PDF's pages and text; `problem` set when it could not be read as a PDF.
struct PdfReading {
  int pages = 0;
  std::string text; // every page's text, pages separated by form feeds
  bool encrypted = false;
  std::string problem; // "not a PDF", "damaged: ..."; empty when read
};

// One entry of a zip's central directory, as its listing says; nothing is extracted.
struct ZipEntry {
  std::string name;
  std::uint64_t size = 0;       // uncompressed, as claimed
  std::uint64_t compressed = 0; // as claimed
};

struct ZipListing {
  std::vector<ZipEntry> entries;
  std::string problem; // "not a zip", "encrypted", "over the caps: ..."; empty when read
};

// What reading one file gave: the reading, or why the reader itself failed (it ran out of
// time or memory, or crashed), which is no judgement of the file.
struct FileReading {
  std::optional<PdfReading> pdf;
  std::optional<ZipListing> zip;
  std::string failure; // "did not finish within 10 s"; empty when the reader finished
};

// Reads files for the content checks. Implementations must never throw, and must return
// (with `failure` set) whatever the bytes are.
class FileReader {
public:
  virtual ~FileReader() = default;
  [[nodiscard]] virtual FileReading read(FileFormat format, std::string_view bytes) const = 0;
};

[[nodiscard]] std::string to_string(FileFormat format);

} // namespace mailroom::content
