// Integration: history import and reports through the real triaged (HTTP) and triage (CLI).
#include "tests/support/triaged_process.hpp"

#include "engine/time_format.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace triage::test;
namespace json = boost::json;

namespace {

const std::string kLines =
    R"({"external_id":"old-1","channel":"email","subject":"Rēķins nav saņemts","body":"Labdien!","requester":{"name":"Jānis","email":"janis@example.lv","organisation":"Ozoliņš, \"Bērziņš\" SIA"},"queue":"billing","category":"invoice","language":"lv","created_at":"2025-03-03T08:00:00Z","first_response_at":"2025-03-03T08:30:00Z","solved_at":"2025-03-03T10:00:00Z","status":"solved"})"
    "\n"
    R"({"external_id":"old-2","channel":"web","subject":"Internet ei toimi","body":"Hei","requester":{"name":"Liisa"},"queue":"technical","created_at":"2025-03-04T09:00:00Z","status":"open"})"
    "\n"
    R"({"external_id":"old-3","channel":"web","subject":"x","requester":{"name":"A"},"queue":"technical","created_at":"yesterday","status":"open"})"
    "\n";

std::int64_t count_of(const json::value& report, std::string_view key, std::string_view value) {
    for (const auto& row : report.at("rows").as_array())
        if (row.at(key).as_string() == value) return row.at("tickets").as_int64();
    return -1;
}

}  // namespace

TEST_CASE("the API imports JSON Lines and serves reports that follow new tickets at once") {
    TempDir dir;
    TriagedProcess server(dir.path());
    auto imported = server.request("POST", "/api/v1/import/tickets", kLines, TriagedProcess::kToken, "application/x-ndjson");
    CAPTURE(imported.body);
    REQUIRE(imported.status == 200);
    auto summary = json::parse(imported.body);
    CHECK(summary.at("imported").as_int64() == 2);
    CHECK(summary.at("failed").as_int64() == 1);
    CHECK(summary.at("errors").at(0).at("line").as_int64() == 3);
    CHECK(summary.at("errors").at(0).at("field").as_string() == "created_at");
    auto again = json::parse(server.request("POST", "/api/v1/import/tickets", kLines, TriagedProcess::kToken,
                                            "application/x-ndjson").body);
    CHECK(again.at("imported").as_int64() == 0);
    CHECK(again.at("duplicates").as_int64() == 2);

    auto report = server.request("GET", "/api/v1/reports/frequency?group_by=queue");
    CAPTURE(report.body);
    REQUIRE(report.status == 200);
    auto before = json::parse(report.body);
    CHECK(count_of(before, "queue", "billing") == 1);
    CHECK(count_of(before, "queue", "technical") == 1);

    auto created = server.request("POST", "/api/v1/tickets",
                                  R"({"subject":"Lasku","body":"Hei","requester":{"name":"M","email":"m@example.fi"},"queue":"billing"})");
    REQUIRE(created.status == 201);
    auto after = json::parse(server.request("GET", "/api/v1/reports/frequency?group_by=queue").body);
    CHECK(count_of(after, "queue", "billing") == 2);

    auto csv = server.request("GET", "/api/v1/reports/frequency?group_by=organisation&queue=billing&format=csv");
    REQUIRE(csv.status == 200);
    CHECK(csv.headers.at("content-type").starts_with("text/csv"));
    CHECK(csv.body.starts_with("organisation,tickets\r\n"));
    CHECK(csv.body.find("\"Ozoliņš, \"\"Bērziņš\"\" SIA\",1\r\n") != std::string::npos);

    auto resolution = json::parse(server.request("GET", "/api/v1/reports/resolution?from=2025-03-01&to=2025-03-31&tz=Europe/Riga").body);
    CHECK(resolution.at("tz").as_string() == "Europe/Riga");
    CHECK(resolution.at("rows").at(0).at("first_response_minutes_median").to_number<double>() == 30.0);

    auto unknown = server.request("GET", "/api/v1/reports/nonsense");
    CHECK(unknown.status == 404);
    CHECK(json::parse(unknown.body).at("error").at("code").as_string() == "not_found");
    auto bad_zone = server.request("GET", "/api/v1/reports/frequency?tz=Mars/Olympus");
    CHECK(bad_zone.status == 422);
    CHECK(json::parse(bad_zone.body).at("error").at("field").as_string() == "tz");
    CHECK(server.request("GET", "/api/v1/reports/frequency", "", "").status == 401);
    CHECK(server.request("POST", "/api/v1/reports/frequency").status == 405);
}

TEST_CASE("triage import-tickets names bad lines and exits 2; triage report prints CSV") {
    TempDir dir;
    const auto file = dir.path() / "history.jsonl";
    std::ofstream(file) << kLines;
    const auto data = (dir.path() / "data").string();
    auto [code, output] = run_command({TRIAGE_CLI_PATH, "import-tickets", file.string(), "--data-dir", data});
    CAPTURE(output);
    CHECK(code == 2);
    CHECK(output.find("history.jsonl:3: created_at 'yesterday' is not an RFC 3339 time (created_at)") != std::string::npos);
    CHECK(output.find("2 imported, 0 already present, 1 bad lines skipped") != std::string::npos);
    auto [again_code, again] = run_command({TRIAGE_CLI_PATH, "import-tickets", file.string(), "--data-dir", data});
    CHECK(again.find("0 imported, 2 already present") != std::string::npos);

    auto [report_code, report] = run_command(
        {TRIAGE_CLI_PATH, "report", "frequency", "--group-by", "queue", "--format", "csv", "--data-dir", data});
    CAPTURE(report);
    CHECK(report_code == 0);
    CHECK(report == "queue,tickets\r\nbilling,1\r\ntechnical,1\r\n");
    auto [bad_code, bad] = run_command({TRIAGE_CLI_PATH, "report", "frequency", "--tz", "Nowhere/Else", "--data-dir", data});
    CHECK(bad_code == 2);
    CHECK(bad.find("--tz") != std::string::npos);
}

