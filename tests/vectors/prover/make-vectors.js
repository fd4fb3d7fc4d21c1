#!/usr/bin/env node
// Writes vectors.json: prediction commitments and a whole signed prediction record computed
// outside xtalproof's C code, from docs/formats.md ("Prediction records"): keccak by js-sha3,
// the EIP-191 signature by anvil's eth_sign with its first development account.
//
//   anvil --port PORT &   node make-vectors.js http://127.0.0.1:PORT > vectors.json
//
// The record's fields are those of a real prediction (sample-cifs/1000041.cif with
// formation-energy-per-atom), so the record also passes the structure, model and inference
// checks; the predictor is anvil's account 0 and the salt keccak("xtalproof test salt").
// Required as a module it lends its encodings to tests/tools/prove-chain-check.js.
'use strict';
const path = require('path');
const http = require('http');
const tn = process.env.TESTNET_DIR || path.join(__dirname, '..', '..', '..', 'testnet');
const { keccak256 } = require(path.join(tn, 'node_modules', 'js-sha3'));

const url = new URL((require.main === module && process.argv[2]) || 'http://127.0.0.1:8545');
function rpc(method, params) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: url.hostname, port: url.port, path: '/', method: 'POST',
      headers: { 'content-type': 'application/json' } }, (res) => {
      let d = '';
      res.on('data', (c) => (d += c));
      res.on('end', () => { const j = JSON.parse(d); j.error ? reject(new Error(JSON.stringify(j.error))) : resolve(j.result); });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const kHex = (h) => keccak256(Buffer.from(h, 'hex'));
const kStr = (s) => keccak256(Buffer.from(s, 'utf8'));
const word = (v) => { let n = BigInt(v); if (n < 0n) n += 1n << 256n; return n.toString(16).padStart(64, '0'); };
const addrWord = (a) => a.toLowerCase().replace(/^0x/, '').padStart(64, '0');
const h = (x) => x.replace(/^0x/, '');

function commitment(c) {
  return '0x' + kHex(kStr('xtalproof.prediction.v1') + word(c.chainId) + addrWord(c.rounds) +
    word(c.round) + h(c.symhash) + h(c.modelHash) + word(c.valueQ) + h(c.salt) + addrWord(c.predictor));
}

// Version 2 adds structureRoot after protohash and weightsRoot after modelHash (21 words).
function canonical(r) {
  const v2 = r.recordVersion === 2;
  return kStr(v2 ? 'xtalproof.record.v2' : 'xtalproof.record.v1') + word(r.recordVersion) +
    h(r.symhash) + h(r.protohash) + (v2 ? h(r.structureRoot) : '') +
    h(r.contentHash) + word(r.atoms) + h(r.modelHash) + (v2 ? h(r.weightsRoot) : '') +
    kStr(r.architecture) + kStr(r.modelName) +
    kStr(r.property) + kStr(r.unit) + word(r.valueQ) + h(r.traceRoot) + word(r.chainId) +
    addrWord(r.roundsContract) + word(r.round) + word(r.target) + h(r.commitment) + addrWord(r.predictor);
}

// A record, its canonical bytes, hash, EIP-191 digest, and anvil's signature.
async function sealed(r, acc0, salt) {
  r.commitment = commitment({ chainId: r.chainId, rounds: r.roundsContract, round: r.round,
    symhash: r.symhash, modelHash: r.modelHash, valueQ: r.valueQ, salt, predictor: acc0 });
  const canon = canonical(r);
  const recordHash = '0x' + kHex(canon);
  const personalDigest = '0x' + kHex(Buffer.from('\x19Ethereum Signed Message:\n32').toString('hex') + h(recordHash));
  r.signature = await rpc('eth_sign', [acc0, recordHash]);
  return { canonical: '0x' + canon, recordHash, personalDigest, record: r };
}

async function main() {
  const [acc0] = await rpc('eth_accounts', []);
  const salt = '0x' + kStr('xtalproof test salt');
  const r = {
    recordVersion: 1,
    symhash: '0x7b55371c2d3d6d23662097e8c36769f8894dba5cd6159401024544a2dddc8c3b',
    protohash: '0x44d3fbd2864a70a62ff7d34e4c01aabdc7fcd05fed3d08c4f1b58c50963510e3',
    contentHash: '0x0bcd6c330ab41e08fc3cc8b1c7b3edbc11655ec39cc0afad185883cd96f8df91',
    atoms: 8,
    modelHash: '0x439cb06b9d6f13d15a3e8f036db6e7b068360b9c10cadc3ba26c73e16736d8fd',
    modelName: 'formation-energy-per-atom',
    architecture: 'cgcnn-q16-v2',
    property: 'formation energy per atom',
    unit: 'eV/atom',
    value: -138489 / 65536,
    valueQ: -138489,
    traceRoot: '0x40a8494b959b379e5be8e408e63ef8fe056eddc6b7c72148b49a037a5046e8a4',
    chainId: 31337,
    roundsContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    round: 3,
    target: 1,
    commitment: null,
    salt,
    predictor: acc0,
    signature: null,
  };
  const v1 = await sealed(r, acc0, salt);
  // The same prediction as a version-2 record (cgcnn-q16-v3: its model file, the committed
  // crystal, the weights tree and the v3 trace root, as `xtalproof hash --json`, `models` and
  // `predict --json` print them).
  const r2 = {
    recordVersion: 2,
    symhash: r.symhash,
    protohash: r.protohash,
    structureRoot: '0x0093b6e013df3cc6909fc53add544652a09c0a86e5b2e3b30d06bd1f961f5de7',
    contentHash: r.contentHash,
    atoms: 8,
    modelHash: '0x7e70d374a6be764cab87a4d91fc5c9145e326103e0afb99beabba4b0315573b5',
    weightsRoot: '0x9883f2c8c48c6266204de03db5b10d34a4358ed57aa78b72afd54f9ec629c592',
    modelName: r.modelName,
    architecture: 'cgcnn-q16-v3',
    property: r.property,
    unit: r.unit,
    value: -138489 / 65536,
    valueQ: -138489,
    traceRoot: '0xe9cc9d0b2c12e097cd29e4c4fcec356ee0f2db3b76a88cab58fdbda4fcaec001',
    chainId: r.chainId,
    roundsContract: r.roundsContract,
    round: r.round,
    target: r.target,
    commitment: null,
    salt,
    predictor: acc0,
    signature: null,
  };
  const v2 = await sealed(r2, acc0, salt);

  const commitments = [
    { chainId: 1, rounds: '0x0000000000000000000000000000000000000000', round: 0,
      symhash: '0x' + kStr('NaCl'), modelHash: '0x' + kStr('model file'), valueQ: -163840,
      salt: '0x' + kStr('salt'), predictor: '0x00112233445566778899aabbccddeeff00112233' },
    { chainId: 4711, rounds: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512', round: 7,
      symhash: '0x' + '11'.repeat(32), modelHash: '0x' + '22'.repeat(32), valueQ: 2147483647,
      salt: '0x' + 'ff'.repeat(32), predictor: acc0 },
    { chainId: 0, rounds: '0x0000000000000000000000000000000000000000', round: 0,
      symhash: '0x' + '00'.repeat(32), modelHash: '0x' + '00'.repeat(32), valueQ: -1,
      salt: '0x' + '00'.repeat(32), predictor: '0x0000000000000000000000000000000000000000' },
  ];
  for (const c of commitments) c.commitment = commitment(c);

  const out = {
    source: 'tests/vectors/prover/make-vectors.js: js-sha3 and anvil eth_sign (account 0)',
    privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
    canonical: v1.canonical,
    recordHash: v1.recordHash,
    personalDigest: v1.personalDigest,
    record: r,
    v2,
    commitments,
  };
  console.log(JSON.stringify(out, null, 2));
}
module.exports = { rpcAt: (u) => { url.host = new URL(u).host; return rpc; }, commitment, canonical, kHex, h };
if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
