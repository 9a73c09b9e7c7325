#include "storage/tiered_blob_store.hpp"

#include "engine/intake.hpp"
#include "storage/file_blob_store.hpp"
#include "storage/sha256.hpp"
#include "storage/sqlite_store.hpp"

#include "tests/support/result_printer.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>

using namespace triage;
namespace fs = std::filesystem;

namespace {

struct DataDir {
    fs::path path;
    DataDir() {
        static std::atomic<int> next{0};
        path = fs::temp_directory_path() /
               ("triage-tiered-blob-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~DataDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::size_t files_under(const fs::path& root) {
    std::size_t n = 0;
    if (!fs::exists(root)) return 0;
    for (const auto& entry : fs::recursive_directory_iterator(root))
        if (entry.is_regular_file()) ++n;
    return n;
}

// A data directory as App::open makes it: triage.db and the blob store over it and blobs/.
struct Desk {
    DataDir dir;
    std::unique_ptr<SqliteStore> store = SqliteStore::open(dir.path / "triage.db", SqliteOptions{.durable = false});
    TieredBlobStore blobs;
    explicit Desk(std::size_t inline_limit = kInlineBlobLimit) : blobs(*store, dir.path / "blobs", inline_limit) {}

    // Every blob the data directory holds, by hash (table and files).
    std::map<std::string, std::string> all() {
        std::map<std::string, std::string> out;
        TieredBlobStore::for_each_blob(dir.path, [&](std::string_view sha, std::string_view bytes) {
            CHECK(out.emplace(std::string(sha), std::string(bytes)).second);  // each blob once
            return true;
        });
        return out;
    }
};

}  // namespace

TEST_CASE("a small staged blob is kept by the unit of work that names it and reads back, with no file") {
    Desk desk;
    const std::string bytes = "Return-Path: <a@b.fi>\r\nSubject: hei\r\n\r\nbody\xff\x00 binary too";
    PendingBlob blob = desk.blobs.stage(bytes);
    CHECK(blob.sha256 == sha256_hex(bytes));
    REQUIRE(blob.bytes);
    CHECK(*blob.bytes == bytes);
    CHECK_FALSE(desk.blobs.get(blob.sha256));  // nothing is kept before the unit commits

    write_sync(*desk.store, [&](StoreTx& tx) {
        tx.put_blob(blob.sha256, *blob.bytes);
        CHECK(tx.blob(blob.sha256) == bytes);  // the unit reads its own write
    });
    CHECK(desk.blobs.get(blob.sha256) == bytes);
    CHECK(files_under(desk.dir.path / "blobs") == 0);
}

TEST_CASE("the same bytes put in several units, or twice in one, are one blob") {
    Desk desk;
    PendingBlob a = desk.blobs.stage(std::string("liite.pdf bytes"));
    PendingBlob b = desk.blobs.stage(std::string("liite.pdf bytes"));
    CHECK(a.sha256 == b.sha256);
    write_sync(*desk.store, [&](StoreTx& tx) {
        tx.put_blob(a.sha256, *a.bytes);
        tx.put_blob(b.sha256, *b.bytes);
    });
    write_sync(*desk.store, [&](StoreTx& tx) { tx.put_blob(a.sha256, *a.bytes); });
    CHECK(desk.blobs.put("liite.pdf bytes") == a.sha256);
    auto all = desk.all();
    CHECK(all.size() == 1);
    CHECK(all[a.sha256] == "liite.pdf bytes");
}

TEST_CASE("an empty blob is kept as zero bytes, not as nothing") {
    Desk desk;
    PendingBlob blob = desk.blobs.stage(std::string());
    write_sync(*desk.store, [&](StoreTx& tx) { tx.put_blob(blob.sha256, *blob.bytes); });
    auto got = desk.blobs.get(blob.sha256);
    REQUIRE(got);
    CHECK(got->empty());
}

TEST_CASE("a blob above the inline limit is a durable file at once and never enters the database") {
    Desk desk{16};
    const std::string large(17, 'x');
    PendingBlob blob = desk.blobs.stage(large);
    CHECK_FALSE(blob.bytes);  // nothing left for the unit to write
    CHECK(fs::exists(desk.dir.path / "blobs" / blob.sha256.substr(0, 2) / blob.sha256.substr(2)));
    CHECK(desk.blobs.get(blob.sha256) == large);
    CHECK_FALSE(desk.store->reader()->blob(blob.sha256));
    CHECK(desk.blobs.put(std::string(16, 'y')) == sha256_hex(std::string(16, 'y')));  // at the limit: the table
    CHECK(desk.store->reader()->blob(sha256_hex(std::string(16, 'y'))) == std::string(16, 'y'));
    CHECK(files_under(desk.dir.path / "blobs") == 1);
}

TEST_CASE("a unit that is rolled back keeps none of its blobs") {
    Desk desk;
    PendingBlob blob = desk.blobs.stage(std::string("refused post"));
    desk.store->post_write(
        [&](StoreTx& tx) {
            tx.put_blob(blob.sha256, *blob.bytes);
            return false;  // refused: its writes are undone
        },
        [](std::exception_ptr) {});
    bool thrown = false;
    try {
        write_sync(*desk.store, [&](StoreTx& tx) {
            tx.put_blob(blob.sha256, *blob.bytes);
            throw std::runtime_error("the unit failed");
        });
    } catch (const std::runtime_error&) {
        thrown = true;
    }
    CHECK(thrown);
    write_sync(*desk.store, [](StoreTx&) {});  // after both
    CHECK_FALSE(desk.blobs.get(blob.sha256));
    CHECK(desk.all().empty());
}

TEST_CASE("blobs written as files before the table existed still read") {
    DataDir dir;
    std::string old_hash;
    {
        FileBlobStore old{dir.path / "blobs"};
        old_hash = old.put("an email from last year");
    }
    auto store = SqliteStore::open(dir.path / "triage.db", SqliteOptions{.durable = false});
    TieredBlobStore blobs{*store, dir.path / "blobs"};
    CHECK(blobs.get(old_hash) == "an email from last year");
    CHECK_FALSE(blobs.get(sha256_hex("never stored")));
    CHECK_FALSE(blobs.get("../../etc/passwd"));  // not a hash: never a path
    CHECK_FALSE(blobs.get(std::string(64, 'A')));
}

TEST_CASE("intake keeps an enquiry's staged blobs in its transaction, whatever the outcome") {
    Desk desk;
    ManualClock clock{Timestamp{std::chrono::hours(24 * 20000)}};
    Intake intake{clock};
    auto enquiry = [&](std::string message_id, std::string raw, EnquiryKind kind = EnquiryKind::message) {
        Enquiry e;
        e.channel = Channel::email;
        e.kind = kind;
        e.external_id = std::move(message_id);
        e.sender.push_back({IdentityKind::email, "matti@posti.example.fi"});
        e.subject = "Lasku puuttuu";
        e.text = "Hei";
        PendingBlob blob = desk.blobs.stage(std::move(raw));
        e.raw_sha256 = blob.sha256;
        e.blobs.push_back(std::move(blob));
        PendingBlob attachment = desk.blobs.stage(std::string("%PDF-1.4 lasku"));
        e.attachments.push_back({"lasku.pdf", "application/pdf", 14, attachment.sha256});
        e.blobs.push_back(std::move(attachment));
        return e;
    };
    auto accept = [&](const Enquiry& e) { return write_sync(*desk.store, [&](StoreTx& tx) { return intake.accept(tx, e); }); };

    auto first = accept(enquiry("<a@x>", "raw one"));
    REQUIRE(first);
    CHECK(first->created);
    CHECK(desk.blobs.get(sha256_hex("raw one")) == "raw one");
    auto messages = desk.store->reader()->messages(first->ticket.id);
    REQUIRE(messages.size() == 1);
    CHECK(desk.blobs.get(messages[0].raw_sha256) == "raw one");
    REQUIRE(messages[0].attachments.size() == 1);
    CHECK(desk.blobs.get(messages[0].attachments[0].sha256) == "%PDF-1.4 lasku");

    // The same Message-ID delivered again (another Received: line): one message, both raws kept.
    auto again = accept(enquiry("<a@x>", "raw one, second delivery"));
    REQUIRE(again);
    CHECK(again->duplicate);
    CHECK(desk.blobs.get(sha256_hex("raw one, second delivery")));

    // A bounce that matches no ticket writes no ticket, but its raw bytes are kept.
    auto bounce = accept(enquiry("<bounce@x>", "raw bounce", EnquiryKind::bounce));
    REQUIRE(bounce);
    CHECK(bounce->unthreaded);
    CHECK(desk.blobs.get(sha256_hex("raw bounce")) == "raw bounce");
    CHECK(desk.all().size() == 4);  // three raws and one attachment, deduplicated
    CHECK(files_under(desk.dir.path / "blobs") == 0);
}
