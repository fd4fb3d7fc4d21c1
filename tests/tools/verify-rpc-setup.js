#!/usr/bin/env node
// Puts a prediction on a fresh anvil the way the contracts' users would, with anvil's unlocked
// accounts (eth_sendTransaction) and hand-written ABI encodings (docs/formats.md "Contracts"),
// for tests/cli/test_verify_rpc.sh. Account 0 is the admin, sponsor and predictor; accounts 1-3
// are an oracle committee with threshold 2. STATE is a JSON file of the addresses.
//   deploy STATE                         ProvenanceRegistry, ModelRegistry, Rounds, OracleCommittee
//   dataset STATE ROOT SIZE              createDataset(root, size); prints the dataset id
//   model STATE MODELHASH WEIGHTSROOT PROPERTY UNIT   registerModel; prints the model id
//   open STATE PROPERTY SYMHASH:STRUCTUREROOT...      openRound (ETH, 1 wei per target and a stake
//                                        of 1 wei, the least the contract takes; 1 h to commit,
//                                        1 h for the result and for reveals); prints the round id
//   commit STATE ROUND TARGET COMMITMENT commit from account 0 with the stake; prints "TXHASH BLOCK"
//   result STATE ROUND TARGET VALUEQ     moves time past the commit deadline when needed, then
//                                        postResult with the EIP-712 signatures
//                                        (eth_signTypedData_v4) of accounts 2 and 1
//   reveal STATE ROUND TARGET MODELID VALUEQ SALT TRACEROOT   reveal from account 0
'use strict';
const fs = require('fs');
const path = require('path');
const v = require(path.join(__dirname, '..', 'vectors', 'prover', 'make-vectors.js'));

const rpc = v.rpcAt(process.argv[2]);
const bin = path.join(__dirname, '..', '..', 'contracts', 'bin');
const tn = process.env.TESTNET_DIR || path.join(__dirname, '..', '..', 'testnet');
const { keccak256 } = require(path.join(tn, 'node_modules', 'js-sha3'));
const word = (x) => { let n = BigInt(x); if (n < 0n) n += 1n << 256n; return n.toString(16).padStart(64, '0'); };
const addrWord = (a) => a.toLowerCase().replace(/^0x/, '').padStart(64, '0');
const b32 = (x) => x.replace(/^0x/, '').padEnd(64, '0');
const name32 = (s) => Buffer.from(s, 'ascii').toString('hex').padEnd(64, '0');
const sel = (sig) => keccak256(sig).slice(0, 8);

async function send(from, to, data, value) {
  const tx = { from, data: '0x' + data, gas: '0x1c9c380' };
  if (to) tx.to = to;
  if (value) tx.value = '0x' + BigInt(value).toString(16);
  const h = await rpc('eth_sendTransaction', [tx]);
  for (let i = 0; i < 200; i++) {
    const r = await rpc('eth_getTransactionReceipt', [h]);
    if (r) {
      if (r.status !== '0x1') throw new Error('transaction reverted: ' + h);
      return r;
    }
    await new Promise((ok) => setTimeout(ok, 25));
  }
  throw new Error('no receipt for ' + h);
}
const deploy = async (from, name, args) =>
  (await send(from, null, fs.readFileSync(path.join(bin, name + '.bin'), 'utf8').trim() + (args || ''))).contractAddress;
const call = async (to, data) => rpc('eth_call', [{ to, data: '0x' + data }, 'latest']);
// the first word of the first log's data, or the topic k of the first log
const logWord = (r, k) => BigInt(k === undefined ? r.logs[0].data.slice(0, 66) : r.logs[0].topics[k]);

