#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "judge/content.hpp"
#include "judge/decision.hpp"
#include "message/parse.hpp"
#include "reply/compose.hpp"
#include "reply/desk.hpp"
#include "sandbox/sandboxed_reader.hpp"
#include "setup/replies.hpp"
#include "setup/rules_files.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <sys/stat.h>

namespace mailroom::cli {

namespace {

struct PreviewOptions {
  std::string file;
  std::string rules_dir;
  std::string templates_dir;
  std::string received_at;
};

// The rules folder's own templates win over the shipped ones, name by name.
reply::Templates load_templates(const PreviewOptions& options) {
  return setup::load_templates(
      {options.templates_dir, std::filesystem::path(options.rules_dir) / "templates"});
}

int run_preview(const PreviewOptions& options) {
  auto course = setup::load_rules(options.rules_dir);
  if (!course)
    return print_problems(course.error());
  auto raw = setup::read_file(options.file);
  if (!raw)
    return print_problem(raw.error());
  core::Instant received_at{};
  if (!options.received_at.empty()) {
    auto parsed = core::parse_iso(options.received_at);
    if (!parsed)
      return print_problem(
          {"--received-at", "not an ISO 8601 instant", "write 2025-10-06T14:30:00Z"});
    received_at = *parsed;
  } else {
    struct stat info {};
    if (::stat(options.file.c_str(), &info) == 0)
      received_at = core::Instant{std::chrono::seconds{info.st_mtime}};
  }
  auto decision = judge::decide(options.file, options.file, received_at,
                                message::parse(*raw, "file " + options.file), *course);
  judge::check_content(decision, *raw, *course, &sandbox::default_reader());
  if (decision.reply == judge::ReplyKind::none) {
    std::cout << "No reply would go out: " << decision.reply_reason << "\n";
    return 0;
  }
  const auto desk = reply::desk_of(course->staff_address, course->id);
  const reply::ComposeOptions compose_options{desk.from,
                                              desk.address,
                                              desk.message_id_domain,
                                              reply::Recipients::sender_and_group,
                                              received_at,
                                              "preview",
                                              1};
  auto composed = reply::compose(decision, *course, load_templates(options), compose_options);
  if (!composed)
    return print_problem(composed.error());
  std::cout << composed->message;
  return 0;
}

} // namespace

void add_preview_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PreviewOptions>();
  auto* command =
      app.add_subcommand("preview", "Print the reply a mail would get (nothing is sent)");
  command->add_option("FILE", options->file, "A raw message (.eml or a Maildir file)")->required();
  command->add_option("--rules", options->rules_dir, "Rules folder")->required();
  command->add_option("--templates", options->templates_dir, "Templates folder")
      ->default_val(setup::shipped_templates().string());
  command->add_option("--received-at", options->received_at,
                      "Arrival time (default: the file's modification time)");
  command->callback([options, &exit_code] { exit_code = run_preview(*options); });
}

} // namespace mailroom::cli
