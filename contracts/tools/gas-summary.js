#!/usr/bin/env node
// Prints the gas figures that test/Gas.t.sol recorded in snapshots/GasTest.json next to the
// targets of the contracts issue. "call" is the gas of the call as forge measures it, on cold
// storage; "tx" adds 21,000 and the calldata (what a transaction pays, before refunds).
'use strict';
const fs = require('fs');
const path = require('path');

const file = path.resolve(__dirname, '..', 'snapshots', 'GasTest.json');
if (!fs.existsSync(file)) {
  console.error('gas-summary: no ' + file + '; run forge test in contracts/ first');
  process.exit(1);
}
const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
const rows = [
  ['commit', 60000],
  ['reveal', 110000], // 60,000 before the dispute game stored traceRoot and valueQ (2 x 22,100)
  ['postResult_2of3', 120000],
  ['settle_per_winner', 40000], // settle_10_winners / 10
  ['extendDataset_20steps', 80000],
  ['verifyInclusion_20steps', 30000],
];
const pad = (s, n) => String(s).padStart(n);
console.log('gas (contracts/snapshots/GasTest.json): call = execution gas of the call on cold storage,');
console.log('after refunds; tx = call + 21,000 + calldata, what the transaction pays (the forge gas');
console.log('report above shows tx figures: forge runs each call as its own transaction)');
console.log('operation'.padEnd(26) + pad('call', 9) + pad('tx', 9) + pad('target', 9) + '  ok');
let bad = 0;
for (const [name, target] of rows) {
  const call = Number(snap[name]);
  const tx = snap[name + '.tx'] === undefined ? '' : Number(snap[name + '.tx']);
  const ok = call <= target;
  if (!ok) bad++;
  console.log(name.padEnd(26) + pad(call, 9) + pad(tx, 9) + pad(target, 9) + '  ' + (ok ? 'yes' : 'NO'));
}
// Rounds that cannot be gamed (forfeits, bounds, models bound before the commit): at most 10 %
// above the call gas of the rounds before it
console.log('');
console.log('operation'.padEnd(26) + pad('before', 9) + pad('now', 9) + pad('+10 %', 9) + '  ok');
for (const [name, before] of [['commit', 40984], ['reveal', 51882 + 44200], ['settle_per_winner', 36135]]) {
  const now = Number(snap[name]);
  const limit = Math.floor(before * 11 / 10);
  const ok = now <= limit;
  if (!ok) bad++;
  console.log(name.padEnd(26) + pad(before, 9) + pad(now, 9) + pad(limit, 9) + '  ' + (ok ? 'yes' : 'NO'));
}
for (const extra of ['settle_1_winner', 'settle_10_winners']) {
  if (snap[extra] !== undefined) console.log(extra.padEnd(26) + pad(snap[extra], 9));
}
process.exit(bad ? 1 : 0);
