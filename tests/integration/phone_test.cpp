// Integration: the phone channel through the real binaries — `triage import-cdr` on the
// shared corpus (twice) and POST /api/v1/calls on a running triaged.
#include "tests/support/triaged_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fstream>
#include <fmt/format.h>
#include <set>
#include <thread>

using namespace triage::test;
namespace json = boost::json;

namespace {

const std::filesystem::path kPhoneCorpus = std::filesystem::path(TRIAGE_SOURCE_DIR) / ".." / "shared" / "corpus" / "phone";

std::string last_line(const std::string& out) {
    auto end = out.find_last_not_of('\n');
    auto start = out.rfind('\n', end);
    return out.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace

TEST_CASE("import-cdr takes in the shared Asterisk and FreeSWITCH logs once, even when imported twice") {
    if (!std::filesystem::is_directory(kPhoneCorpus)) {
        MESSAGE("../shared/corpus/phone is absent: skipped");
        return;
    }
    TempDir dir;
    const auto data = (dir.path() / "data").string();
    for (auto [format, file] : {std::pair{"asterisk", "Master.csv"}, std::pair{"freeswitch", "freeswitch-cdr-csv-Master.csv"}}) {
        CAPTURE(format);
        auto path = (kPhoneCorpus / file).string();
        auto [code, first] = run_command({TRIAGE_CLI_PATH, "import-cdr", "--format", format, path, "--data-dir", data});
        CAPTURE(first);
        CHECK(code == 0);
        CHECK(last_line(first).find(" 0 already imported") != std::string::npos);
        CHECK(last_line(first).find(" 0 bad rows") != std::string::npos);
        auto [code2, second] = run_command({TRIAGE_CLI_PATH, "import-cdr", "--format", format, path, "--data-dir", data});
        CAPTURE(second);
        CHECK(code2 == 0);
        CHECK(last_line(second).find(": 0 filed") != std::string::npos);
    }
    auto [code, list] = run_command({TRIAGE_CLI_PATH, "ticket", "list", "--limit", "200", "--json", "--data-dir", data});
    REQUIRE(code == 0);
    auto tickets = json::parse(list).as_array();
    CHECK(tickets.size() > 50);
    std::map<std::string, int> call_backs_per_caller_day;
    for (const auto& t : tickets) {
        CHECK(t.at("channel").as_string() == "phone");
        const auto& tags = t.at("tags").as_array();
        if (std::find(tags.begin(), tags.end(), json::value("call-back")) == tags.end()) continue;
        auto key = std::string(t.at("subject").as_string()) + std::string(t.at("created_at").as_string()).substr(0, 10);
        CHECK(++call_backs_per_caller_day[key] == 1);
    }
    CHECK(call_backs_per_caller_day.size() > 10);
}

TEST_CASE("import-cdr reports bad rows with line numbers, imports the rest and exits 2") {
    TempDir dir;
    auto file = dir.path() / "Master.csv";
    std::ofstream(file)
        << R"("","+358401234567","600","ext-queues","""Matti"" <+358401234567>","c","","Queue","q","2024-03-11 10:00:00",,"2024-03-11 10:00:20",20,0,"NO ANSWER","OMIT","7.1","")"
        << "\n\"cut\",\"off\n"
        << R"("","0451234567","600","ext-queues","""Liisa"" <0451234567>","c","d","Queue","q","2024-03-11 11:00:00","2024-03-11 11:00:05","2024-03-11 11:10:00",600,595,"ANSWERED","OMIT","7.2","")"
        << "\n";
    const auto data = (dir.path() / "data").string();
    auto [code, out] = run_command({TRIAGE_CLI_PATH, "import-cdr", "--format", "asterisk", file.string(), "--data-dir", data});
    CAPTURE(out);
    CHECK(code == 2);
    CHECK(out.find(file.string() + ":2:") != std::string::npos);
    CHECK(out.find("2 filed") != std::string::npos);
    auto [bad_format, usage] = run_command({TRIAGE_CLI_PATH, "import-cdr", "--format", "cisco", file.string(), "--data-dir", data});
    CHECK(bad_format == 2);
    CHECK(usage.find("--format asterisk") != std::string::npos);
}

TEST_CASE("an agent logs calls over the API: a new phone ticket, then a call added to it") {
    TempDir dir;
    TriagedProcess server(dir.path());
    const std::string call = R"({"number":"040 123 4567","direction":"inbound","started_at":"2026-11-23T09:00:00Z",
        "duration_s":312,"disposition":"answered","notes":"Tulostin ei toimi, ohjeistettu.","category":"hardware"})";
    auto created = server.request("POST", "/api/v1/calls", call);
    CAPTURE(created.body);
    REQUIRE(created.status == 201);
    auto ticket = json::parse(created.body).as_object();
    CHECK(ticket.at("channel").as_string() == "phone");
    CHECK(ticket.at("category").as_string() == "hardware");
    const auto id = ticket.at("id").as_int64();
    const auto customer = ticket.at("customer_id").as_int64();

