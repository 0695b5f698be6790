#include "content/checks.hpp"

#include "message/parse.hpp"
#include "message/text.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace mailroom::content {

namespace {

std::string extension_of(const message::Attachment& attachment) {
  const auto dot = attachment.filename.rfind('.');
  if (dot == std::string::npos || dot + 1 == attachment.filename.size())
    return {};
  return util::lower(attachment.filename.substr(dot + 1));
}

bool is_pdf(const message::Attachment& attachment) {
  return extension_of(attachment) == "pdf" || attachment.content_type == "application/pdf";
}

bool is_zip(const message::Attachment& attachment) {
  return extension_of(attachment) == "zip" || attachment.content_type == "application/zip" ||
         attachment.content_type == "application/x-zip-compressed";
}

// The files a student sent: an image placed inline in the text (a signature's logo) is
// part of the mail's look, not a file handed in.
bool is_handed_in(const message::Attachment& attachment) {
  return !(attachment.inline_disposition && attachment.content_type.starts_with("image/"));
}

std::string name_of(const message::Attachment& attachment) {
  return attachment.filename.empty() ? "an attachment without a name"
                                     : "\"" + attachment.filename + "\"";
}

std::string list_of(const std::vector<std::string>& items, std::string_view prefix = "",
                    std::string_view last = " or ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0)
      out += i + 1 == items.size() ? last : ", ";
    out += std::string(prefix) + items[i];
  }
  return out;
}

// Keeps the decoded bytes of the attachments asked for, and of no other: a mail is read
// a second time for its checked files only, never held decoded whole.
class Collector : public message::AttachmentWriter {
public:
  explicit Collector(std::vector<std::size_t> wanted) : m_wanted(std::move(wanted)) {}
  void begin(std::size_t index) override {
    m_current = std::ranges::find(m_wanted, index) != m_wanted.end() ? &m_bytes[index] : nullptr;
    if (m_current)
      m_current->clear();
  }
  void write(std::string_view bytes) override {
    if (m_current)
      m_current->append(bytes);
  }
  void restart() override {
    if (m_current)
      m_current->clear();
  }
  std::map<std::size_t, std::string> take() { return std::move(m_bytes); }

private:
  std::vector<std::size_t> m_wanted;
  std::map<std::size_t, std::string> m_bytes;
  std::string* m_current = nullptr;
};

std::map<std::size_t, std::string> bytes_of(std::string_view raw, std::vector<std::size_t> wanted) {
  if (wanted.empty())
    return {};
  Collector collector(std::move(wanted));
  message::ParseOptions options;
  options.attachment_writer = &collector;
  (void)message::parse(raw, "content check", options);
  return collector.take();
}

class Checker {
public:
  Checker(const Submission& submission, const rules::Course& course,
          const rules::Deliverable& deliverable, const FileReader* reader)
      : m_submission(submission), m_facts(submission.facts), m_course(course),
        m_deliverable(deliverable), m_checks(deliverable.checks), m_reader(reader),
        m_when(submission.late ? "as soon as you can" : "before the deadline") {}

  std::vector<Finding> run() {
    check_mail_whole();
    check_each_file();
    read_files();
    check_file_or_link();
    check_pages();
    check_git_link();
    check_member_emails();
    check_zip_readme();
    return std::move(m_findings);
  }

private:
  void warn(std::string check, std::string text) {
    m_findings.push_back({std::move(check), Outcome::warning, std::move(text)});
  }
  void failed(std::string check, const message::Attachment& file, const std::string& why) {
    m_findings.push_back(
        {std::move(check), Outcome::check_failed,
         fmt::format("{} could not be checked: the reader {}; staff will look at it by hand",
                     name_of(file), why)});
  }

  void check_mail_whole() {
    if (auto why = cut_short(m_submission.raw); !why.empty())
      warn("cut_short", fmt::format("the mail arrived cut short ({}), so a file in it may be "
                                    "incomplete: send it again {}",
                                    why, m_when));
  }

