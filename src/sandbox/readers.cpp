#include "sandbox/readers.hpp"

#include <fmt/format.h>

#include <charconv>
#include <memory>
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <zip.h>

namespace mailroom::sandbox {

namespace {

void ignore_poppler_message(const std::string&, void*) {}

// One field as "NAME LENGTH\nBYTES\n": text from a PDF may hold any byte.
void put(std::string& out, std::string_view name, std::string_view value) {
  out += fmt::format("{} {}\n", name, value.size());
  out += value;
  out += '\n';
}

} // namespace

content::PdfReading read_pdf(std::string_view bytes, std::size_t max_text_bytes) {
  content::PdfReading reading;
  const auto head = bytes.substr(0, 1024);
  if (head.find("%PDF-") == std::string_view::npos) {
    reading.problem = "it is not a PDF: it does not start with %PDF";
    return reading;
  }
  // A PDF ends with %%EOF (after an optional line end); poppler would rebuild a cut file
  // and count only the pages that came through.
  if (bytes.substr(bytes.size() > 1024 ? bytes.size() - 1024 : 0).find("%%EOF") ==
      std::string_view::npos) {
    reading.problem = "it is damaged: it ends before its end marker, as a file cut short does";
    return reading;
  }
  poppler::set_debug_error_function(ignore_poppler_message, nullptr);
  std::unique_ptr<poppler::document> document(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!document) {
    reading.problem = "it is damaged: poppler cannot open it";
    return reading;
  }
  if (document->is_locked()) {
    reading.encrypted = true;
    return reading;
  }
  reading.pages = document->pages();
  if (reading.pages <= 0) {
    reading.problem = "it is damaged: it has no pages";
    return reading;
  }
  for (int i = 0; i < reading.pages; ++i) {
    std::unique_ptr<poppler::page> page(document->create_page(i));
    if (!page) {
      reading.problem =
          fmt::format("it is damaged: page {} of {} cannot be read", i + 1, reading.pages);
      return reading;
    }
    if (reading.text.size() < max_text_bytes) {
      const auto text = page->text().to_utf8();
      reading.text.append(text.data(), std::min(text.size(), max_text_bytes - reading.text.size()));
      reading.text += '\f';
    }
  }
  return reading;
}

content::ZipListing list_zip(std::string_view bytes, const ZipCaps& caps) {
  content::ZipListing listing;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!source) {
    listing.problem = fmt::format("it cannot be read ({})", zip_error_strerror(&error));
    zip_error_fini(&error);
    return listing;
  }
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
  if (!archive) {
    listing.problem = fmt::format("it is not a zip file ({})", zip_error_strerror(&error));
    zip_source_free(source);
    zip_error_fini(&error);
    return listing;
  }
  const std::unique_ptr<zip_t, int (*)(zip_t*)> owner(archive, zip_close);
  zip_error_fini(&error);
  const auto count = zip_get_num_entries(archive, 0);
  if (count < 0 || static_cast<std::uint64_t>(count) > caps.max_entries) {
    listing.problem = fmt::format("it lists {} entries, more than the {} a course project needs",
                                  count, caps.max_entries);
    return listing;
  }
  std::uint64_t total = 0, compressed = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &stat) != 0)
      continue;
    if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE) {
      listing.problem = "it is protected with a password";
      listing.entries.clear();
      return listing;
    }
    content::ZipEntry entry;
    entry.name = (stat.valid & ZIP_STAT_NAME) && stat.name ? stat.name : "";
    entry.size = (stat.valid & ZIP_STAT_SIZE) ? stat.size : 0;
    entry.compressed = (stat.valid & ZIP_STAT_COMP_SIZE) ? stat.comp_size : 0;
    total += entry.size;
    compressed += entry.compressed;
    listing.entries.push_back(std::move(entry));
  }
  if (total > caps.max_total_bytes)
    listing.problem = fmt::format("it would unpack to {} bytes, more than the cap of {}", total,
                                  caps.max_total_bytes);
  else if (total > caps.ratio_from_bytes &&
           total / std::max<std::uint64_t>(compressed, 1) > caps.max_ratio)
    listing.problem = fmt::format("it would unpack to {} times its packed size (a zip bomb?); "
                                  "the cap is {} times",
                                  total / std::max<std::uint64_t>(compressed, 1), caps.max_ratio);
  if (!listing.problem.empty())
    listing.entries.clear();
  return listing;
}

std::string encode(const content::FileReading& reading) {
  std::string out;
  if (reading.pdf) {
    put(out, "pdf-pages", std::to_string(reading.pdf->pages));
    put(out, "pdf-encrypted", reading.pdf->encrypted ? "1" : "0");
    put(out, "pdf-problem", reading.pdf->problem);
    put(out, "pdf-text", reading.pdf->text);
  }
  if (reading.zip) {
    put(out, "zip-problem", reading.zip->problem);
    for (const auto& entry : reading.zip->entries)
      put(out, "zip-entry", fmt::format("{} {} {}", entry.size, entry.compressed, entry.name));
  }
  put(out, "end", "");
  return out;
}

content::FileReading decode(std::string_view bytes) {
  content::FileReading reading;
  const auto bad = [] {
    content::FileReading failed;
    failed.failure = "gave an answer that cannot be read";
    return failed;
  };
  const auto number = [](std::string_view text, std::uint64_t& value) {
    return std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc{};
  };
  while (!bytes.empty()) {
    const auto space = bytes.find(' ');
    const auto newline = bytes.find('\n');
    std::uint64_t length = 0;
    if (space == std::string_view::npos || newline == std::string_view::npos || newline < space ||
        !number(bytes.substr(space + 1, newline - space - 1), length) ||
        bytes.size() - newline - 1 < length + 1)
      return bad();
    const auto name = bytes.substr(0, space);
    const auto value = bytes.substr(newline + 1, length);
    bytes.remove_prefix(newline + 1 + length + 1);
    if (name == "end")
      return reading;
    if (name.starts_with("pdf-") && !reading.pdf)
      reading.pdf.emplace();
    if (name.starts_with("zip-") && !reading.zip)
      reading.zip.emplace();
    std::uint64_t pages = 0;
    if (name == "pdf-pages" && number(value, pages))
      reading.pdf->pages = static_cast<int>(pages);
    else if (name == "pdf-encrypted")
      reading.pdf->encrypted = value == "1";
    else if (name == "pdf-problem")
      reading.pdf->problem = value;
    else if (name == "pdf-text")
      reading.pdf->text = value;
    else if (name == "zip-problem")
      reading.zip->problem = value;
    else if (name == "zip-entry") {
      content::ZipEntry entry;
      const auto first = value.find(' ');
      const auto second = value.find(' ', first + 1);
      if (first == std::string_view::npos || second == std::string_view::npos ||
          !number(value.substr(0, first), entry.size) ||
          !number(value.substr(first + 1, second - first - 1), entry.compressed))
        return bad();
      entry.name = value.substr(second + 1);
      reading.zip->entries.push_back(std::move(entry));
    }
  }
  return bad(); // no "end": the child stopped half-way
}

} // namespace mailroom::sandbox