async function main() {
  const [cmd, stateFile, ...a] = process.argv.slice(3);
  const acc = await rpc('eth_accounts', []);
  const admin = acc[0];
  if (cmd === 'deploy') {
    const prov = await deploy(admin, 'ProvenanceRegistry');
    const models = await deploy(admin, 'ModelRegistry', addrWord(prov));
    const verifier = await deploy(admin, 'StepVerifier');
    const rounds = await deploy(admin, 'Rounds', addrWord(models) + addrWord(verifier));
    const committee = await deploy(admin, 'OracleCommittee', addrWord(admin) + word(0x60) + word(2) +
      word(3) + addrWord(acc[1]) + addrWord(acc[2]) + addrWord(acc[3]));
    const chainId = Number(BigInt(await rpc('eth_chainId', [])));
    fs.writeFileSync(stateFile, JSON.stringify({ chainId, prov, models, rounds, committee }));
    console.log(chainId + ' ' + rounds + ' ' + prov);
    return;
  }
  const st = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  if (cmd === 'dataset') {
    const r = await send(admin, st.prov, sel('createDataset(bytes32,uint64,bytes32,string)') +
      b32(a[0]) + word(a[1]) + word(0) + word(0x80) + word(0));
    console.log(logWord(r, 1).toString());
  } else if (cmd === 'model') {
    // (modelHash, weightsRoot, archId, property, unit, uri = "", trainingDatasetIds = [])
    const r = await send(admin, st.models, sel('registerModel(bytes32,bytes32,bytes32,bytes32,bytes32,string,uint256[])') +
      b32(a[0]) + b32(a[1]) + name32('cgcnn-q16-v3') + name32(a[2]) + name32(a[3]) + word(0xe0) + word(0x100) +
      word(0) + word(0));
    console.log(logWord(r, 1).toString());
  } else if (cmd === 'open') {
    const now = BigInt((await rpc('eth_getBlockByNumber', ['latest', false])).timestamp);
    const targets = a.slice(1).map((t) => t.split(':')[0]);
    const roots = a.slice(1).map((t) => t.split(':')[1]);
    const deadline = now + 3600n;
    // (token, property, targets, structureRoots, commitDeadline, resultWindow, revealWindow,
    //  toleranceQ, stake, rewardPerTarget, committee, royaltyBps, challengeWindow, moveWindow,
    //  bond): 15 head words, then the arrays
    const n = targets.length;
    const tuple = addrWord('0x0') + name32(a[0]) + word(15 * 32) + word((16 + n) * 32) + word(deadline) +
      word(3600) + word(3600) + word(65536) + word(1) + word(1) + addrWord(st.committee) + word(0) +
      word(3600) + word(3600) + word(1) +
      word(n) + targets.map(b32).join('') + word(n) + roots.map(b32).join('');
    const sig = 'openRound((address,bytes32,bytes32[],bytes32[],uint64,uint32,uint32,uint128,uint96,uint128,address,uint16,uint32,uint32,uint96))';
    const r = await send(admin, st.rounds, sel(sig) + word(0x20) + tuple, targets.length);
    const id = logWord(r, 1);
    st.deadline = st.deadline || {};
    st.deadline[id] = deadline.toString();
    st.property = st.property || {};
    st.property[id] = a[0];
    fs.writeFileSync(stateFile, JSON.stringify(st));
    console.log(id.toString());
  } else if (cmd === 'commit') {
    const r = await send(admin, st.rounds, sel('commit(uint256,uint256,bytes32)') + word(a[0]) + word(a[1]) + b32(a[2]), 1);
    console.log(r.transactionHash + ' ' + BigInt(r.blockNumber).toString());
  } else if (cmd === 'result') {
    const [round, target, valueQ] = a;
    const now = BigInt((await rpc('eth_getBlockByNumber', ['latest', false])).timestamp);
    const deadline = BigInt(st.deadline[round]);
    if (now < deadline) {
      await rpc('evm_increaseTime', [Number(deadline - now) + 1]);
      await rpc('evm_mine', []);
    }
    // the target's symhash from getTarget (its first word)
    const tg = await call(st.rounds, sel('getTarget(uint256,uint256)') + word(round) + word(target));
    const symhash = '0x' + tg.slice(2, 66);
    const property = '0x' + name32(st.property[round]);
    const report = { round: String(round), symhash, property, value: String(valueQ), uncertainty: '655',
      rawDataHash: '0x' + keccak256('raw data of ' + round + '/' + target), facility: '0x' + name32('beamline-7'),
      measuredAt: String(now) };
    const typed = {
      types: {
        EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' },
          { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' }],
        OracleReport: [{ name: 'round', type: 'uint256' }, { name: 'symhash', type: 'bytes32' },
          { name: 'property', type: 'bytes32' }, { name: 'value', type: 'int256' },
          { name: 'uncertainty', type: 'uint256' }, { name: 'rawDataHash', type: 'bytes32' },
          { name: 'facility', type: 'bytes32' }, { name: 'measuredAt', type: 'uint64' }],
      },
      primaryType: 'OracleReport',
      domain: { name: 'xtalproof OracleCommittee', version: '1', chainId: st.chainId, verifyingContract: st.committee },
      message: report,
    };
    const sigs = [];
    for (const m of [acc[2], acc[1]]) sigs.push((await rpc('eth_signTypedData_v4', [m, JSON.stringify(typed)])).replace(/^0x/, ''));
    const rep = word(round) + b32(symhash) + b32(property) + word(valueQ) + word(655) + b32(report.rawDataHash) +
      b32(report.facility) + word(now);
    let arr = word(sigs.length);
    sigs.forEach((_, i) => { arr += word(sigs.length * 32 + i * 128); });
    sigs.forEach((s) => { arr += word(s.length / 2) + s.padEnd(192, '0'); });
    const sig = 'postResult(uint256,uint256,(uint256,bytes32,bytes32,int256,uint256,bytes32,bytes32,uint64),bytes[])';
    const r = await send(admin, st.rounds, sel(sig) + word(round) + word(target) + rep + word(11 * 32) + arr);
    console.log(r.transactionHash + ' ' + BigInt(r.blockNumber).toString());
  } else if (cmd === 'reveal') {
    const [round, target, modelId, valueQ, salt, traceRoot] = a;
    const r = await send(admin, st.rounds, sel('reveal(uint256,uint256,uint256,int256,bytes32,bytes32)') +
      word(round) + word(target) + word(modelId) + word(valueQ) + b32(salt) + b32(traceRoot));
    console.log(r.transactionHash + ' ' + BigInt(r.blockNumber).toString());
  } else {
    throw new Error('unknown command ' + cmd);
  }
}
main().then(() => process.exit(0)).catch((e) => { console.error(e.message || e); process.exit(1); });
