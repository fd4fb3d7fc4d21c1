// The explorer's shared pieces: the node's API (errors said in words), the page frame, small
// DOM helpers, and keccak-256 with the RFC 9162 consistency check, so that a page can check a
// dataset's versions against each other without trusting the node.

export async function api(path, options = {}) {
  let res;
  try {
    res = await fetch(path, options);
  } catch (e) {
    throw new Error(`the node does not answer (${e.message}): is it running?`);
  }
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    throw new Error(`the node answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    const why = body && body.error ? body.error : `status ${res.status}`;
    const err = new Error(`${path.split('?')[0]}: ${why}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

// el('td', {class: 'x'}, 'text', child, ...)
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function table(caption, head, rows) {
  return el('table', {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c))))));
}

export const short = (h) => (h && h.length > 18 ? `${h.slice(0, 10)}…${h.slice(-6)}` : h || '');
export const hash = (h) => el('code', { title: h }, short(h));
export const when = (t) => (t && Number(t) > 0 ? new Date(Number(t) * 1000).toISOString().replace('.000Z', 'Z') : '—');
export const q16 = (q) => Number(BigInt(q)) / 65536;
// A Q16.16 as the command line prints it: the shortest decimal that reads back as the same
// integer (nearest, ties away from zero), so 73400 is 1.12, not 1.1199951171875.
export function q16text(q) {
  const n = Number(BigInt(q));
  for (let d = 0; d < 6; d++) {
    const t = (n / 65536).toFixed(d);
    const back = Math.sign(Number(t)) * Math.round(Math.abs(Number(t)) * 65536);
    if (back === n) return t;
  }
  return (n / 65536).toFixed(6);
}
// "1 winner", "2 winners"
export const plural = (n, one, many) => `${n} ${Number(n) === 1 ? one : many}`;
export const wei = (w) => `${(Number(BigInt(w || 0) / 1000000000000n) / 1e6).toString()} ETH`;
export const crystalLink = (sym) => el('a', { href: `/crystal.html?symhash=${sym}` }, el('code', { title: sym }, short(sym)));

const PAGES = [
  ['/', 'Datasets'],
  ['/rounds.html', 'Rounds'],
  ['/leaderboard.html', 'Leaderboard'],
  ['/verify.html', 'Verify'],
];

// The header with the navigation; the page's own content goes into <main id="main">.
export function frame(current) {
  const nav = el('nav', { 'aria-label': 'explorer pages' },
    el('ul', {}, PAGES.map(([href, name]) =>
      el('li', {}, el('a', { href, 'aria-current': name === current ? 'page' : null }, name)))));
  document.body.prepend(el('header', {}, el('p', { class: 'brand' }, 'xtalproof explorer'), nav));
}

// Resolves once the browser has painted the page's frame: the work of a page (API calls, hashing)
// starts after it, so that the first paint never waits for it.
export function afterPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

// A classic script (the vendored 3D viewer) loaded when a page needs it.
export function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = el('script', { src });
    s.onload = resolve;
    s.onerror = () => reject(new Error(`${src} could not be loaded`));
    document.head.append(s);
  });
}

export function showError(where, e) {
  where.append(el('p', { class: 'error', role: 'alert' }, e.message || String(e)));
}

export function status(where, text) {
  const p = el('p', { class: 'status', role: 'status' }, text);
  where.append(p);
  return p;
}

// ---- keccak-256 ---------------------------------------------------------------------------

const M64 = (1n << 64n) - 1n;
const RC = [];
const ROT = Array.from({ length: 25 }, () => 0n);
(() => {
  let r = 1;
  const bit = () => {
    const out = r & 1;
    r = (r << 1) ^ (r & 0x80 ? 0x171 : 0);
    return out;
  };
  for (let i = 0; i < 24; i++) {
    let c = 0n;
    for (let j = 0; j < 7; j++) if (bit()) c |= 1n << BigInt((1 << j) - 1);
    RC.push(c);
  }
  let x = 1, y = 0;
  for (let t = 0; t < 24; t++) {
    ROT[x + 5 * y] = BigInt(((t + 1) * (t + 2)) / 2 % 64);
    [x, y] = [y, (2 * x + 3 * y) % 5];
  }
})();
const rotl = (v, n) => (n === 0n ? v : ((v << n) | (v >> (64n - n))) & M64);

function keccakF(s) {
  for (let round = 0; round < 24; round++) {
    const c = [0, 1, 2, 3, 4].map((x) => s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20]);
    for (let x = 0; x < 5; x++) {
      const d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1n);
      for (let y = 0; y < 25; y += 5) s[x + y] ^= d;
    }
    const b = new Array(25);
    for (let x = 0; x < 5; x++)
      for (let y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(s[x + 5 * y], ROT[x + 5 * y]);
    for (let y = 0; y < 25; y += 5)
      for (let x = 0; x < 5; x++) s[x + y] = b[x + y] ^ (~b[((x + 1) % 5) + y] & M64 & b[((x + 2) % 5) + y]);
    s[0] ^= RC[round];
  }
}

export function keccak256(bytes) {
  const rate = 136;
  const padded = new Uint8Array(Math.floor(bytes.length / rate + 1) * rate);
  padded.set(bytes);
  padded[bytes.length] ^= 0x01;
  padded[padded.length - 1] ^= 0x80;
  const s = Array.from({ length: 25 }, () => 0n);
  for (let off = 0; off < padded.length; off += rate) {
    for (let i = 0; i < rate / 8; i++) {
      let lane = 0n;
      for (let k = 7; k >= 0; k--) lane = (lane << 8n) | BigInt(padded[off + 8 * i + k]);
      s[i] ^= lane;
    }
    keccakF(s);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((s[i >> 3] >> BigInt(8 * (i & 7))) & 0xffn);
  return out;
}

export const fromHex = (h) => Uint8Array.from(h.replace(/^0x/, '').match(/../g) || [], (b) => parseInt(b, 16));
export const toHex = (b) => `0x${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;

function node(left, right) {
  const b = new Uint8Array(65);
  b[0] = 1;
  b.set(left, 1);
  b.set(right, 33);
  return keccak256(b);
}

// RFC 9162 §2.1.4.2: does the proof show that the tree of size `first` with root firstRoot is a
// prefix of the tree of size `second` with root secondRoot? (hex strings in, true or false out)
export function verifyConsistency(first, second, firstRoot, secondRoot, proofHex) {
  let proof = proofHex.map(fromHex);
  if (first === second) return proof.length === 0 && firstRoot === secondRoot;
  if (first <= 0 || first > second || proof.length === 0 && (first & (first - 1)) !== 0) return false;
  if ((first & (first - 1)) === 0) proof = [fromHex(firstRoot), ...proof];
  let fn = BigInt(first - 1), sn = BigInt(second - 1);
  while (fn & 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = proof[0], sr = proof[0];
  for (const c of proof.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) || fn === sn) {
      fr = node(c, fr);
      sr = node(c, sr);
      while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = node(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && toHex(fr) === firstRoot && toHex(sr) === secondRoot;
}
