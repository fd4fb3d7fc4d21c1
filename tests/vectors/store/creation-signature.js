// The creation hash and EIP-191 digest of a dataset (docs/formats.md, "A dataset's creation
// signature"), computed with js-sha3 apart from the C code; test_store.c's
// creation_signature holds its output. Run: NODE_PATH=testnet/node_modules node tests/vectors/store/creation-signature.js
const { keccak256 } = require('js-sha3');
function be(n, bytes) { const b = Buffer.alloc(bytes); let v = BigInt(n); for (let i = bytes - 1; i >= 0; i--) { b[i] = Number(v & 255n); v >>= 8n; } return b; }
function field(t, lb) { const b = Buffer.from(t, 'utf8'); return Buffer.concat([be(b.length, lb), b]); }
const msg = Buffer.concat([Buffer.from('xtalproof dataset creation v1'), field('alpha', 1), field('CC-BY-4.0', 1), field('first', 2),
  Buffer.from('7E5F4552091A69125d5DfCb7b8C2659029395Bdf', 'hex'), be(1, 8)]);
const h = keccak256(msg);
console.log('creation', h);
const pre = Buffer.concat([Buffer.from('\x19Ethereum Signed Message:\n32'), Buffer.from(h, 'hex')]);
console.log('digest', keccak256(pre));
