#include "classify/work.hpp"

#include "message/parse.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace mailroom::classify {

namespace {

using message::Attachment;
using message::Link;

bool host_is(std::string_view host, std::string_view domain) {
  return host == domain || (host.size() > domain.size() && host.ends_with(domain) &&
                            host[host.size() - domain.size() - 1] == '.');
}

// Why a file is never work, whatever the course accepts; empty when it may be.
std::string never_work(const Attachment& file) {
  const auto ext = extension_of(file.filename);
  const auto& type = file.content_type;
  const auto name = file.filename.empty() ? std::string("a part without a name") : file.filename;
  if (type == "text/calendar" || type == "application/ics" || ext == "ics" || ext == "vcs")
    return fmt::format("{} is a calendar invite", name);
  if (type == "text/vcard" || type == "text/x-vcard" || type == "text/directory" || ext == "vcf")
    return fmt::format("{} is a contact card (vCard)", name);
  if (file.inline_disposition && type.starts_with("image/"))
    return fmt::format("{} is an image shown in the mail (a signature or logo)", name);
  return {};
}

// Hosts of meetings, calendars and mail archives: a link there points at a meeting or a
// message, never at a piece of work.
constexpr std::array<std::string_view, 14> k_meeting_or_mail_hosts{"zoom.us",
                                                                   "meet.google.com",
                                                                   "teams.microsoft.com",
                                                                   "teams.live.com",
                                                                   "webex.com",
                                                                   "calendar.google.com",
                                                                   "mail.google.com",
                                                                   "groups.google.com",
                                                                   "outlook.office.com",
                                                                   "outlook.office365.com",
                                                                   "outlook.live.com",
                                                                   "piazza.com",
                                                                   "gotomeeting.com",
                                                                   "bluejeans.com"};

std::string never_work(const Link& link) {
  const auto host = message::link_host(link.url);
  for (const auto domain : k_meeting_or_mail_hosts)
    if (host_is(host, domain))
      return fmt::format("{} is a meeting, calendar or mail link", link.url);
  const auto lowered = util::lower(link.url);
  if (host.starts_with("lists.") || lowered.find("/pipermail/") != std::string::npos ||
      lowered.find("/mailman/") != std::string::npos)
    return fmt::format("{} is a link to a mail archive", link.url);
  return {};
}

// A link of no known kind is only a repository when it says so: a course accepting
// "other" links means code hosts mailroom does not name, not any web page (a signature's
// profile link, a paper's URL).
bool is_repository_url(const Link& link) {
  const auto host = message::link_host(link.url);
  auto path = util::lower(link.url);
  while (!path.empty() && (path.back() == '/' || path.back() == '#'))
    path.pop_back();
  return path.ends_with(".git") || host.starts_with("git.") ||
         host.find("gitea") != std::string::npos || host_is(host, "bitbucket.org") ||
         host_is(host, "codeberg.org") || host_is(host, "sr.ht");
}

} // namespace

std::string extension_of(std::string_view filename) {
  const auto dot = filename.rfind('.');
  return dot == std::string_view::npos ? "" : util::lower(filename.substr(dot + 1));
}

// A deliverable whose course file names no file types and no link kinds takes any work.
bool takes_anything(const rules::Deliverable& deliverable) {
  return deliverable.file_types.empty() && deliverable.link_kinds.empty();
}

bool accepts_file(const rules::Deliverable& deliverable, const Attachment& file) {
  return never_work(file).empty() &&
         (takes_anything(deliverable) ||
          std::ranges::find(deliverable.file_types, extension_of(file.filename)) !=
              deliverable.file_types.end());
}

bool accepts_link(const rules::Deliverable& deliverable, const Link& link) {
  if (!never_work(link).empty())
    return false;
  if (link.kind == message::LinkKind::other && !is_repository_url(link))
    return false;
  return takes_anything(deliverable) ||
         std::ranges::find(deliverable.link_kinds, message::to_string(link.kind)) !=
             deliverable.link_kinds.end();
}

Carried sort_carried(const message::MessageFacts& facts, const rules::Course& course) {
  Carried out;
  for (const auto& file : facts.attachments) {
    const auto ext = extension_of(file.filename);
    if (auto why = never_work(file); !why.empty()) {
      // A signature image is not worth a word to staff; the rest is.
      if (!(file.inline_disposition && file.content_type.starts_with("image/")))
        out.not_work.push_back(std::move(why));
      continue;
    }
    const bool accepted = std::ranges::any_of(course.deliverables, [&](const auto& deliverable) {
      return accepts_file(deliverable, file);
    });
    if (accepted)
      out.files.push_back(&file);
    else {
      out.other_files.push_back(&file);
      out.not_work.push_back(
          fmt::format("{} is a type no deliverable takes ({})",
                      file.filename.empty() ? "a part without a name" : file.filename,
                      ext.empty() ? file.content_type : "." + ext));
    }
  }
  for (const auto& link : facts.links) {
    if (auto why = never_work(link); !why.empty()) {
      out.not_work.push_back(std::move(why));
      continue;
    }
    if (std::ranges::any_of(course.deliverables, [&](const auto& deliverable) {
          return accepts_link(deliverable, link);
        }))
      out.links.push_back(&link);
  }
  return out;
}

} // namespace mailroom::classify
