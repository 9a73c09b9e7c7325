// Fax OCR: the pages of a fax document (PDF rasterised by poppler's pdftoppm; TIFF, also
// multi-page, and PNG as they are) read by the tesseract command in English, Finnish,
// Estonian and Latvian, in a process of its own (crash and memory isolation from hostile
// images, and the server does not carry Tesseract in its memory). Slow and blocking: call
// it on a blocking pool, never on an I/O thread. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace triage::channels {

struct OcrResult {
    std::string text;    // UTF-8, pages separated by a form feed line
    int pages = 0;       // pages read
    bool ok = false;     // false: the document could not be read (text empty)
    std::string error;   // why not, when !ok
};

// `content_type`: application/pdf, image/tiff, image/png (others: !ok).
OcrResult ocr_document(std::string_view bytes, std::string_view content_type);

}  // namespace triage::channels