  void check_each_file() {
    for (const auto& file : m_facts.attachments) {
      if (!is_handed_in(file))
        continue;
      if (file.size == 0) {
        warn("empty_file", fmt::format("{} is empty (0 bytes): attach the file again and send "
                                       "it {}",
                                       name_of(file), m_when));
        continue;
      }
      if (file.size > m_checks.max_size_bytes)
        warn("max_size", fmt::format("{} is {}; the limit is {}: send a smaller file, or a link "
                                     "to it, {}",
                                     name_of(file), util::human_size(file.size),
                                     util::human_size(m_checks.max_size_bytes), m_when));
      const auto type = extension_of(file);
      if (m_deliverable.file_types.empty() || file.winmail_dat ||
          std::ranges::find(m_deliverable.file_types, type) != m_deliverable.file_types.end())
        continue;
      warn("file_type",
           fmt::format(
               "{} is {}; the {} is taken as {}: send it in one of those types {}", name_of(file),
               type.empty() ? "a file without a type" : "a ." + type + " file",
               util::lower(m_deliverable.title), list_of(m_deliverable.file_types, "."), m_when));
    }
  }

  [[nodiscard]] bool reads_pdfs() const {
    return m_checks.max_pages || m_checks.min_pages || m_checks.git_link || m_checks.member_emails;
  }

  // Every PDF and zip the checks need, read through the reader at once.
  void read_files() {
    if (!m_reader)
      return;
    std::vector<std::size_t> wanted;
    for (std::size_t i = 0; i < m_facts.attachments.size(); ++i) {
      const auto& file = m_facts.attachments[i];
      if (file.size == 0 || !is_handed_in(file))
        continue;
      if ((is_pdf(file) && reads_pdfs()) || (is_zip(file) && m_checks.zip_with_readme))
        wanted.push_back(i);
    }
    for (auto& [index, bytes] : bytes_of(m_submission.raw, wanted)) {
      const auto format = is_pdf(m_facts.attachments[index]) ? FileFormat::pdf : FileFormat::zip;
      m_readings[index] = m_reader->read(format, bytes);
    }
  }

  void check_file_or_link() {
    if (!m_checks.file_or_link)
      return;
    for (const auto& file : m_facts.attachments)
      if (file.size > 0 && is_handed_in(file) &&
          std::ranges::find(m_deliverable.file_types, extension_of(file)) !=
              m_deliverable.file_types.end())
        return;
    for (const auto& link : m_facts.links)
      if (std::ranges::find(m_deliverable.link_kinds, message::to_string(link.kind)) !=
          m_deliverable.link_kinds.end())
        return;
    std::vector<std::string> kinds;
    for (const auto& kind : m_deliverable.link_kinds)
      kinds.push_back(kind == "other" ? "a web link" : "a " + kind + " link");
    warn("file_or_link",
         fmt::format("the mail carries no {} file ({}) and no {}: attach the file or send the "
                     "link {}",
                     util::lower(m_deliverable.title), list_of(m_deliverable.file_types, "."),
                     kinds.empty() ? std::string("link") : list_of(kinds), m_when));
  }

  // Each PDF read, with its attachment; a reader that failed, or a file that is no
  // readable PDF, is said once here and skipped by the checks after.
  std::vector<std::pair<const message::Attachment*, const PdfReading*>> pdfs() {
    std::vector<std::pair<const message::Attachment*, const PdfReading*>> out;
    for (const auto& [index, reading] : m_readings) {
      const auto& file = m_facts.attachments[index];
      if (reading.pdf && reading.failure.empty() && reading.pdf->problem.empty() &&
          !reading.pdf->encrypted)
        out.emplace_back(&file, &*reading.pdf);
    }
    return out;
  }

  void check_pages() {
    for (const auto& [index, reading] : m_readings) {
      const auto& file = m_facts.attachments[index];
      if (!is_pdf(file))
        continue;
      if (!reading.failure.empty()) {
        failed("pdf", file, reading.failure);
        continue;
      }
      if (!reading.pdf)
        continue;
      if (reading.pdf->encrypted) {
        warn("pdf", fmt::format("{} is protected with a password, so its pages and text cannot "
                                "be read: send it again without a password {}",
                                name_of(file), m_when));
        continue;
      }
      if (!reading.pdf->problem.empty()) {
        warn("pdf", fmt::format("{} cannot be read as a PDF ({}): export it as a PDF again and "
                                "send it {}",
                                name_of(file), reading.pdf->problem, m_when));
        continue;
      }
      const int pages = reading.pdf->pages;
      if (m_checks.max_pages && pages > *m_checks.max_pages)
        warn("max_pages", fmt::format("{} has {} pages; the limit is {}: send a shorter version "
                                      "{}",
                                      name_of(file), pages, *m_checks.max_pages, m_when));
      if (m_checks.min_pages && pages < *m_checks.min_pages)
        warn("min_pages",
             fmt::format("{} has {} page{}; at least {} are expected: send the full version {}",
                         name_of(file), pages, pages == 1 ? "" : "s", *m_checks.min_pages, m_when));
    }
  }

