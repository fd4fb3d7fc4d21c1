#!/usr/bin/env node
// Deploys the committed contracts/bin artifacts to a running anvil and checks them against
// outside implementations: the commitment and the record leaf recomputed here with js-sha3,
// and oracle reports signed by anvil itself with eth_signTypedData_v4 (alloy's EIP-712), which
// OracleCommittee.verifyReport must accept. Uses anvil's unlocked development accounts.
//
//   node testnet/deploy-check.js http://127.0.0.1:PORT
//
// Prints one line per check; exit 0 when all pass.
'use strict';
const fs = require('fs');
const path = require('path');
const http = require('http');
const { keccak256 } = require(path.join(__dirname, 'node_modules', 'js-sha3'));

const url = new URL(process.argv[2] || 'http://127.0.0.1:8545');
const binDir = path.join(__dirname, '..', 'contracts', 'bin');
let failures = 0;

function rpc(method, params) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => {
          const j = JSON.parse(data);
          if (j.error) reject(new Error(method + ': ' + JSON.stringify(j.error)));
          else resolve(j.result);
        });
      });
    req.on('error', reject);
    req.end(body);
  });
}

const hex = (b) => Buffer.from(b).toString('hex');
const k = (s) => keccak256(s); // hex string, no 0x
const kHex = (h) => keccak256(Buffer.from(h, 'hex'));
const word = (v) => {
  let n = BigInt(v);
  if (n < 0n) n += 1n << 256n;
  return n.toString(16).padStart(64, '0');
};
const addrWord = (a) => a.toLowerCase().replace(/^0x/, '').padStart(64, '0');
const b32 = (s) => hex(Buffer.from(s, 'ascii')).padEnd(64, '0'); // short name as bytes32
const sel = (sig) => k(sig).slice(0, 8);

function check(name, ok, detail) {
  console.log((ok ? 'ok   ' : 'FAIL ') + name + (ok || !detail ? '' : ': ' + detail));
  if (!ok) failures++;
}

async function send(from, data, to) {
  const tx = { from, data: '0x' + data, gas: '0x1c9c380' };
  if (to) tx.to = to;
  const h = await rpc('eth_sendTransaction', [tx]);
  let r = null;
  for (let i = 0; i < 100 && !r; i++) {
    r = await rpc('eth_getTransactionReceipt', [h]);
    if (!r) await new Promise((ok) => setTimeout(ok, 50));
  }
  if (!r || r.status !== '0x1') throw new Error('transaction failed: ' + JSON.stringify(r));
  return r;
}

async function deploy(from, name, args) {
  const bin = fs.readFileSync(path.join(binDir, name + '.bin'), 'utf8').trim();
  const r = await send(from, bin + (args || ''));
  return r.contractAddress;
}

const call = (to, data) => rpc('eth_call', [{ to, data: '0x' + data }, 'latest']);

