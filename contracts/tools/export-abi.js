#!/usr/bin/env node
// Writes the ABI of each contract, library and interface defined under src/ to abi/<Name>.json,
// and the creation bytecode of each deployable one to bin/<Name>.bin (lowercase hex, no 0x, one
// line), from the artifacts of `forge build` in out/. Run from anywhere: paths are relative to
// contracts/. Those with an empty ABI (libraries of internal functions only) are skipped; two
// definitions with one name are an error. Old files in abi/ and bin/ that no longer match a
// contract are removed.
'use strict';
const fs = require('fs');
const path = require('path');

// --check: write nothing; exit 1 if abi/ or bin/ differ from what the build in out/ gives.
// --profile shanghai: the build of foundry.toml's shanghai profile, out-shanghai/, whose bytecode
// goes to bin/shanghai/; its ABIs must be those in abi/ (shared by both builds, never written here).
const check = process.argv.includes('--check');
const pi = process.argv.indexOf('--profile');
const profile = pi > 0 ? process.argv[pi + 1] : 'default';
if (profile !== 'default' && profile !== 'shanghai') {
  console.error('export-abi: unknown profile ' + profile + ' (default or shanghai)');
  process.exit(2);
}
const sharedAbi = profile !== 'default';
const stale = [];
function put(file, text) {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  if (old === text) return;
  if (sharedAbi && path.dirname(file) === abiDir) {
    console.error('export-abi: the ' + profile + ' build gives another ABI than ' + path.relative(root, file) +
      ': the two builds must expose the same functions, events and errors');
    process.exit(1);
  }
  if (check) stale.push(path.relative(root, file));
  else fs.writeFileSync(file, text);
}
function drop(file) {
  if (check) stale.push(path.relative(root, file) + ' (stale)');
  else fs.unlinkSync(file);
}

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, profile === 'default' ? 'out' : 'out-' + profile);
const abiDir = path.join(root, 'abi');
const binDir = path.join(root, 'bin', ...(profile === 'default' ? [] : [profile]));

if (!fs.existsSync(outDir)) {
  console.error('export-abi: no ' + outDir + '; run `' + (sharedAbi ? 'FOUNDRY_PROFILE=' + profile + ' ' : '') +
    'forge build` in contracts/ first');
  process.exit(1);
}

const found = new Map(); // name -> { source, abi }
for (const dir of fs.readdirSync(outDir).sort()) {
  const full = path.join(outDir, dir);
  if (dir === 'build-info' || !fs.statSync(full).isDirectory()) continue;
  for (const file of fs.readdirSync(full).sort()) {
    if (!file.endsWith('.json')) continue;
    const art = JSON.parse(fs.readFileSync(path.join(full, file), 'utf8'));
    const target = art.metadata && art.metadata.settings && art.metadata.settings.compilationTarget;
    if (!target) continue;
    for (const [source, name] of Object.entries(target)) {
      if (!source.startsWith('src/')) continue;
      if (!fs.existsSync(path.join(root, source))) continue; // a stale artifact of a removed file
      if (found.has(name) && found.get(name).source !== source) {
        console.error('export-abi: ' + name + ' is defined in both ' + found.get(name).source + ' and ' + source);
        process.exit(1);
      }
      const bin = art.bytecode && art.bytecode.object ? art.bytecode.object.replace(/^0x/, '') : '';
      found.set(name, { source, abi: art.abi || [], bin });
    }
  }
}

fs.mkdirSync(abiDir, { recursive: true });
fs.mkdirSync(binDir, { recursive: true });
const written = new Set();
const writtenBin = new Set();
for (const [name, { source, abi, bin }] of [...found.entries()].sort()) {
  if (abi.length === 0) {
    if (!check) console.log('export-abi: ' + name + ' (' + source + ') has an empty ABI, skipped');
    continue;
  }
  const file = path.join(abiDir, name + '.json');
  put(file, JSON.stringify(abi, null, 2) + '\n');
  written.add(name + '.json');
  if (!check) console.log('export-abi: ' + path.relative(root, file) + ' (' + abi.length + ' entries)');
  if (bin.length > 0) {
    if (/__\$[0-9a-f]{34}\$__/.test(bin)) {
      console.error('export-abi: ' + name + ' needs linked libraries; not supported');
      process.exit(1);
    }
    put(path.join(binDir, name + '.bin'), bin + '\n');
    writtenBin.add(name + '.bin');
    if (!check) console.log('export-abi: ' + path.relative(root, path.join(binDir, name + '.bin')) + ' (' + bin.length / 2 + ' bytes)');
  }
}
for (const f of fs.readdirSync(binDir)) {
  if (f.endsWith('.bin') && !writtenBin.has(f)) {
    drop(path.join(binDir, f));
    if (!check) console.log('export-abi: removed stale bin/' + f);
  }
}
for (const f of sharedAbi ? [] : fs.readdirSync(abiDir)) {
  if (f.endsWith('.json') && !written.has(f)) {
    drop(path.join(abiDir, f));
    if (!check) console.log('export-abi: removed stale abi/' + f);
  }
}
if (check) {
  if (stale.length) {
    console.error('export-abi: out of date (run make contracts-build and commit): ' + stale.join(', '));
    process.exit(1);
  }
  console.log('export-abi: contracts/abi and contracts/' + path.relative(root, binDir) + ' match the build');
}