  void check_git_link() {
    if (!m_checks.git_link)
      return;
    for (const auto& link : m_facts.links)
      if (!git_links_in(link.url).empty())
        return;
    if (!git_links_in(m_facts.text).empty())
      return;
    std::vector<std::string> read;
    for (const auto& [file, pdf] : pdfs()) {
      if (!git_links_in(pdf->text).empty())
        return;
      read.push_back(name_of(*file));
    }
    warn("git_link",
         fmt::format("no link to a git repository (GitHub, GitLab, or a URL ending in .git) was "
                     "found in the mail{}: reply with the link to the project's repository {}",
                     read.empty() ? std::string{} : " or in " + list_of(read), m_when));
  }

  void check_member_emails() {
    if (!m_checks.member_emails || !m_submission.classification.group)
      return;
    const auto members = m_course.members(*m_submission.classification.group);
    for (const auto& [file, pdf] : pdfs()) {
      const auto text = util::lower(pdf->text);
      std::vector<std::string> missing;
      for (const auto* student : members)
        if (text.find(util::lower(student->email)) == std::string::npos)
          missing.push_back(fmt::format("{} ({})", student->name, student->email));
      if (!missing.empty())
        warn("member_emails",
             fmt::format("{} does not give the email address of {}: add every member's name "
                         "and email and send it again {}",
                         name_of(*file), list_of(missing, "", " and "), m_when));
    }
  }

  void check_zip_readme() {
    if (!m_checks.zip_with_readme)
      return;
    bool any_zip = false;
    for (const auto& file : m_facts.attachments)
      any_zip = any_zip || (is_zip(file) && is_handed_in(file));
    if (!any_zip) {
      warn("zip_with_readme", fmt::format("no zip file is attached: send the code as a zip file "
                                          "with a README {}",
                                          m_when));
      return;
    }
    for (const auto& [index, reading] : m_readings) {
      const auto& file = m_facts.attachments[index];
      if (!is_zip(file))
        continue;
      if (!reading.failure.empty()) {
        failed("zip", file, reading.failure);
        continue;
      }
      if (!reading.zip)
        continue;
      if (!reading.zip->problem.empty()) {
        warn("zip", fmt::format("{} was not read: {}: pack the code again as a plain zip and "
                                "send it {}",
                                name_of(file), reading.zip->problem, m_when));
        continue;
      }
      check_zip_names(file, *reading.zip);
    }
  }

  void check_zip_names(const message::Attachment& file, const ZipListing& zip) {
    std::vector<std::string> escaping;
    bool readme = false;
    for (const auto& entry : zip.entries) {
      const auto& name = entry.name;
      if (name.starts_with('/') || name.starts_with("../") ||
          name.find("/../") != std::string::npos || name == ".." || name.ends_with("/..") ||
          name.find('\\') != std::string::npos)
        escaping.push_back(name);
      if (name.starts_with("__MACOSX/"))
        continue;
      const auto base = name.substr(name.rfind('/') + 1);
      const auto depth = std::ranges::count(name, '/');
      readme = readme || (depth <= 1 && util::starts_with_icase(base, "readme"));
    }
    if (!escaping.empty())
      warn("zip_names", fmt::format("{} has {} entr{} whose name leads out of its folder (\"{}\"): "
                                    "pack the zip again from the project folder and send it {}",
                                    name_of(file), escaping.size(),
                                    escaping.size() == 1 ? "y" : "ies", escaping.front(), m_when));
    if (!readme)
      warn("zip_with_readme",
           fmt::format("{} has no README at its top level or one folder down: add a README to "
                       "the code and send the zip again {}",
                       name_of(file), m_when));
  }

  const Submission& m_submission;
  const message::MessageFacts& m_facts;
  const rules::Course& m_course;
  const rules::Deliverable& m_deliverable;
  const rules::ContentChecks& m_checks;
  const FileReader* m_reader;
  std::string m_when;
  std::map<std::size_t, FileReading> m_readings;
  std::vector<Finding> m_findings;
};

bool base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
}

