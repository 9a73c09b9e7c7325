// Blobs in the database on SQLite: ReadOps' lookup and Tx's insert for the `blobs` table
// (StoreReader::blob, StoreTx::put_blob), kept apart from the ticket queries.
#include "storage/sqlite_reader.hpp"
#include "storage/sqlite_tx.hpp"

namespace triage::sqlite {

template <class Base>
std::optional<std::string> ReadOps<Base>::blob(std::string_view sha256) {
    auto row = connection().query("SELECT bytes FROM blobs WHERE sha256 = ?1");
    row.bind_all(sha256);
    if (!row.step()) return std::nullopt;
    return std::string{row.blob_view(0)};
}

template std::optional<std::string> ReadOps<StoreReader>::blob(std::string_view);
template std::optional<std::string> ReadOps<StoreTx>::blob(std::string_view);

void Tx::put_blob(std::string_view sha256, std::string_view bytes) {
    // Content-addressed: the same hash is the same bytes, already kept.
    auto row = connection().query(
        "INSERT INTO blobs (sha256, size, bytes) VALUES (?1, ?2, ?3) ON CONFLICT (sha256) DO NOTHING");
    row.bind_all(sha256, static_cast<std::int64_t>(bytes.size()));
    row.bind_blob(3, bytes);
    row.run();
}

}  // namespace triage::sqlite
