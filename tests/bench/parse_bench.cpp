// Parse throughput and memory of message::parse on generated mail: small text
// mails (the common case) and mails with 1-20 MB attachments (slides, reports).
// Prints messages/s, MB/s and peak RSS; the goals are >= 5000 small mails/s,
// >= 250 MB/s on attachment-heavy mail and peak RSS < 3x the largest message.
#include "message/parse.hpp"

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Peak resident set size so far, in MB (Linux reports KB).
double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// Appends `size` random bytes, base64-encoded in 76-character lines, to `out`
// without building the bytes first, so generating a message costs no more
// memory than the message itself.
void append_random_base64(std::string& out, std::size_t size, std::mt19937_64& random) {
  static constexpr char k_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t line = 0;
  for (std::size_t i = 0; i < size; i += 3) {
    const auto n = static_cast<unsigned>(random() & 0xFFFFFF);
    const std::size_t left = size - i;
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += left > 1 ? k_alphabet[(n >> 6) & 63] : '=';
    out += left > 2 ? k_alphabet[n & 63] : '=';
    if ((line += 4) == 76) {
      out += "\r\n";
      line = 0;
    }
  }
}

std::string headers(int n) {
  std::string out;
  for (int hop = 0; hop < 8; ++hop)
    out += "Received: from mx" + std::to_string(hop) +
           ".example.edu (mx.example.edu [10.0.0.1])\r\n\tby mail.umich.edu with ESMTPS id "
           "abc" +
           std::to_string(n) + "\r\n\tfor <staff@umich.edu>; Tue, 4 Nov 2025 10:29:59 -0500\r\n";
  out += "DKIM-Signature: v=1; a=rsa-sha256; d=umich.edu; s=google; "
         "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n\tb=" +
         std::string(340, 'A') + "\r\n";
  out += "From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jmueller@umich.edu>\r\n"
         "To: cse585-staff@umich.edu\r\nCc: \"Group 7\" <g7@umich.edu>\r\n"
         "Subject: =?utf-8?B?W0NTRTU4NV0gU2xpZGVzIOKAkyBHcm91cCA3?= " +
         std::to_string(n) + "\r\nDate: Tue, 04 Nov 2025 10:29:59 -0500\r\nMessage-ID: <m" +
         std::to_string(n) + "@mail.gmail.com>\r\nMIME-Version: 1.0\r\n";
  return out;
}

std::string text_body() {
  std::string text;
  for (int i = 0; i < 12; ++i)
    text += "Hi all, here are our slides for Thursday's lecture on serving systems: "
            "https://docs.google.com/presentation/d/1AbCdEf/edit?usp=sharing and the code "
            "is at https://github.com/group7/paged-attention =E2=80=93 thanks!\r\n";
  return text;
}

// A Gmail-shaped mail: multipart/alternative with QP text and HTML, ~6 KB.
std::string small_mail(int n) {
  return headers(n) +
         "Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3\"\r\n\r\n"
         "--000000000000a1b2c3\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
         text_body() +
         "\r\n--000000000000a1b2c3\r\nContent-Type: text/html; charset=\"UTF-8\"\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\n<div dir=3D\"ltr\"><p>" +
         text_body() +
         "<a href=3D\"https://docs.google.com/document/d/9/edit\">summary</a></p></div>\r\n"
         "--000000000000a1b2c3--\r\n";
}

std::string attachment_mail(int n, std::size_t attachment_bytes, std::mt19937_64& random) {
  std::string out;
  out.reserve((attachment_bytes + 2) / 3 * 4 / 76 * 78 + 8192);
  out += headers(n);
  out += "Content-Type: multipart/mixed; boundary=\"000000000000d4e5f6\"\r\n\r\n"
         "--000000000000d4e5f6\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n\r\n"
         "Our final report and code are attached.\r\n\r\n--000000000000d4e5f6\r\n"
         "Content-Type: application/pdf; name=\"group7-final-report.pdf\"\r\n"
         "Content-Disposition: attachment; filename=\"group7-final-report.pdf\"\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n";
  append_random_base64(out, attachment_bytes, random);
  out += "\r\n--000000000000d4e5f6--\r\n";
  return out;
}

} // namespace

int main() {
  std::mt19937_64 random(585);

  // The largest message first, alone, so the RSS high-water mark is its own.
  const std::size_t largest_attachment = 20u << 20;
  double largest_message_mb = 0;
  const double startup_rss = peak_rss_mb();
  double generated_rss = 0;
  {
    const auto raw = attachment_mail(0, largest_attachment, random);
    largest_message_mb = static_cast<double>(raw.size()) / (1 << 20);
    generated_rss = peak_rss_mb();
    const auto facts = mailroom::message::parse(raw, "bench");
    if (facts.attachments.size() != 1)
      std::fprintf(stderr, "unexpected: %zu attachments\n", facts.attachments.size());
  }
  const double peak_after_largest = peak_rss_mb();

  // Attachment-heavy mail: 1, 2, 5, 10, 15 and 20 MB attachments, three rounds.
  std::vector<std::string> big;
  for (std::size_t mb : {1u, 2u, 5u, 10u, 15u, 20u})
    big.push_back(attachment_mail(static_cast<int>(mb), mb << 20, random));
  double big_bytes = 0;
  const auto big_start = Clock::now();
  int big_count = 0;
  for (int round = 0; round < 3; ++round) {
    for (const auto& raw : big) {
      const auto facts = mailroom::message::parse(raw, "bench");
      big_bytes += static_cast<double>(raw.size());
      big_count += static_cast<int>(facts.attachments.size());
    }
  }
  const double big_seconds = seconds_since(big_start);

  // Small text mails.
  std::vector<std::string> small;
  for (int i = 0; i < 2000; ++i)
    small.push_back(small_mail(i));
  double small_bytes = 0;
  std::size_t links = 0;
  const auto small_start = Clock::now();
  const int small_rounds = 5;
  for (int round = 0; round < small_rounds; ++round) {
    for (const auto& raw : small) {
      const auto facts = mailroom::message::parse(raw, "bench");
      small_bytes += static_cast<double>(raw.size());
      links += facts.links.size();
    }
  }
  const double small_seconds = seconds_since(small_start);
  const double small_count = static_cast<double>(small.size()) * small_rounds;

  std::printf(
      "small text mails:    %.0f messages/s, %.1f MB/s (%.0f mails of %.1f KB, %zu links)\n",
      small_count / small_seconds, small_bytes / (1 << 20) / small_seconds, small_count,
      small_bytes / small_count / 1024, links);
  std::printf(
      "attachment mails:    %.1f messages/s, %.0f MB/s (%d mails with 1-20 MB attachments)\n",
      3.0 * static_cast<double>(big.size()) / big_seconds, big_bytes / (1 << 20) / big_seconds,
      big_count);
  std::printf("peak RSS parsing the largest message (%.1f MB): %.1f MB above start-up "
              "(message included), %.2fx the message\n",
              largest_message_mb, peak_after_largest - startup_rss,
              (peak_after_largest - startup_rss) / largest_message_mb);
  std::printf(
      "  (start-up %.1f MB, after generating the message %.1f MB, after parsing it %.1f MB)\n",
      startup_rss, generated_rss, peak_after_largest);
  std::printf("peak RSS of the whole run: %.1f MB\n", peak_rss_mb());
  return 0;
}
