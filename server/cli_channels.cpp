#include "server/cli_channels.hpp"

#include "server/app.hpp"
#include "server/phone_intake.hpp"

#include <fmt/format.h>
#include <fstream>
#include <stdexcept>

namespace triage::server {

int import_cdr_command(const Config& config, const std::string& format, const std::string& file, std::ostream& out,
                       std::ostream& err) {
    auto cdr_format = channels::parse_cdr_format(format);
    if (!cdr_format) {
        err << fmt::format("triage: import-cdr needs --format asterisk or --format freeswitch{}\n",
                           format.empty() ? "" : fmt::format(", not '{}'", format));
        return 2;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error(fmt::format("{}: cannot read the file", file));
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SystemClock clock;
    auto app = App::open(config, clock);
    auto report = import_cdr(*app, std::move(bytes), *cdr_format);
    app->stop();
    for (const auto& line : report.notes) out << line << "\n";
    for (const auto& e : report.errors) err << fmt::format("triage: {}:{}: {}; row skipped\n", file, e.line, e.message);
    out << fmt::format("{} rows, {} calls: {} filed ({} call-backs), {} already imported, {} skipped, {} bad rows\n",
                       report.rows, report.calls, report.filed, report.call_backs, report.duplicates, report.skipped,
                       report.errors.size());
    return report.errors.empty() ? 0 : 2;
}

}  // namespace triage::server