    auto who = server.request("GET", "/api/v1/customers?identity=phone:%2B358401234567");
    CAPTURE(who.body);
    REQUIRE(who.status == 200);
    CHECK(json::parse(who.body).at("customers").as_array().at(0).at("id").as_int64() == customer);

    auto follow = server.request("POST", "/api/v1/calls",
                                 R"({"number":"+358401234567","direction":"outbound","started_at":"2026-11-23T10:00:00Z",
        "duration_s":60,"disposition":"answered","notes":"Soitettu takaisin.","ticket_id":"T-)" +
                                     std::to_string(id) + "\"}");
    CAPTURE(follow.body);
    REQUIRE(follow.status == 201);
    CHECK(json::parse(follow.body).at("id").as_int64() == id);
    auto messages = server.request("GET", "/api/v1/tickets/" + std::to_string(id) + "/messages");
    auto list = json::parse(messages.body).at("messages").as_array();
    REQUIRE(list.size() == 2);
    CHECK(std::string(list.at(1).at("body").as_string()).find("Soitettu takaisin.") != std::string::npos);

    auto future = server.request("POST", "/api/v1/calls",
                                 R"({"number":"+358401234567","direction":"inbound","started_at":"2099-01-01T09:00:00Z","duration_s":1,"disposition":"answered","notes":""})");
    CHECK(future.status == 422);
    CHECK(json::parse(future.body).at("error").at("field").as_string() == "started_at");
    auto ancient = server.request("POST", "/api/v1/calls",
                                  R"({"number":"+358401234567","direction":"inbound","started_at":"0000-01-01T00:00:00Z","duration_s":1,"disposition":"answered","notes":""})");
    CHECK(ancient.status == 422);
    CHECK(json::parse(ancient.body).at("error").at("field").as_string() == "started_at");
    auto bad = server.request("POST", "/api/v1/calls", R"({"number":"abc","direction":"inbound"})");
    CHECK(bad.status == 422);
    CHECK(json::parse(bad.body).at("error").at("field").as_string() == "number");
    auto missing = server.request("POST", "/api/v1/calls",
                                  R"({"number":"+358401234567","direction":"inbound","started_at":"2026-11-23T09:00:00Z","duration_s":1,"disposition":"answered"})");
    CHECK(missing.status == 422);
    CHECK(json::parse(missing.body).at("error").at("field").as_string() == "notes");
    auto unknown_ticket = server.request("POST", "/api/v1/calls",
                                         R"({"number":"+358401234567","direction":"inbound","started_at":"2026-11-23T09:00:00Z","duration_s":1,"disposition":"answered","notes":"","ticket_id":9999})");
    CHECK(unknown_ticket.status == 404);
    CHECK(server.request("POST", "/api/v1/calls", call, "").status == 401);

    // An external_id retried is the first call; reused for another call, a 422.
    const std::string keyed = R"({"number":"+358401234567","direction":"inbound","started_at":"2026-11-23T11:00:00Z",
        "duration_s":30,"disposition":"answered","notes":"Kysyi laskusta.","external_id":"crm-991"})";
    auto once = server.request("POST", "/api/v1/calls", keyed);
    REQUIRE(once.status == 201);
    auto again = server.request("POST", "/api/v1/calls", keyed);
    CHECK(again.status == 200);
    CHECK(json::parse(again.body).at("id") == json::parse(once.body).at("id"));
    auto changed = keyed;
    changed.replace(changed.find("Kysyi laskusta."), 15, "Kysyi tilauksesta.");
    auto reused = server.request("POST", "/api/v1/calls", changed);
    CAPTURE(reused.body);
    CHECK(reused.status == 422);
    CHECK(json::parse(reused.body).at("error").at("field").as_string() == "external_id");
}

