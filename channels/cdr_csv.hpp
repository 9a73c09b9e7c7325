// CDR import: PBX call-detail records in CSV (Asterisk cdr_csv Master.csv, 17-21 columns
// with loguniqueid=yes; FreeSWITCH mod_cdr_csv `example` template) become PhoneCalls.
// Rows of one call (a queue writes one row per agent attempt, all with the same unique id)
// are merged into one call; bad rows are reported with their line numbers and skipped.
// Times are read in the source's PBX time zone (channels/pbx_time.hpp; UTC by default, as
// Asterisk writes with usegmtime=yes), or as Unix epochs. Pure; thread-safe.
#pragma once

#include "channels/pbx_time.hpp"
#include "engine/phone_call.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace triage::channels {

enum class CdrFormat { asterisk, freeswitch };
std::optional<CdrFormat> parse_cdr_format(std::string_view s) noexcept;

struct CdrOptions {
    CdrFormat format = CdrFormat::asterisk;
    std::string region = "FI";              // for national numbers
    std::vector<std::string> support_lines;  // called numbers/extensions that are support; empty = all
    PbxTimeZone time_zone;                   // the zone of the PBX's wall-clock times; default UTC
};

struct CdrRowError {
    std::size_t line = 0;  // 1-based
    std::string message;
};

struct CdrBatch {
    std::vector<PhoneCall> calls;       // one per unique id, in file order of first row
    std::vector<std::size_t> first_line;  // line of each call's first row
    std::vector<CdrRowError> errors;
    std::size_t rows = 0;               // good rows read
    std::size_t skipped_rows = 0;       // good rows that are no call for the desk (fax, internal)
    std::vector<CdrRowError> skipped;   // those rows: line and why
};

// Splits one CSV record (RFC 4180 quoting: "" inside quotes is a quote). Returns false on
// an unterminated quote or text after a closing quote.
bool split_csv_line(std::string_view line, std::vector<std::string>& fields);

// Reads a whole file's bytes. `raw_sha256` (the kept file) is set on every call.
CdrBatch parse_cdr(std::string_view bytes, const CdrOptions& options, const std::string& raw_sha256 = {});

// parse_cdr in steps, so a file's first calls can be filed while the rest is still read. A
// first pass over the file notes the last row of each unique id; a call is handed out once
// the reader has passed that row, so no later row can change it. The calls come out in the
// order parse_cdr gives them, each exactly as parse_cdr makes it (raw_sha256 left empty).
// `bytes` must outlive the reader.
class CdrReader {
public:
    CdrReader(std::string_view bytes, const CdrOptions& options);
    ~CdrReader();
    CdrReader(const CdrReader&) = delete;
    CdrReader& operator=(const CdrReader&) = delete;

    // Reads up to `lines` more lines; false once the whole file is read.
    bool read(std::size_t lines);
    // Moves the calls complete so far (and their first lines) to the end of `into`; errors,
    // rows, skipped_rows and skipped accumulate in `into` as the reader finds them.
    void take(CdrBatch& into);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace triage::channels
