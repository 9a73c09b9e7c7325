// The group-commit writer alone, without HTTP: ticket-creating units posted from four
// threads straight to SqliteStore. Run by `make bench` after api_bench; prints its figures.
// BENCH_NONDURABLE=1 measures without the fsync per commit.
#include "storage/sqlite_store.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

using namespace triage;
namespace fs = std::filesystem;

int main() {
    int status = 0;
    constexpr int kThreads = 4;
    constexpr int kUnits = 100'000;
    const fs::path dir = fs::temp_directory_path() / ("triage-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    {
        auto store = SqliteStore::open(dir / "bench.db", {.durable = std::getenv("BENCH_NONDURABLE") == nullptr, .readers = 1});
        const Timestamp now{std::chrono::milliseconds{1'700'000'000'000}};
        const std::string body =
            "Hei, tilasin tuotteen viime viikolla mutta lasku tuli kahteen kertaan. Voitteko tarkistaa "
            "asian ja hyvittää toisen veloituksen? Terveisin Päivi";
        std::atomic<int> finished{0};
        std::atomic<int> failed{0};
        std::promise<void> all_done;

        auto cpu_seconds = [] {
            rusage usage{};
            getrusage(RUSAGE_SELF, &usage);
            return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                   static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
        };
        const double cpu_start = cpu_seconds();
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = t; i < kUnits; i += kThreads) {
                    store->post_write(
                        [&, i](StoreTx& tx) {
                            Customer c;
                            c.name = "Päivi Asiakas";
                            c.identities.push_back({IdentityKind::email, "c" + std::to_string(i) + "@example.fi"});
                            c.created_at = now;
                            tx.insert_customer(c);
                            Ticket ticket;
                            ticket.subject = "Lasku kahteen kertaan";
                            ticket.requester_id = c.id;
                            ticket.channel = Channel::email;
                            ticket.queue = "billing";
                            ticket.tags = {"lasku"};
                            ticket.created_at = ticket.updated_at = now;
                            tx.insert_ticket(ticket);
                            Message m;
                            m.ticket_id = ticket.id;
                            m.body = body;
                            m.channel = Channel::email;
                            m.external_id = "<" + std::to_string(i) + "@mail.example.fi>";
                            m.created_at = now;
                            tx.insert_message(m);
                            TicketEvent e;
                            e.ticket_id = ticket.id;
                            e.at = now;
                            e.actor = "customer:" + std::to_string(c.id);
                            e.type = "created";
                            e.changes = {{"status", "", "new"}};
                            tx.append_event(e);
                            return true;
                        },
                        [&](std::exception_ptr error) {
                            if (error) ++failed;
                            if (++finished == kUnits) all_done.set_value();
                        });
                }
            });
        }
        for (auto& th : threads) th.join();
        all_done.get_future().wait();
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        const double cpu = cpu_seconds() - cpu_start;
        // CPU time too: on a shared machine the wall-clock rate depends on the neighbours.
        std::printf("store writer: %d ticket-creating units (customer, ticket, message, event) from %d threads,\n"
                    "  durable group commits: %.2f s, %.0f units/s; %.2f CPU s (%.1f us per unit); failed %d\n",
                    kUnits, kThreads, took.count(), kUnits / took.count(), cpu, cpu * 1e6 / kUnits, failed.load());
        if (failed != 0) status = 1;
    }
    fs::remove_all(dir);
    return status;
}