TEST_CASE("a CDR file dropped into the watched spool directory is imported and moved to done/") {
    TempDir dir;
    auto spool = dir.path() / "spool";
    std::filesystem::create_directories(spool);
    auto config = dir.path() / "triage.yaml";
    std::ofstream(config) << "phone:\n  cdr_spool: {dir: " << spool.string() << ", format: asterisk}\n";
    TriagedProcess server(dir.path() / "data", {"--config", config.string()});
    {
        std::ofstream(spool / "Master.tmp")
            << R"("","+358401234567","600","ext-queues","""Matti"" <+358401234567>","c","","Queue","q","2024-03-11 10:00:00",,"2024-03-11 10:00:20",20,0,"NO ANSWER","OMIT","8.1","")"
            << "\n";
    }
    std::filesystem::rename(spool / "Master.tmp", spool / "Master.csv");  // appears whole, as a PBX rotation does
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(spool / "done" / "Master.csv") && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polls a deadline, never a fixed wait
    REQUIRE(std::filesystem::exists(spool / "done" / "Master.csv"));
    auto tickets = json::parse(server.request("GET", "/api/v1/tickets?channel=phone").body).at("tickets").as_array();
    REQUIRE(tickets.size() == 1);
    CHECK(tickets[0].at("subject").as_string() == "Call back +358401234567: missed call");

    // The PBX rotates its log again under the same name: the first file in done/ is kept.
    {
        std::ofstream(spool / "Master.tmp")
            << R"("","+358451234567","600","ext-queues","""Liisa"" <+358451234567>","c","","Queue","q","2024-03-11 11:00:00",,"2024-03-11 11:00:20",20,0,"NO ANSWER","OMIT","8.2","")"
            << "\n";
    }
    std::filesystem::rename(spool / "Master.tmp", spool / "Master.csv");
    while (!std::filesystem::exists(spool / "done" / "Master.1.csv") && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(std::filesystem::exists(spool / "done" / "Master.1.csv"));
    std::ifstream first(spool / "done" / "Master.csv");
    std::string first_bytes((std::istreambuf_iterator<char>(first)), std::istreambuf_iterator<char>());
    CHECK(first_bytes.find("\"8.1\"") != std::string::npos);
    CHECK(json::parse(server.request("GET", "/api/v1/tickets?channel=phone").body).at("tickets").as_array().size() == 2);

    // A file written in place, a piece every 300 ms for 5 s (a PBX or a slow copy still
    // writing it), is left alone until it settles, then read whole: every row is filed.
    const auto row = [](int n) {
        return fmt::format(R"("","+35840555{:04}","600","ext-queues","""C"" <+35840555{:04}>","c","","Queue","q","2024-03-12 10:00:00",,"2024-03-12 10:00:20",20,0,"NO ANSWER","OMIT","9.{}","")",
                           n, n, n) + "\n";
    };
    {
        std::ofstream slow(spool / "Slow.csv", std::ios::binary);
        for (int n = 0; n < 17; ++n) {
            const auto text = row(n);
            slow << text.substr(0, 40) << std::flush;  // half a row on disk meanwhile
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            CHECK_FALSE(std::filesystem::exists(spool / "done" / "Slow.csv"));
            slow << text.substr(40) << std::flush;
        }
    }
    const auto settle = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(spool / "done" / "Slow.csv") && std::chrono::steady_clock::now() < settle)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(std::filesystem::exists(spool / "done" / "Slow.csv"));
    CHECK_FALSE(std::filesystem::exists(spool / "done" / "Slow.csv.errors"));
    CHECK(json::parse(server.request("GET", "/api/v1/tickets?channel=phone&limit=100").body).at("tickets").as_array().size() == 19);
}

