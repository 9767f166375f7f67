/** A windows-1252 decoder: Node ≥ 20.18.3 decodes it as Latin-1 (nodejs/node#60888), losing € ‘ ’ “ ” – — … */

// WHATWG index-windows-1252 for bytes 0x80–0x9F; every other byte maps to the same code point.
const C1_TABLE = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039,
  0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
  0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

const CHUNK = 8192;

/** Decodes windows-1252 (also the web's meaning of `latin1`, `iso-8859-1` and `ascii`). */
export function decodeWindows1252(bytes: Buffer): string {
  if (!hasC1Bytes(bytes)) return bytes.toString('latin1');
  const codes = new Uint16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    codes[i] = byte >= 0x80 && byte <= 0x9f ? (C1_TABLE[byte - 0x80] as number) : byte;
  }
  // fromCharCode in slices: spreading a whole page at once would overflow the call stack.
  let text = '';
  for (let start = 0; start < codes.length; start += CHUNK) {
    text += String.fromCharCode(...codes.subarray(start, start + CHUNK));
  }
  return text;
}

function hasC1Bytes(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte >= 0x80 && byte <= 0x9f) return true;
  }
  return false;
}
