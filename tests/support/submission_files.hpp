#pragma once

#include <Poco/Base64Encoder.h>
#include <fmt/format.h>

#include <sstream>
#include <string>
#include <vector>

// Files and mails of the right and the wrong shape for the content checks, made as bytes.
namespace mailroom::test {

// A PDF with one page per text (Helvetica, one line each), with a correct xref table.
inline std::string make_pdf(const std::vector<std::string>& page_texts) {
  std::vector<std::string> objects;
  std::string kids;
  const std::size_t first_page = 4;
  for (std::size_t i = 0; i < page_texts.size(); ++i)
    kids += fmt::format("{} 0 R ", first_page + 2 * i);
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  objects.push_back(
      fmt::format("<< /Type /Pages /Kids [{}] /Count {} >>", kids, page_texts.size()));
  objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  for (std::size_t i = 0; i < page_texts.size(); ++i) {
    const auto stream = fmt::format("BT /F1 12 Tf 72 720 Td ({}) Tj ET", page_texts[i]);
    objects.push_back(fmt::format("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                                  "/Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                                  first_page + 2 * i + 1));
    objects.push_back(
        fmt::format("<< /Length {} >>\nstream\n{}\nendstream", stream.size(), stream));
  }
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += fmt::format("{} 0 obj\n{}\nendobj\n", i + 1, objects[i]);
  }
  const auto xref = pdf.size();
  pdf += fmt::format("xref\n0 {}\n0000000000 65535 f \n", objects.size() + 1);
  for (const auto offset : offsets)
    pdf += fmt::format("{:010} 00000 n \n", offset);
  pdf += fmt::format("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n",
                     objects.size() + 1, xref);
  return pdf;
}

// A PDF whose page tree holds itself: /Pages lists /Pages as its kid, and claims 10 pages.
inline std::string make_looping_pdf() {
  std::string pdf = make_pdf({"one page"});
  const std::string kids = "/Kids [4 0 R ] /Count 1";
  // Same length, so the xref offsets stay right.
  pdf.replace(pdf.find(kids), kids.size(), "/Kids [2 0 R ] /Count 9");
  return pdf;
}

struct MailFile {
  std::string name;
  std::string content_type;
  std::string bytes;
};

// A multipart/mixed mail from `from` with a text part and each file base64-encoded.
inline std::string make_mail(const std::string& from, const std::string& subject,
                             const std::string& body, const std::vector<MailFile>& files) {
  std::string mail = fmt::format("From: {}\r\nTo: cse585-staff@umich.edu\r\nSubject: {}\r\n"
                                 "Date: Mon, 15 Dec 2025 10:00:00 -0500\r\n"
                                 "Message-ID: <{}@test.example>\r\nMIME-Version: 1.0\r\n"
                                 "Content-Type: multipart/mixed; boundary=\"b0undary\"\r\n\r\n"
                                 "--b0undary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}"
                                 "\r\n",
                                 from, subject, std::hash<std::string>{}(subject + body), body);
  for (const auto& file : files) {
    std::ostringstream encoded;
    Poco::Base64Encoder encoder(encoded);
    encoder.rdbuf()->setLineLength(76);
    encoder << file.bytes;
    encoder.close();
    auto text = encoded.str();
    std::string crlf;
    for (const char c : text)
      crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    mail += fmt::format("--b0undary\r\nContent-Type: {}; name=\"{}\"\r\n"
                        "Content-Disposition: attachment; filename=\"{}\"\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
                        file.content_type, file.name, file.name, crlf);
  }
  return mail + "--b0undary--\r\n";
}

} // namespace mailroom::test
