// usage: node test_store_proofcheck.js JS_SHA3_DIR PROOF.json (exit 0 valid, 1 not); used by test_store.sh
// An independent check of a proof document with js-sha3's keccak256: the leaf hash and the
// RFC 9162 §2.1.3.2 path fold, written here in JavaScript.
const { keccak256 } = require(process.argv[2]);
const doc = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
const hex = (s) => Buffer.from(s.replace(/^0x/, ''), 'hex');
const h = (buf) => Buffer.from(keccak256.arrayBuffer(buf));
const leaf = hex(doc.leaf);
let r = h(Buffer.concat([Buffer.from([0]), leaf]));
if ('0x' + r.toString('hex') !== doc.leafHash) { console.log('leafHash differs'); process.exit(1); }
let fn = BigInt(doc.index), sn = BigInt(doc.size) - 1n;
for (const p of doc.path.map(hex)) {
  if (sn === 0n) { console.log('path too long'); process.exit(1); }
  if ((fn & 1n) === 1n || fn === sn) {
    r = h(Buffer.concat([Buffer.from([1]), p, r]));
    if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
  } else {
    r = h(Buffer.concat([Buffer.from([1]), r, p]));
  }
  fn >>= 1n; sn >>= 1n;
}
if (sn !== 0n || '0x' + r.toString('hex') !== doc.root) { console.log('root differs'); process.exit(1); }
console.log('ok');