TEST_CASE("import-cdr reads a PBX's local times in its configured zone, DST included, and refuses an unknown zone") {
    TempDir dir;
    auto file = dir.path() / "Master.csv";
    // 10:00 Helsinki in March is 08:00 UTC; 03:50 on 27 Oct 2024 is the first pass of the
    // repeated hour (00:50 UTC), as the call's 20 minutes ending 03:10 (second pass) show.
    std::ofstream(file)
        << R"("","+358401234567","600","ext-queues","""Matti"" <+358401234567>","c","","Queue","q","2024-03-11 10:00:00",,"2024-03-11 10:00:20",20,0,"NO ANSWER","OMIT","9.1","")"
        << "\n"
        << R"("","+358451234567","600","ext-queues","""Liisa"" <+358451234567>","c","","Queue","q","2024-10-27 03:50:00",,"2024-10-27 03:10:00",1200,0,"NO ANSWER","OMIT","9.2","")"
        << "\n";
    auto config = dir.path() / "triage.yaml";
    std::ofstream(config) << "phone:\n  support_lines: [\"600\"]\n  cdr_sources:\n"
                             "    - {name: hki, format: asterisk, time_zone: Europe/Helsinki}\n";
    const auto data = (dir.path() / "data").string();
    auto [code, out] = run_command({TRIAGE_CLI_PATH, "import-cdr", "--source", "hki", file.string(), "--config",
                                    config.string(), "--data-dir", data});
    CAPTURE(out);
    REQUIRE(code == 0);
    auto [listed, list] = run_command({TRIAGE_CLI_PATH, "ticket", "list", "--json", "--data-dir", data});
    REQUIRE(listed == 0);
    std::set<std::string> created;
    const auto tickets = json::parse(list);
    for (const auto& t : tickets.as_array()) created.insert(std::string(t.at("created_at").as_string()));
    CHECK(created.count("2024-03-11T08:00:00Z") == 1);
    CHECK(created.count("2024-10-27T00:50:00Z") == 1);

    auto [bad, why] = run_command({TRIAGE_CLI_PATH, "import-cdr", "--format", "asterisk", "--tz", "Europe/Atlantis",
                                   file.string(), "--data-dir", data});
    CHECK(bad == 2);
    CHECK(why.find("Europe/Atlantis") != std::string::npos);
    auto [unknown, none] = run_command({TRIAGE_CLI_PATH, "import-cdr", "--source", "tll", file.string(), "--config",
                                        config.string(), "--data-dir", data});
    CHECK(unknown == 2);
    CHECK(none.find("no CDR source 'tll'") != std::string::npos);
}

TEST_CASE("a call-back ticket from a live CDR is routed and timed like any new ticket; an old one is history") {
    TempDir dir;
    auto stamp = [](std::chrono::system_clock::time_point t) {
        const std::time_t tt = std::chrono::system_clock::to_time_t(t);
        std::tm tm{};
        gmtime_r(&tt, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
        return std::string(buf);
    };
    const auto now = std::chrono::system_clock::now() - std::chrono::minutes(5);
    auto row = [&](const std::string& number, const std::string& start, const std::string& id) {
        return "\"\",\"" + number + "\",\"600\",\"ext-queues\",\"\"\"Soittaja\"\" <" + number + ">\",\"c\",\"\",\"Queue\",\"q\",\"" +
               start + "\",,\"" + start + "\",20,0,\"NO ANSWER\",\"OMIT\",\"" + id + "\",\"\"\n";
    };
    auto file = dir.path() / "Master.csv";
    std::ofstream(file) << row("+358401234567", stamp(now), "live.1") << row("+358451234567", "2024-03-11 10:00:00", "old.1");
    const auto data = (dir.path() / "data").string();
    const auto config = std::string(TRIAGE_SOURCE_DIR) + "/examples/triage.yaml";
    auto [code, out] = run_command({TRIAGE_CLI_PATH, "import-cdr", "--format", "asterisk", file.string(), "--config", config,
                                    "--data-dir", data});
    CAPTURE(out);
    REQUIRE(code == 0);
    auto [listed, list] = run_command({TRIAGE_CLI_PATH, "ticket", "list", "--json", "--data-dir", data});
    REQUIRE(listed == 0);
    CAPTURE(list);
    const auto tickets = json::parse(list).as_array();
    REQUIRE(tickets.size() == 2);
    for (const auto& t : tickets) {
        const bool live = t.at("subject").as_string().find("+358401234567") != std::string::npos;
        CAPTURE(live);
        auto [shown, show] = run_command({TRIAGE_CLI_PATH, "ticket", "show", std::to_string(t.at("id").as_int64()), "--json",
                                          "--data-dir", data});
        REQUIRE(shown == 0);
        std::set<std::string> types;
        const auto shown_ticket = json::parse(show);
        for (const auto& e : shown_ticket.at("events").as_array()) types.insert(std::string(e.at("type").as_string()));
        CAPTURE(show);
        CHECK(types.count("sla_started") == (live ? 1u : 0u));
        // The example desk routes a new ticket to an agent on shift, or waits for one (the
        // agents' shifts follow the wall clock, so which of the two depends on the hour).
        const bool routed = !t.at("assignee_id").is_null() || types.count("routing_waiting") == 1;
        CHECK(routed == live);
    }
}
