// Integration: raw messages and attachments taken in over SMTP by the real triaged are kept —
// small ones in the database's blobs table, committed with the ticket, large ones as files —
// and download byte for byte through the API, also after a restart.
#include "tests/support/triaged_process.hpp"

#include "storage/tiered_blob_store.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <regex>

#include <fstream>

using namespace triage::test;
namespace json = boost::json;
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// One SMTP session delivering `data` (already dot-stuffed, CRLF lines); returns the last reply.
std::string deliver(int port, const std::string& data) {
    asio::io_context ioc;
    asio::ip::tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    asio::streambuf in;
    auto reply = [&] {
        std::string line;
        do {
            asio::read_until(socket, in, "\r\n");
            std::istream is(&in);
            std::getline(is, line);
        } while (line.size() > 3 && line[3] == '-');
        return line;
    };
    auto send = [&](const std::string& s) { asio::write(socket, asio::buffer(s)); };
    reply();
    send("EHLO blobs.test\r\n");
    reply();
    send("MAIL FROM:<kati@example.ee>\r\n");
    reply();
    send("RCPT TO:<support@triage.test>\r\n");
    reply();
    send("DATA\r\n");
    reply();
    send(data + ".\r\n");
    auto accepted = reply();
    send("QUIT\r\n");
    reply();
    return accepted;
}

// Base64 in 76-character lines, as a mail client writes an attachment.
std::string base64_lines(const std::string& bytes) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out, line;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
        line += k[(v >> 18) & 63];
        line += k[(v >> 12) & 63];
        line += i + 1 < bytes.size() ? k[(v >> 6) & 63] : '=';
        line += i + 2 < bytes.size() ? k[v & 63] : '=';
        if (line.size() >= 76) {
            out += line + "\r\n";
            line.clear();
        }
    }
    if (!line.empty()) out += line + "\r\n";
    return out;
}

std::string binary_bytes(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 7 + (i >> 7)) & 0xff);
    return s;
}

}  // namespace

TEST_CASE("attachments and the raw message kept by the intake's commit download byte for byte, small and large") {
    TempDir dir;
    auto config = dir.path() / "triage.yaml";
    // A low inline limit, so one attachment is a database row and the other a file.
    std::ofstream(config) << "storage:\n  inline_blob_limit: 65536\nemail:\n  hostname: mx.triage.test\n"
                             "  mailboxes:\n    support@triage.test: support\n";
    auto port_file = dir.path() / "smtp-port";
    const std::vector<std::string> args{"--config", config.string(), "--smtp", "127.0.0.1:0", "--smtp-port-file",
                                        port_file.string()};
    const std::string small = binary_bytes(3000, 1), large = binary_bytes(200000, 2);
    const std::string mail =
        "From: Kati Tamm <kati@example.ee>\r\nTo: support@triage.test\r\nMessage-ID: <blobs-1@example.ee>\r\n"
        "Subject: Arve ja leping\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTere, arve ja leping on lisatud.\r\n"
        "--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"arve.bin\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" +
        base64_lines(small) +
        "--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"leping.bin\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" +
        base64_lines(large) + "--b1--\r\n";

    auto check_downloads = [&](TriagedProcess& server) {
        auto messages =
            json::parse(server.request("GET", "/api/v1/tickets/1/messages").body).at("messages").as_array();
        REQUIRE(messages.size() == 1);
        auto attachments = messages[0].at("attachments").as_array();
        REQUIRE(attachments.size() == 2);
        std::map<std::string, std::string> got;
        for (const auto& a : attachments) {
            auto res = server.request("GET", "/api/v1/tickets/1/attachments/" + std::string(a.at("sha256").as_string()));
            CHECK(res.status == 200);
            got[std::string(a.at("filename").as_string())] = res.body;
        }
        CHECK(got["arve.bin"] == small);
        CHECK(got["leping.bin"] == large);
        auto missing = server.request("GET", "/api/v1/tickets/1/attachments/" + std::string(64, '0'));
        CHECK(missing.status == 404);
    };
    {
        TriagedProcess server(dir.path(), args);
        int smtp_port = 0;
        std::ifstream(port_file) >> smtp_port;
        REQUIRE(smtp_port > 0);
        auto reply = deliver(smtp_port, mail);
        CAPTURE(reply);
        REQUIRE(reply.starts_with("250"));
        check_downloads(server);

        // A short mail: its raw bytes (with our Received: line) are a row of the table.
        reply = deliver(smtp_port, "From: Kati Tamm <kati@example.ee>\r\nTo: support@triage.test\r\n"
                                   "Message-ID: <blobs-2@example.ee>\r\nSubject: Veel\r\n\r\nAitah!\r\n");
        REQUIRE(reply.starts_with("250"));
        std::size_t rows = 0, files = 0;
        bool short_raw_in_table = false;
        std::string received;  // our trace line, as stored
        triage::TieredBlobStore::for_each_blob(dir.path(), [&](std::string_view sha, std::string_view bytes) {
            const bool file = fs::exists(dir.path() / "blobs" / std::string(sha.substr(0, 2)) / std::string(sha.substr(2)));
            rows += !file;
            if (!file && bytes.find("Message-ID: <blobs-2@example.ee>") != std::string_view::npos &&
                bytes.find("Received: from blobs.test") != std::string_view::npos)
                short_raw_in_table = true;
            if (const auto at = bytes.find("Received: from blobs.test"); at != std::string_view::npos)
                received = std::string(bytes.substr(at, bytes.find('\r', at) - at));
            return true;
        });
        for (const auto& f : fs::recursive_directory_iterator(dir.path() / "blobs"))
            if (f.is_regular_file()) ++files;
        CHECK(short_raw_in_table);
        // RFC 5321 section 4.4: "with ESMTP" after EHLO, then an RFC 5322 date.
        CAPTURE(received);
        CHECK(std::regex_search(received, std::regex{R"( with ESMTP; (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000$)"}));
        CHECK(rows == 2);   // the small attachment and the short mail's raw bytes
        CHECK(files == 2);  // the large attachment and the first mail's raw bytes, which hold it
        CHECK(server.stop() == 0);
    }
    TriagedProcess again(dir.path(), args);  // durable: the same bytes after a restart
    check_downloads(again);
}