// The MIME boundaries the mail declares, as their delimiter lines start ("--" + boundary).
std::vector<std::string> delimiters_of(std::string_view raw) {
  std::vector<std::string> out;
  const auto lowered = util::lower(raw);
  for (auto at = lowered.find("boundary="); at != std::string::npos;
       at = lowered.find("boundary=", at + 1)) {
    auto start = at + 9;
    std::string boundary;
    if (start < raw.size() && raw[start] == '"') {
      const auto end = raw.find('"', start + 1);
      if (end == std::string_view::npos)
        continue;
      boundary = std::string(raw.substr(start + 1, end - start - 1));
    } else {
      auto end = raw.find_first_of("; \t\r\n", start);
      boundary = std::string(raw.substr(start, end == std::string_view::npos ? end : end - start));
    }
    if (!boundary.empty() && std::ranges::find(out, "--" + boundary) == out.end())
      out.push_back("--" + boundary);
  }
  return out;
}

} // namespace

std::string cut_short(std::string_view raw) {
  const auto delimiters = delimiters_of(raw);
  for (const auto& delimiter : delimiters)
    if (raw.find(delimiter + "--") == std::string_view::npos)
      return fmt::format("its MIME part \"{}\" never closes", delimiter.substr(2));
  // A base64 body is whole groups of four characters; one that stops inside a group was
  // cut in transit.
  bool in_header = true, base64 = false, counting = false;
  std::size_t count = 0;
  const auto finish = [&] { return counting && count % 4 != 0; };
  std::size_t start = 0;
  while (start < raw.size()) {
    auto end = raw.find('\n', start);
    if (end == std::string_view::npos)
      end = raw.size();
    auto line = raw.substr(start, end - start);
    start = end + 1;
    if (line.ends_with('\r'))
      line.remove_suffix(1);
    if (line.starts_with("--") && std::ranges::any_of(delimiters, [&](const std::string& d) {
          return line.starts_with(d);
        })) {
      if (finish())
        return "a base64 part ends in the middle of a group";
      in_header = !line.ends_with("--");
      base64 = counting = false;
      count = 0;
      continue;
    }
    if (in_header) {
      if (line.empty()) {
        in_header = false;
        counting = base64;
        count = 0;
      } else if (util::starts_with_icase(line, "content-transfer-encoding:") &&
                 util::contains_icase(line, "base64")) {
        base64 = true;
      }
      continue;
    }
    if (counting)
      count += static_cast<std::size_t>(std::ranges::count_if(line, base64_char));
  }
  return finish() ? "a base64 part ends in the middle of a group" : "";
}

std::vector<std::string> git_links_in(std::string_view text) {
  std::vector<std::string> out;
  const auto add = [&](std::string url) {
    while (!url.empty() && (url.back() == '.' || url.back() == ',' || url.back() == ')' ||
                            url.back() == ';' || url.back() == ':'))
      url.pop_back();
    std::string_view rest = url;
    if (const auto scheme = rest.find("://"); scheme != std::string_view::npos)
      rest.remove_prefix(scheme + 3);
    const auto host = util::lower(rest.substr(0, rest.find('/')));
    const bool forge = host == "github.com" || host == "www.github.com" || host == "gitlab.com" ||
                       host.starts_with("gitlab.") || host == "bitbucket.org";
    // A forge link names an owner and a repository: github.com/OWNER/REPO.
    const auto path = rest.find('/') == std::string_view::npos ? std::string_view{}
                                                               : rest.substr(rest.find('/') + 1);
    const auto segments = std::ranges::count_if(util::split(path, '/'),
                                                [](const std::string& s) { return !s.empty(); });
    if ((forge && segments >= 2) || util::lower(url).ends_with(".git"))
      if (std::ranges::find(out, url) == out.end())
        out.push_back(url);
  };
  for (auto& url : message::text_urls(text, 1000))
    add(std::move(url));
  // PDFs and mails often write a repository without its scheme: "github.com/org/repo".
  const auto lowered = util::lower(text);
  for (const std::string_view host : {"github.com/", "gitlab.com/"}) {
    for (auto at = lowered.find(host); at != std::string::npos; at = lowered.find(host, at + 1)) {
      if (at >= 3 && lowered.substr(at - 3, 3) == "://")
        continue;
      if (at >= 4 && lowered.substr(at - 4, 4) == "www.")
        continue;
      auto end = at;
      while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
             text[end] != '"' && text[end] != '<' && text[end] != '>')
        ++end;
      add("https://" + std::string(text.substr(at, end - at)));
    }
  }
  return out;
}

std::vector<Finding> check_submission(const Submission& submission, const rules::Course& course,
                                      const FileReader* reader) {
  const auto& name = submission.classification.deliverable;
  const auto* deliverable = name ? course.deliverable(*name) : nullptr;
  if (!deliverable)
    return {};
  return Checker(submission, course, *deliverable, reader).run();
}

} // namespace mailroom::content
