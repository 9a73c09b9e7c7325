// The weekly report email: composed with GMime, read back with GMime; its schedule across DST.
#include "channels/mime_gobject.hpp"
#include "engine/time_format.hpp"
#include "server/weekly_report.hpp"

#include <doctest/doctest.h>

using namespace triage;
using namespace triage::server;

namespace {

std::string part_text(GMimePart* part) {
    auto stream = channels::adopt(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(part), GMIME_STREAM(stream.get()));
    return std::string(channels::stream_bytes(GMIME_STREAM_MEM(stream.get())));
}

}  // namespace

TEST_CASE("the weekly email carries the HTML summary and every CSV byte for byte") {
    WeeklyReport report;
    report.subject = "Help desk weekly report 2026-11-23 – 2026-11-29";
    report.week = "2026-11-23";
    report.html = "<html><body><h1>Viikko</h1><p>Rēķini &amp; Šūna</p>";
    for (int i = 0; i < 200; ++i) report.html += "<td>jono " + std::to_string(i) + "</td>";  // one long line
    report.html += "</body></html>\n";
    report.attachments = {{"frequency-by-day.csv", "day,tickets\r\n2026-11-23,5\r\n"},
                          {"sla-by-queue.csv", "queue,compliance_pct\r\n\"Rīgas \"\"Ūdens\"\", SIA\",97.5\r\n"}};
    const auto raw = compose_weekly_email(report, "reports@triage.example", {"jaan.kask@triage.example", "boss@triage.example"},
                                          *parse_rfc3339("2026-11-30T05:00:00Z"));
    // No line over RFC 5322's 998 bytes, however long the page's lines are.
    std::size_t longest = 0;
    for (std::size_t at = 0; at < raw.size();) {
        const auto end = std::min(raw.find('\n', at), raw.size());
        longest = std::max(longest, end - at);
        at = end + 1;
    }
    CHECK(longest <= 998);
    channels::ensure_gmime();
    auto stream = channels::adopt(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
    auto parser = channels::adopt(g_mime_parser_new_with_stream(stream.get()));
    auto message = channels::adopt(g_mime_parser_construct_message(parser.get(), nullptr));
    REQUIRE(message);
    CHECK(std::string(g_mime_message_get_subject(message.get())) == report.subject);
    channels::GCharPtr to(internet_address_list_to_string(g_mime_message_get_to(message.get()), nullptr, FALSE));
    CHECK(std::string(to.get()) == "jaan.kask@triage.example, boss@triage.example");
    auto* mixed = GMIME_MULTIPART(g_mime_message_get_mime_part(message.get()));
    REQUIRE(mixed);
    REQUIRE(g_mime_multipart_get_count(mixed) == 3);
    auto* html = GMIME_TEXT_PART(g_mime_multipart_get_part(mixed, 0));
    channels::GCharPtr text(g_mime_text_part_get_text(html));
    CHECK(std::string(text.get()) == report.html);
    for (int i = 0; i < 2; ++i) {
        auto* part = GMIME_PART(g_mime_multipart_get_part(mixed, i + 1));
        CHECK(std::string(g_mime_part_get_filename(part)) == report.attachments[static_cast<std::size_t>(i)].first);
        channels::GCharPtr mime_type(g_mime_content_type_get_mime_type(g_mime_object_get_content_type(GMIME_OBJECT(part))));
        CHECK(std::string(mime_type.get()) == "text/csv");
        CHECK(part_text(part) == report.attachments[static_cast<std::size_t>(i)].second);
    }
}

TEST_CASE("the weekly report is scheduled in the configured zone, across the start of summer time") {
    using std::chrono::minutes;
    // Mondays 07:00 in Helsinki: 05:00Z in winter, 04:00Z in summer; strictly after now.
    CHECK(format_rfc3339(next_weekly_run(*parse_rfc3339("2026-11-30T05:00:00Z"), std::chrono::Monday, minutes{420},
                                         "Europe/Helsinki")) == "2026-12-07T05:00:00Z");
    CHECK(format_rfc3339(next_weekly_run(*parse_rfc3339("2026-11-30T04:59:00Z"), std::chrono::Monday, minutes{420},
                                         "Europe/Helsinki")) == "2026-11-30T05:00:00Z");
    CHECK(format_rfc3339(next_weekly_run(*parse_rfc3339("2026-03-24T12:00:00Z"), std::chrono::Monday, minutes{420},
                                         "Europe/Helsinki")) == "2026-03-30T04:00:00Z");
    // Sunday 03:30 does not exist on 29 March 2026 (03:00 -> 04:00): it runs when the clocks jump.
    CHECK(format_rfc3339(next_weekly_run(*parse_rfc3339("2026-03-28T12:00:00Z"), std::chrono::Sunday, minutes{210},
                                         "Europe/Helsinki")) == "2026-03-29T01:00:00Z");
}