async function main() {
  const acc = await rpc('eth_accounts', []);
  const chainId = BigInt(await rpc('eth_chainId', []));
  const [admin, m1, m2, m3] = acc;

  const prov = await deploy(admin, 'ProvenanceRegistry');
  const models = await deploy(admin, 'ModelRegistry', addrWord(prov));
  // OracleCommittee(address admin, address[] members, uint256 k)
  const com = await deploy(admin, 'OracleCommittee',
    addrWord(admin) + word(0x60) + word(2) + word(3) + addrWord(m1) + addrWord(m2) + addrWord(m3));
  const verifier = await deploy(admin, 'StepVerifier');
  const rounds = await deploy(admin, 'Rounds', addrWord(models) + addrWord(verifier));
  check('deployed ProvenanceRegistry, ModelRegistry, OracleCommittee, StepVerifier, Rounds', !!(prov && models && com && verifier && rounds));

  // The record leaf vector of docs/formats.md.
  const leafArgs = word(1) + '11'.repeat(32) + '22'.repeat(32) + '33'.repeat(32) +
    addrWord('0x00112233445566778899aabbccddeeff00112233') + word(1764460800) + '44'.repeat(32) + '55'.repeat(32);
  const leaf = await call(prov, sel('leafHash(uint8,bytes32,bytes32,bytes32,address,uint64,bytes32,bytes32)') + leafArgs);
  check('leafHash = keccak(0x00 ‖ abi.encode(record)) (js-sha3)', leaf === '0x' + kHex('00' + leafArgs), leaf);

  // The commitment, bound to this chain and this contract.
  const domain = await call(rounds, sel('COMMIT_DOMAIN()'));
  check('COMMIT_DOMAIN = keccak("xtalproof.prediction.v1")', domain === '0x' + k('xtalproof.prediction.v1'), domain);
  const symhash = k('NaCl');
  const modelHash = k('model file');
  const valueQ = -163840n; // -2.5 in Q16.16
  const salt = k('salt');
  const cArgs = word(7) + symhash + modelHash + word(valueQ) + salt + addrWord(m1);
  const onChain = await call(rounds,
    sel('commitmentHash(uint256,bytes32,bytes32,int256,bytes32,address)') + cArgs);
  const expected = kHex(domain.slice(2) + word(chainId) + addrWord(rounds) + cArgs);
  check('commitmentHash matches the formula (chain id ' + chainId + ')', onChain === '0x' + expected, onChain);

  // An oracle report signed by anvil's accounts with eth_signTypedData_v4.
  const report = {
    round: '7', symhash: '0x' + symhash, property: '0x' + b32('formation_energy'),
    value: '-163840', uncertainty: '655', rawDataHash: '0x' + k('raw'),
    facility: '0x' + b32('ESRF-ID22'), measuredAt: '1764460800',
  };
  const typed = {
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' }, { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' },
      ],
      OracleReport: [
        { name: 'round', type: 'uint256' }, { name: 'symhash', type: 'bytes32' },
        { name: 'property', type: 'bytes32' }, { name: 'value', type: 'int256' },
        { name: 'uncertainty', type: 'uint256' }, { name: 'rawDataHash', type: 'bytes32' },
        { name: 'facility', type: 'bytes32' }, { name: 'measuredAt', type: 'uint64' },
      ],
    },
    primaryType: 'OracleReport',
    domain: { name: 'xtalproof OracleCommittee', version: '1', chainId: Number(chainId), verifyingContract: com },
    message: report,
  };
  const s1 = (await rpc('eth_signTypedData_v4', [m1, typed])).slice(2);
  const s3 = (await rpc('eth_signTypedData_v4', [m3, typed])).slice(2);
  const rep = word(report.round) + symhash + b32('formation_energy') + word(BigInt(report.value)) +
    word(655) + k('raw') + b32('ESRF-ID22') + word(1764460800);
  const bytesArray = (sigs) => {
    let head = word(sigs.length);
    let tail = '';
    let off = 32 * sigs.length;
    for (const s of sigs) {
      head += word(off);
      const padded = s.padEnd(Math.ceil(s.length / 64) * 64, '0');
      tail += word(s.length / 2) + padded;
      off += 32 + padded.length / 2;
    }
    return head + tail;
  };
  const verifySel = sel('verifyReport((uint256,bytes32,bytes32,int256,uint256,bytes32,bytes32,uint64),bytes[])');
  const digest = await call(com, sel('hashReport((uint256,bytes32,bytes32,int256,uint256,bytes32,bytes32,uint64))') + rep);
  try {
    const got = await call(com, verifySel + rep + word(9 * 32) + bytesArray([s1, s3]));
    check('verifyReport accepts 2 of 3 signatures made by eth_signTypedData_v4', got === digest, got);
  } catch (e) {
    check('verifyReport accepts 2 of 3 signatures made by eth_signTypedData_v4', false, e.message);
  }
  try {
    await call(com, verifySel + rep + word(9 * 32) + bytesArray([s1]));
    check('verifyReport refuses 1 of 3', false, 'accepted');
  } catch (e) {
    check('verifyReport refuses 1 of 3', /revert/i.test(e.message), e.message);
  }

  // One real transaction through the registry: a dataset anchored and read back.
  const root = k('root');
  await send(admin, sel('createDataset(bytes32,uint64,bytes32,string)') + root + word(5) + k('meta') +
    word(0x80) + word(3) + b32('uri'), prov);
  const v = await call(prov, sel('latest(uint256)') + word(1));
  check('createDataset then latest(1) = (0, root, 5)', v === '0x' + word(0) + root + word(5), v);

  console.log(failures ? failures + ' failed' : 'all passed');
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.error('deploy-check: ' + e.message);
  process.exit(1);
});
