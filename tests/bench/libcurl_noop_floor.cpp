// The floor of a no-op poll made with libcurl (issue 21): the least a `run --once` that
// finds no new mail must do, and nothing else. It loads libcurl (and, through it, the
// libraries Debian builds it with), logs in, SELECTs the mailbox and asks for the mail
// after the last one seen, in one curl_easy_perform: CAPABILITY, AUTHENTICATE, SELECT,
// UID FETCH. No rules, no ledger, no state folder. tests/bench/noop_floor_bench.py times
// it beside mbsync's no-op and mailroom's: what it takes above mbsync's is the price of
// libcurl alone, which no change inside mailroom can win back.
//
//   libcurl_noop_floor URL USER PASSWORD_FILE LAST_UID   (URL: imap://host:port/INBOX)
//   libcurl_noop_floor --load-only                        (load and initialise libcurl only)
//
// Exits 0 when the server answered every command with OK.

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace {

std::size_t keep(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string first_line_of(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

int poll(const char* url, const char* user, const char* password_file, const char* last_uid) {
  const std::string password = first_line_of(password_file);
  if (password.empty()) {
    std::fprintf(stderr, "libcurl_noop_floor: no password in %s\n", password_file);
    return 2;
  }
  const std::string request =
      std::string("UID FETCH ") + last_uid + ":* (UID INTERNALDATE RFC822.SIZE)";
  CURL* curl = curl_easy_init();
  std::string answer;
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_USERNAME, user);
  curl_easy_setopt(curl, CURLOPT_PASSWORD, password.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, keep);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer);
  const CURLcode done = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  if (done != CURLE_OK) {
    std::fprintf(stderr, "libcurl_noop_floor: %s: %s\n", url, curl_easy_strerror(done));
    return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--load-only") {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl_easy_cleanup(curl_easy_init());
    curl_global_cleanup();
    return 0;
  }
  if (argc != 5) {
    std::fprintf(stderr, "usage: libcurl_noop_floor URL USER PASSWORD_FILE LAST_UID\n"
                         "       libcurl_noop_floor --load-only\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const int status = poll(argv[1], argv[2], argv[3], argv[4]);
  // As mailroom ends (src/commands_module.cpp): without the libraries' clean-up at exit.
  std::fflush(nullptr);
  std::_Exit(status);
}
