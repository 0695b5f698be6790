#include "sandbox/readers.hpp"

#include <fmt/format.h>

#include <memory>
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <zip.h>

namespace mailroom::sandbox {

namespace {

void ignore_poppler_message(const std::string&, void*) {}

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

} // namespace mailroom::sandbox