TEST_CASE("triage import-tickets and import-cdr refuse a directory or a missing file with a reason, importing nothing") {
    TempDir dir;
    const auto data = (dir.path() / "data").string();
    for (const auto& command : {std::vector<std::string>{"import-tickets"},
                                std::vector<std::string>{"import-cdr", "--format", "asterisk"}}) {
        auto args = std::vector<std::string>{TRIAGE_CLI_PATH};
        args.insert(args.end(), command.begin(), command.end());
        auto on_dir = args, on_missing = args;
        on_dir.insert(on_dir.end(), {dir.path().string(), "--data-dir", data});
        on_missing.insert(on_missing.end(), {(dir.path() / "nope.csv").string(), "--data-dir", data});
        auto [dir_code, dir_out] = run_command(on_dir);
        CAPTURE(dir_out);
        CHECK(dir_code == 1);
        CHECK(dir_out.find("is a directory, not a file") != std::string::npos);
        auto [missing_code, missing_out] = run_command(on_missing);
        CAPTURE(missing_out);
        CHECK(missing_code == 1);
        CHECK(missing_out.find("nope.csv: no such file") != std::string::npos);
    }
}

TEST_CASE("triage report weekly writes the managers' email with its CSVs to the spool") {
    TempDir dir;
    const auto config = dir.path() / "triage.yaml";
    std::ofstream(config) << "data_dir: data\nreports:\n  timezone: Europe/Helsinki\n  weekly:\n"
                             "    managers: [jaan.kask@triage.example]\n    from: reports@triage.example\n"
                             "    spool_dir: spool\n";
    const auto week_ago = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now() - std::chrono::hours(24 * 7));
    const auto file = dir.path() / "history.jsonl";
    std::ofstream(file) << R"({"external_id":"w-1","subject":"Lasku","requester":{"name":"M"},"queue":"billing","created_at":")"
                        << triage::format_rfc3339(triage::Timestamp{week_ago.time_since_epoch()}) << R"(","status":"open"})" << "\n";
    auto [import_code, imported] = run_command({TRIAGE_CLI_PATH, "import-tickets", file.string(), "--config", config.string()});
    CAPTURE(imported);
    REQUIRE(import_code == 0);
    auto [code, output] = run_command({TRIAGE_CLI_PATH, "report", "weekly", "--config", config.string()});
    CAPTURE(output);
    REQUIRE(code == 0);
    std::vector<std::filesystem::path> spooled;
    for (const auto& e : std::filesystem::directory_iterator(dir.path() / "spool")) spooled.push_back(e.path());
    REQUIRE(spooled.size() == 1);
    std::ifstream in(spooled[0]);
    std::string eml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(eml.find("To: jaan.kask@triage.example") != std::string::npos);
    CHECK(eml.find("Content-Type: text/html") != std::string::npos);
    CHECK(eml.find("filename=frequency-by-day.csv") != std::string::npos);
    CHECK(eml.find("filename=emerging.csv") != std::string::npos);
}

TEST_CASE("tickets the CLI imports into a running server's database show in its reports without a restart") {
    TempDir dir;
    TriagedProcess server(dir.path());
    auto created = server.request("POST", "/api/v1/tickets",
                                  R"({"subject":"Lasku","body":"Hei","requester":{"name":"M","email":"m@example.fi"},"queue":"billing"})");
    REQUIRE(created.status == 201);
    auto before = json::parse(server.request("GET", "/api/v1/reports/frequency?group_by=queue").body);
    CHECK(count_of(before, "queue", "billing") == 1);
    CHECK(count_of(before, "queue", "technical") == -1);

    auto file = dir.path() / "history.jsonl";
    std::ofstream(file) << kLines;
    auto [code, output] = run_command({TRIAGE_CLI_PATH, "import-tickets", file.string(), "--data-dir", dir.path().string()});
    CAPTURE(output);
    REQUIRE(code == 2);  // line 3 is bad; the other two are imported

    // The server notices the other process's commit within its idle check (0.4 s) and loads
    // the facts again; a report waits for that load.
    json::value after;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
        auto report = server.request("GET", "/api/v1/reports/frequency?group_by=queue");
        if (report.status == 200) {
            after = json::parse(report.body);
            if (count_of(after, "queue", "technical") == 1 || std::chrono::steady_clock::now() > deadline) break;
        } else {
            REQUIRE(report.status == 503);  // loading again
        }
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(count_of(after, "queue", "billing") == 2);
    CHECK(count_of(after, "queue", "technical") == 1);

    // And the server's own writes still count once after the reload.
    REQUIRE(server.request("POST", "/api/v1/tickets",
                           R"({"subject":"Arve","body":"Tere","requester":{"name":"K","email":"k@example.ee"},"queue":"billing"})")
                .status == 201);
    auto last = json::parse(server.request("GET", "/api/v1/reports/frequency?group_by=queue").body);
    CHECK(count_of(last, "queue", "billing") == 3);
    server.stop();
    CHECK(server.log().find("report facts reloaded after another process wrote") != std::string::npos);
}
