#include "archive/archive.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "rules/syllabus_import.hpp"

#include <iostream>

namespace mailroom::cli {

namespace {

struct ImportOptions {
  std::string page;
  int year = 0;
  std::string assignments_file;
};

int run_import(const ImportOptions& options) {
  const auto text = archive::read_all(options.page);
  if (!text)
    return print_problem(text.error());
  const auto schedule = rules::parse_syllabus(*text, options.page, options.year);

  std::cout << rules::render_schedule_toml(schedule);
  for (const auto& note : schedule.notes)
    std::cerr << "note: " << note.to_string() << "\n";
  if (!options.assignments_file.empty()) {
    if (auto written = archive::write_durably(options.assignments_file,
                                              rules::render_assignments_csv(schedule.assignments));
        !written)
      return print_problem(written.error());
  } else if (!schedule.assignments.empty()) {
    std::cerr << "note: the page assigns groups " << schedule.assignments.size()
              << " times; pass --assignments FILE to write them as assignments.csv\n";
  }
  if (!schedule.problems.empty())
    return print_problems(schedule.problems);
  return 0;
}

} // namespace

void add_schedule_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("schedule", "Work with a course's schedule of lectures");
  command->require_subcommand(1);

  auto options = std::make_shared<ImportOptions>();
  auto* import = command->add_subcommand(
      "import",
      "Read the schedule table of a course page (Markdown) and print its [[lecture]] and "
      "[[no_lecture]] entries as course-file TOML on stdout, to append to course.toml.\n"
      "Rows without a date add readings to the lecture above, or, when they hold only bold "
      "text, set the section of the lectures that follow. A dated row with a person in the "
      "Presenter column is a staff lecture (presenter = that name); one whose bold text says "
      "\"No Lecture\", a break, recess, holiday, buffer, exam or presentations is a "
      "[[no_lecture]] day; every other dated row is presented by students, and without a bold "
      "topic takes its section as topic.\n"
      "Groups in the Presenter, Summary and Reviewer columns (\"Group 3\", \"G3\" or \"3\", "
      "several separated by commas) become assignments.csv rows with the roster-style label "
      "\"3\"; other labels in Summary and Reviewer are kept as written. They are written only "
      "with --assignments.\n"
      "Notes (readings under a day without lecture, left out) go to stderr. Rows that cannot "
      "be read are listed on stderr as PAGE:LINE with exit code 1; the TOML still holds "
      "everything else.");
  import->add_option("PAGE", options->page, "The course page, Markdown")
      ->required()
      ->check(CLI::ExistingFile);
  import
      ->add_option("--year", options->year,
                   "Year of the first date (later dates in an earlier month are the next year)")
      ->required()
      ->check(CLI::Range(1900, 9999));
  import->add_option("--assignments", options->assignments_file,
                     "Write the groups the page assigns to FILE as assignments.csv "
                     "(header lecture,role,group; replaces FILE)");
  import->callback([options, &exit_code] { exit_code = run_import(*options);
});
} // namespace mailroom::cli

} // namespace mailroom::cli
