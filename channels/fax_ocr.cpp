#include "channels/fax_ocr.hpp"

#include <allheaders.h>
#include <tesseract/baseapi.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <random>
#include <spawn.h>
#include <sys/wait.h>
#include <vector>

extern char** environ;

namespace triage::channels {
namespace {

constexpr const char* kLanguages = "eng+fin+est+lav";
constexpr int kMaxPages = 50;

struct PixFree {
    void operator()(Pix* p) const noexcept { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixFree>;

// One engine per thread: initialising Tesseract with four languages takes a while.
tesseract::TessBaseAPI* engine() {
    thread_local std::unique_ptr<tesseract::TessBaseAPI> api;
    thread_local bool failed = false;
    if (!api && !failed) {
        // Tesseract's OpenMP threads only fight over the cores the server already uses.
        ::setenv("OMP_THREAD_LIMIT", "1", 0);
        auto fresh = std::make_unique<tesseract::TessBaseAPI>();
        if (fresh->Init(nullptr, kLanguages) != 0) failed = true;
        else api = std::move(fresh);
    }
    return api.get();
}

std::string read_page(Pix* pix) {
    auto* api = engine();
    if (!api) return {};
    api->SetImage(pix);
    std::unique_ptr<char[]> text(api->GetUTF8Text());
    api->Clear();
    return text ? std::string(text.get()) : std::string{};
}

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

// pdftoppm (poppler) rasterises each page to PNG at fax resolution.
std::vector<std::filesystem::path> rasterise_pdf(std::string_view pdf, const TempDir& dir, std::string& error) {
    auto input = dir.path / "fax.pdf";
    std::ofstream(input, std::ios::binary).write(pdf.data(), static_cast<std::streamsize>(pdf.size()));
    std::string prefix = (dir.path / "page").string();
    std::vector<std::string> args{"pdftoppm", "-r", "200", "-gray", "-png", "-l", std::to_string(kMaxPages), input.string(), prefix};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    const int rc = posix_spawnp(&pid, "pdftoppm", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        error = "pdftoppm (poppler-utils) could not be started";
        return {};
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        error = "the PDF could not be rasterised";
        return {};
    }
    std::vector<std::filesystem::path> pages;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path))
        if (entry.path().extension() == ".png") pages.push_back(entry.path());
    std::sort(pages.begin(), pages.end());
    return pages;
}

}  // namespace

OcrResult ocr_document(std::string_view bytes, std::string_view content_type) {
    OcrResult out;
    auto add_page = [&](Pix* pix) {
        auto text = read_page(pix);
        if (out.pages > 0) out.text += "\n\f\n";
        out.text += text;
        ++out.pages;
    };
    const auto* data = reinterpret_cast<const l_uint8*>(bytes.data());
    if (content_type == "application/pdf") {
        TempDir dir;
        auto pages = rasterise_pdf(bytes, dir, out.error);
        for (const auto& p : pages) {
            PixPtr pix(pixRead(p.string().c_str()));
            if (pix) add_page(pix.get());
        }
    } else if (content_type == "image/tiff") {
        Pixa* pixa = pixaReadMemMultipageTiff(data, bytes.size());
        if (pixa) {
            const int n = std::min(pixaGetCount(pixa), kMaxPages);
            for (int i = 0; i < n; ++i) {
                PixPtr pix(pixaGetPix(pixa, i, L_CLONE));
                if (pix) add_page(pix.get());
            }
            pixaDestroy(&pixa);
        }
    } else if (content_type.starts_with("image/")) {
        PixPtr pix(pixReadMem(data, bytes.size()));
        if (pix) add_page(pix.get());
    } else {
        out.error = fmt::format("{} is not a fax document type", content_type);
        return out;
    }
    if (!engine()) out.error = "Tesseract could not start (tesseract-ocr-eng/fin/est/lav missing?)";
    auto has_word = std::any_of(out.text.begin(), out.text.end(), [](unsigned char c) { return std::isalnum(c) || c >= 0x80; });
    out.ok = out.pages > 0 && has_word;
    if (!out.ok && out.error.empty()) out.error = out.pages == 0 ? "no page could be read" : "no text was recognised";
    return out;
}

}  // namespace triage::channels
