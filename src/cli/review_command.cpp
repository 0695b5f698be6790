#include "cli/commands.hpp"
#include "cli/findings_output.hpp"
#include "cli/output.hpp"
#include "cli/staff_view.hpp"
#include "deadline/deadline.hpp"
#include "desk/actions.hpp"
#include "setup/rules_files.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>

namespace mailroom::cli {

namespace {

struct ReviewOptions {
  Location where;
  bool json = false;
};

int run_review(const ReviewOptions& options) {
  const auto& where = options.where;
  auto opened = open_staff_course(where);
  if (!opened)
    return opened.error();
  auto staff = read_staff_ledger(opened->paths.state_dir);
  if (!staff)
    return staff.error();
  const auto& course = opened->course;
  const auto& records = staff->records;
  const auto queue = review_queue_at(records, course, where);
  if (options.json) {
    for (const auto& item : queue) {
      JsonObject record;
      record.add("mail", static_cast<std::int64_t>(item.mail_id));
      record.add("at", core::to_iso_utc(item.at));
      record.add("from", item.from);
      record.add("subject", item.subject);
      record.add("reason", pipeline::to_string(item.reason));
      record.add("why", item.why);
      record.add("settle", item.settle);
      record.add("warnings", findings_record(findings_of(records, item.mail_id)));
      std::cout << record.str() << "\n";
    }
    print_content_warnings_json(records, queue);
    return 0;
  }
  if (queue.empty()) {
    std::cout << "Nothing needs a person.\n";
    print_content_warnings(records, queue, course);
    return 0;
  }
  std::cout << fmt::format("{} mail(s) need a person, oldest first:\n", queue.size());
  for (const auto& item : queue) {
    std::cout << fmt::format("\nmail {}  {}  {}  {}\n", item.mail_id,
                             deadline::format_local(item.at, course.zone), item.from,
                             item.subject.empty() ? "(no subject)" : "\"" + item.subject + "\"");
    std::cout << fmt::format("  why:    {}: {}\n", pipeline::to_string(item.reason), item.why);
    for (std::size_t i = 0; i < item.settle.size(); ++i)
      std::cout << fmt::format("  {} {}\n", i == 0 ? "settle:" : "    or:", item.settle[i]);
    print_findings(findings_of(records, item.mail_id), std::cout);
  }
  print_content_warnings(records, queue, course);
  return 0;
}

struct DismissOptions {
  Location where;
  std::int64_t mail_id = 0;
  std::string reason;
};

int run_dismiss(const DismissOptions& options) {
  const auto& where = options.where;
  auto paths =
      setup::staff_paths(where.config, where.state_dir, where.rules_dir, setup::NeedRules::no);
  if (!paths)
    return print_problem(paths.error());
  if (options.reason.empty())
    return print_problem({"--reason", "a reason is required", "say why, for the audit trail"});
  auto ledger = ledger::SqliteLedger::open(paths->state_dir, ledger::OpenMode::must_exist);
  if (!ledger)
    return print_problem(ledger.error());
  const pipeline::Actor actor = staff_actor();
  auto done = desk::dismiss(*ledger, options.mail_id, options.reason, actor);
  if (!done)
    return print_problem(done.error());
  std::cout << *done << "\n";
  return 0;
}

} // namespace

void add_review_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReviewOptions>();
  auto* command = app.add_subcommand(
      "review", "Every mail that needs a person, oldest first, with the command that settles it");
  add_location_options(*command, options->where);
  command->add_flag("--json", options->json, "One JSON object per line");
  command->callback([options, &exit_code] { exit_code = run_review(*options); });
}

void add_dismiss_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DismissOptions>();
  auto* command = app.add_subcommand(
      "dismiss", "Take a mail off the review queue: looked at, nothing owed (audited)");
  command->add_option("ID", options->mail_id, "Mail id, as `review` gives it")->required();
  command->add_option("--reason", options->reason, "Why (kept in the audit trail)")->required();
  add_location_options(*command, options->where);
  command->callback([options, &exit_code] { exit_code = run_dismiss(*options); });
}

} // namespace mailroom::cli
