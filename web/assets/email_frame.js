// The frame an email's HTML is shown in: the server has already sanitised it (allowlist,
// channels/html_sanitiser); the frame is a second wall. sandbox="" (no scripts, no
// same-origin, no forms, no popups) and a CSP of its own: nothing loads but inline styles
// and data: images, nothing runs.
export const FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'";

export function emailFrame(html) {
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', '');
  frame.setAttribute('referrerpolicy', 'no-referrer');
  frame.setAttribute('title', 'email');
  frame.srcdoc = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${FRAME_CSP}"></head><body>${html}</body></html>`;
  return frame;
}
