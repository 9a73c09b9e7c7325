#include "tests/support/mail_server.hpp"

#include "storage/tiered_blob_store.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace triage::test {
namespace json = boost::json;
namespace asio = boost::asio;

MailServer::MailServer(const std::filesystem::path& dir, const std::string& yaml, std::vector<std::string> extra_args) {
    auto config = dir / "triage.yaml";
    std::ofstream(config) << yaml;
    auto port_file = dir / "smtp-port";
    std::filesystem::remove(port_file);
    std::vector<std::string> args{"--config", config.string(), "--smtp", "127.0.0.1:0", "--smtp-port-file",
                                  port_file.string()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    process = std::make_unique<TriagedProcess>(dir, std::move(args));
    std::ifstream(port_file) >> smtp_port;
    REQUIRE(smtp_port > 0);
}

json::value MailServer::get(const std::string& target) const {
    auto r = process->request("GET", target);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
}
json::array MailServer::tickets() const { return get("/api/v1/tickets?limit=200").at("tickets").as_array(); }
json::array MailServer::messages(std::int64_t id) const {
    return get("/api/v1/tickets/" + std::to_string(id) + "/messages").at("messages").as_array();
}
json::array MailServer::events(std::int64_t id) const {
    return get("/api/v1/tickets/" + std::to_string(id) + "/events").at("events").as_array();
}
int MailServer::count_events(std::int64_t id, std::string_view type) const {
    int n = 0;
    for (const auto& e : events(id))
        if (e.at("type").as_string() == type) ++n;
    return n;
}

bool eventually(const std::function<bool()>& done, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return done();
}

std::string send_mail(int port, const std::string& from, const std::string& to, const std::string& data) {
    asio::io_context ioc;
    asio::ip::tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    asio::streambuf in;
    auto reply = [&]() -> std::string {
        std::string line;
        boost::system::error_code ec;
        do {
            asio::read_until(socket, in, "\r\n", ec);
            if (ec) return "";
            std::istream is(&in);
            std::getline(is, line);
        } while (line.size() > 3 && line[3] == '-');
        return line;
    };
    auto send = [&](const std::string& s) {
        boost::system::error_code ec;
        asio::write(socket, asio::buffer(s), ec);
    };
    reply();
    send("EHLO client.example.fi\r\n");
    reply();
    send("MAIL FROM:<" + from + ">\r\n");
    reply();
    send("RCPT TO:<" + to + ">\r\n");
    if (auto r = reply(); !r.starts_with("250")) return r;
    send("DATA\r\n");
    reply();
    send(data + "\r\n.\r\n");
    auto accepted = reply();
    if (!accepted.empty()) {
        send("QUIT\r\n");
        reply();
    }
    return accepted;
}

namespace {

// Every blob the data directory keeps: the database's table (small ones), then the files.
template <class Fn>
void for_each_raw(const std::filesystem::path& data_dir, Fn&& fn) {
    TieredBlobStore::for_each_blob(data_dir, [&](std::string_view, std::string_view view) {
        std::string bytes(view);
        return fn(bytes);
    });
}

}  // namespace

std::string raw_containing(const std::filesystem::path& data_dir, const std::string& needle) {
    std::string found;
    for_each_raw(data_dir, [&](std::string& bytes) {
        if (bytes.find(needle) == std::string::npos) return true;
        found = std::move(bytes);
        return false;
    });
    return found;
}

std::string header(const std::string& raw, std::string name) {
    auto lower = [](std::string s) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    std::string head = raw.substr(0, raw.find("\r\n\r\n"));
    std::istringstream lines(head);
    std::string line, value;
    bool in_value = false;
    name = lower(name) + ":";
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (in_value && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            value += " " + line.substr(line.find_first_not_of(" \t"));
            continue;
        }
        if (in_value) return value;
        if (lower(line.substr(0, name.size())) == name) {
            in_value = true;
            value = line.substr(line.find_first_not_of(" \t", name.size()));
        }
    }
    return value;
}

}  // namespace triage::test
