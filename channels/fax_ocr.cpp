#include "channels/fax_ocr.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <random>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <vector>

extern char** environ;

namespace triage::channels {
namespace {

constexpr const char* kLanguages = "eng+fin+est+lav";
constexpr int kMaxPages = 50;
constexpr auto kToolTimeout = std::chrono::seconds(120);  // a hostile image must not hang intake

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / fmt::format("triage-ocr-{:016x}", (std::uint64_t{rd()} << 32) | rd());
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

void write_file(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs a tool (found on PATH) with stdout and stderr to /dev/null; "" when it exited 0, else why not.
std::string run_tool(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    // Tesseract's OpenMP threads would only fight over the cores the server already uses.
    std::vector<std::string> env_strings{"OMP_THREAD_LIMIT=1"};
    for (char** e = environ; e && *e; ++e)
        if (!std::string_view(*e).starts_with("OMP_THREAD_LIMIT=")) env_strings.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int rc = posix_spawnp(&pid, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return fmt::format("{} could not be started", args[0]);
    const auto deadline = std::chrono::steady_clock::now() + kToolTimeout;
    int status = 0;
    for (auto nap = std::chrono::milliseconds(2);; nap = std::min(nap * 2, std::chrono::milliseconds(100))) {
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0) return fmt::format("{} vanished", args[0]);
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return fmt::format("{} took longer than {} s and was stopped", args[0], kToolTimeout.count());
        }
        std::this_thread::sleep_for(nap);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return fmt::format("{} failed", args[0]);
    return {};
}

// pdftoppm (poppler) rasterises each page to PNG at fax resolution.
std::vector<std::filesystem::path> rasterise_pdf(std::string_view pdf, const TempDir& dir, std::string& error) {
    auto input = dir.path / "fax.pdf";
    write_file(input, pdf);
    std::string prefix = (dir.path / "page").string();
    if (auto failed = run_tool({"pdftoppm", "-r", "200", "-gray", "-png", "-l", std::to_string(kMaxPages), input.string(), prefix});
        !failed.empty()) {
        error = failed.find("started") != std::string::npos ? "pdftoppm (poppler-utils) could not be started"
                                                             : "the PDF could not be rasterised";
        return {};
    }
    std::vector<std::filesystem::path> pages;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path))
        if (entry.path().extension() == ".png") pages.push_back(entry.path());
    std::sort(pages.begin(), pages.end());
    return pages;
}

// The tesseract command reads the image (a multi-page TIFF too, or a file listing page images)
// in its own process: a hostile image can crash or bloat only that process, and the server
// does not carry Tesseract's libraries and models in its memory.
std::string run_tesseract(const std::filesystem::path& input, const TempDir& dir, OcrResult& out) {
    const auto base = dir.path / "text";
    if (auto failed = run_tool({"tesseract", input.string(), base.string(), "-l", kLanguages}); !failed.empty())
        return failed.find("started") != std::string::npos
                   ? "Tesseract could not start (tesseract-ocr and tesseract-ocr-eng/fin/est/lav missing?)"
                   : "Tesseract could not read the document";
    std::ifstream in(base.string() + ".txt", std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // Tesseract ends every page with a form feed; the body separates pages by a blank line
    // (a form feed would reach agents' screens and JSON as a control character).
    std::size_t start = 0;
    for (;;) {
        const auto ff = text.find('\f', start);
        if (ff == std::string::npos && start >= text.size()) break;
        std::string_view page(text.data() + start, (ff == std::string::npos ? text.size() : ff) - start);
        if (ff == std::string::npos && page.find_first_not_of(" \n\r\t") == std::string_view::npos) break;
        if (out.pages > 0 && !out.text.ends_with("\n\n")) out.text += out.text.ends_with('\n') ? "\n" : "\n\n";
        out.text += page;
        ++out.pages;
        if (ff == std::string::npos) break;
        start = ff + 1;
    }
    return {};
}

}  // namespace

OcrResult ocr_document(std::string_view bytes, std::string_view content_type) {
    OcrResult out;
    TempDir dir;
    std::filesystem::path input;
    if (content_type == "application/pdf") {
        auto pages = rasterise_pdf(bytes, dir, out.error);
        if (pages.empty()) {
            if (out.error.empty()) out.error = "no page could be read";
            return out;
        }
        input = dir.path / "pages.txt";
        std::ofstream list(input);
        for (const auto& p : pages) list << p.string() << "\n";
    } else if (content_type == "image/tiff" || content_type.starts_with("image/")) {
        input = dir.path / (content_type == "image/tiff" ? "fax.tif" : "fax.img");
        write_file(input, bytes);
    } else {
        out.error = fmt::format("{} is not a fax document type", content_type);
        return out;
    }
    if (auto failed = run_tesseract(input, dir, out); !failed.empty()) {
        out.error = failed;
        return out;
    }
    auto has_word = std::any_of(out.text.begin(), out.text.end(), [](unsigned char c) { return std::isalnum(c) || c >= 0x80; });
    out.ok = out.pages > 0 && has_word;
    if (!out.ok && out.error.empty()) out.error = out.pages == 0 ? "no page could be read" : "no text was recognised";
    return out;
}

}  // namespace triage::channels
