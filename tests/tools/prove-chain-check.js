#!/usr/bin/env node
// Checks prediction records against the deployed contracts and anvil's own signer:
//   node prove-chain-check.js URL deploy             deploys ProvenanceRegistry, ModelRegistry
//                                                    and Rounds; prints "CHAINID ROUNDS"
//   node prove-chain-check.js URL check RECORD.json  Rounds.commitmentHash of the record's
//        fields equals its commitment; eth_sign of its recordHash by its predictor (an anvil
//        account) equals its signature; the recordHash is recomputed with js-sha3.
// Prints one line per check ("ok ..." / "FAIL ..."); exit 0 when all pass.
'use strict';
const fs = require('fs');
const path = require('path');
const v = require(path.join(__dirname, '..', 'vectors', 'prover', 'make-vectors.js'));

const rpc = v.rpcAt(process.argv[2]);
const bin = path.join(__dirname, '..', '..', 'contracts', 'bin');
const word = (x) => BigInt(x).toString(16).padStart(64, '0');
const addrWord = (a) => a.toLowerCase().replace(/^0x/, '').padStart(64, '0');
const tn = process.env.TESTNET_DIR || path.join(__dirname, '..', '..', 'testnet');
const sel = (sig) => require(path.join(tn, 'node_modules', 'js-sha3')).keccak256(sig).slice(0, 8);
let failures = 0;
const check = (name, ok, detail) => {
  console.log((ok ? 'ok   ' : 'FAIL ') + name + (ok ? '' : ': ' + detail));
  if (!ok) failures++;
};

async function deploy(from, name, args) {
  const code = fs.readFileSync(path.join(bin, name + '.bin'), 'utf8').trim();
  const h = await rpc('eth_sendTransaction', [{ from, data: '0x' + code + (args || ''), gas: '0x1c9c380' }]);
  for (let i = 0; i < 100; i++) {
    const r = await rpc('eth_getTransactionReceipt', [h]);
    if (r) return r.contractAddress;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error('no receipt for ' + name);
}

async function main() {
  const [admin] = await rpc('eth_accounts', []);
  if (process.argv[3] === 'deploy') {
    const prov = await deploy(admin, 'ProvenanceRegistry');
    const models = await deploy(admin, 'ModelRegistry', addrWord(prov));
    const verifier = await deploy(admin, 'StepVerifier');
    const rounds = await deploy(admin, 'Rounds', addrWord(models) + addrWord(verifier));
    console.log(BigInt(await rpc('eth_chainId', [])).toString() + ' ' + rounds);
    return;
  }
  const r = JSON.parse(fs.readFileSync(process.argv[4], 'utf8'));
  let q = BigInt(r.valueQ);
  if (q < 0n) q += 1n << 256n;
  const args = word(r.round) + v.h(r.symhash) + v.h(r.modelHash) + q.toString(16).padStart(64, '0') +
    v.h(r.salt) + addrWord(r.predictor);
  const onChain = await rpc('eth_call', [{ to: r.roundsContract,
    data: '0x' + sel('commitmentHash(uint256,bytes32,bytes32,int256,bytes32,address)') + args }, 'latest']);
  check('Rounds.commitmentHash of the record = its commitment', onChain === r.commitment, onChain);
  const recordHash = '0x' + v.kHex(v.canonical(r));
  const sig = await rpc('eth_sign', [r.predictor, recordHash]);
  check('anvil eth_sign(predictor, recordHash) = the record\'s signature', sig === r.signature, sig);
}
main().then(() => process.exit(failures ? 1 : 0)).catch((e) => { console.error(e); process.exit(1); });
