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

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'out');
const abiDir = path.join(root, 'abi');
const binDir = path.join(root, 'bin');

if (!fs.existsSync(outDir)) {
  console.error('export-abi: no ' + outDir + '; run `forge build` in contracts/ first');
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
    console.log('export-abi: ' + name + ' (' + source + ') has an empty ABI, skipped');
    continue;
  }
  const file = path.join(abiDir, name + '.json');
  fs.writeFileSync(file, JSON.stringify(abi, null, 2) + '\n');
  written.add(name + '.json');
  console.log('export-abi: ' + path.relative(root, file) + ' (' + abi.length + ' entries)');
  if (bin.length > 0) {
    if (/__\$[0-9a-f]{34}\$__/.test(bin)) {
      console.error('export-abi: ' + name + ' needs linked libraries; not supported');
      process.exit(1);
    }
    fs.writeFileSync(path.join(binDir, name + '.bin'), bin + '\n');
    writtenBin.add(name + '.bin');
    console.log('export-abi: bin/' + name + '.bin (' + bin.length / 2 + ' bytes)');
  }
}
for (const f of fs.readdirSync(binDir)) {
  if (f.endsWith('.bin') && !writtenBin.has(f)) {
    fs.unlinkSync(path.join(binDir, f));
    console.log('export-abi: removed stale bin/' + f);
  }
}
for (const f of fs.readdirSync(abiDir)) {
  if (f.endsWith('.json') && !written.has(f)) {
    fs.unlinkSync(path.join(abiDir, f));
    console.log('export-abi: removed stale abi/' + f);
  }
}
