#include "storage/tiered_blob_store.hpp"

#include "storage/sha256.hpp"
#include "storage/sqlite_connection.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>

namespace triage {
namespace {

bool is_sha256_hex(std::string_view s) {
    return s.size() == 64 &&
           std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

TieredBlobStore::TieredBlobStore(Store& store, std::filesystem::path files_root, std::size_t inline_limit)
    : store_(store), files_(std::move(files_root)), inline_limit_(inline_limit) {}

std::string TieredBlobStore::put(std::string_view bytes) {
    if (bytes.size() > inline_limit_) return files_.put(bytes);
    std::string hash = sha256_hex(bytes);
    write_sync(store_, [&](StoreTx& tx) { tx.put_blob(hash, bytes); });
    return hash;
}

PendingBlob TieredBlobStore::stage(std::shared_ptr<const std::string> bytes) {
    if (bytes->size() > inline_limit_) return {files_.put(*bytes), nullptr};
    std::string hash = sha256_hex(*bytes);
    return {std::move(hash), std::move(bytes)};
}

std::optional<std::string> TieredBlobStore::get(std::string_view sha256) {
    if (!is_sha256_hex(sha256)) return std::nullopt;
    if (auto kept = store_.reader()->blob(sha256)) return kept;
    return files_.get(sha256);
}

void TieredBlobStore::for_each_blob(const std::filesystem::path& data_dir,
                                    const std::function<bool(std::string_view, std::string_view)>& fn) {
    namespace fs = std::filesystem;
    if (fs::exists(data_dir / "triage.db")) {
        sqlite::Connection db{(data_dir / "triage.db").string(), sqlite::Connection::Mode::read_only};
        const bool has_table =
            db.query_int64("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'blobs'") > 0;
        if (has_table) {
            auto rows = db.query("SELECT sha256, bytes FROM blobs ORDER BY rowid");
            while (rows.step())
                if (!fn(rows.text_view(0), rows.blob_view(1))) return;
        }
    }
    if (!fs::exists(data_dir / "blobs")) return;
    for (const auto& f : fs::recursive_directory_iterator(data_dir / "blobs")) {
        if (!f.is_regular_file() || f.path().filename().string().starts_with(".tmp-")) continue;
        const std::string sha = f.path().parent_path().filename().string() + f.path().filename().string();
        std::ifstream in(f.path(), std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!fn(sha, bytes)) return;
    }
}

}  // namespace triage
