// Crystal (by symhash): the unit cell in 3D (3Dmol.js), formula, space group, protohash, the
// datasets that hold it with their inclusion proofs (checked here), the predictions made for it.
import { afterPaint, api, el, frame, loadScript, fromHex, hash, keccak256, q16text, showError, status, table, toHex } from './app.js';

frame('Crystal');
const main = document.getElementById('main');

// The inclusion proof folded here: leafHash = keccak(0x00 ‖ leaf), then the path to the root.
function inclusionHolds(doc) {
  const leaf = fromHex(doc.leaf);
  const pre = new Uint8Array(leaf.length + 1);
  pre.set(leaf, 1);
  let r = keccak256(pre);
  if (toHex(r) !== doc.leafHash) return false;
  let fn = BigInt(doc.index), sn = BigInt(doc.size) - 1n;
  for (const p of doc.path.map(fromHex)) {
    if (sn === 0n) return false;
    const b = new Uint8Array(65);
    b[0] = 1;
    if ((fn & 1n) || fn === sn) {
      b.set(p, 1);
      b.set(r, 33);
      r = keccak256(b);
      if (!(fn & 1n)) while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      b.set(r, 1);
      b.set(p, 33);
      r = keccak256(b);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && toHex(r) === doc.root;
}

function cart(lat, f) {
  return [0, 1, 2].map((k) => f[0] * lat[0][k] + f[1] * lat[1][k] + f[2] * lat[2][k]);
}

// The cell's atoms (each site and its images on the cell's faces) and its twelve edges.
function draw(box, s) {
  if (!window.$3Dmol) {
    box.append(el('p', { class: 'status' }, 'The 3D viewer is not installed in this node (npm ci in web/, then rebuild).'));
    return null;
  }
  const viewer = window.$3Dmol.createViewer(box, { backgroundColor: 'white' });
  const atoms = [];
  for (const site of s.sites) {
    const f0 = site.frac.map((x) => x - Math.floor(x + 1e-9));
    for (let i = 0; i < 8; i++) { // an atom on a face is drawn on the opposite face too
      if ([0, 1, 2].some((k) => ((i >> k) & 1) && f0[k] > 1e-6)) continue;
      const [x, y, z] = cart(s.lattice, f0.map((v, k) => v + ((i >> k) & 1)));
      atoms.push({ elem: site.element, x, y, z });
    }
  }
  const m = viewer.addModel();
  m.addAtoms(atoms);
  viewer.setStyle({}, { sphere: { scale: 0.3 }, stick: { radius: 0.12 } });
  const corners = [];
  for (let i = 0; i < 8; i++) corners.push(cart(s.lattice, [i & 1, (i >> 1) & 1, (i >> 2) & 1]));
  for (let i = 0; i < 8; i++)
    for (let k = 0; k < 3; k++)
      if (!((i >> k) & 1)) {
        const [a, b] = [corners[i], corners[i | (1 << k)]];
        viewer.addLine({ start: { x: a[0], y: a[1], z: a[2] }, end: { x: b[0], y: b[1], z: b[2] }, color: '#333333' });
      }
  viewer.zoomTo();
  viewer.render();
  return viewer;
}

async function proofsCell(sym, d) {
  try {
    const doc = await api(`/v1/datasets/${encodeURIComponent(d.dataset)}/proof/${sym}`);
    const ok = inclusionHolds(doc);
    return el('span', { class: ok ? 'PASS' : 'FAIL' },
      ok ? `included in version ${doc.version} (root ` : 'the proof does not hold (root ', hash(doc.root), ')');
  } catch (e) {
    return e.status === 404 ? 'in no version yet' : el('span', { class: 'error' }, e.message);
  }
}

async function run(sym) {
  if (!/^0x[0-9a-fA-F]{64}$/.test(sym || '')) {
    showError(main, new Error('give the crystal as ?symhash=0x followed by 64 hex digits'));
    return;
  }
  const x = await api(`/v1/structures/${sym}`);
  const s = x.structure;
  document.querySelector('h1').textContent = `Crystal ${s ? s.formula : ''}`;
  main.append(el('dl', { class: 'facts' },
    el('dt', {}, 'symhash'), el('dd', {}, el('code', {}, x.symhash)),
    el('dt', {}, 'protohash'), el('dd', {}, x.protohash ? el('code', {}, x.protohash) : '—'),
    el('dt', {}, 'formula'), el('dd', {}, s ? s.formula : 'the node has no structure file of it'),
    el('dt', {}, 'space group'), el('dd', {}, s ? `${s.international} (No. ${s.spacegroup})` : '—'),
    el('dt', {}, 'atoms in the cell'), el('dd', {}, s ? String(s.sites.length) : '—')));
  if (s) {
    try {
      await loadScript('/vendor/3Dmol-min.js');
    } catch (e) {
      // drawn as "not installed" below
    }
    main.append(el('h2', {}, 'Unit cell'));
    const box = el('div', { id: 'viewer', role: 'img', 'aria-label': `3D view of the unit cell of ${s.formula}` });
    main.append(box);
    window.xtalViewer = draw(box, s);
    if (window.xtalViewer)
      main.append(el('p', { class: 'status' }, 'Drag to turn the cell, scroll to zoom. 3D view by 3Dmol.js (',
        el('a', { href: '/vendor/3Dmol-LICENSE.txt' }, 'BSD-3-Clause licence'), ').'));
  }
  const rows = [];
  for (const d of x.datasets) rows.push([el('a', { href: `/#ds-${d.dataset}` }, d.dataset), String(d.index), await proofsCell(x.symhash, d)]);
  main.append(el('h2', {}, 'Datasets'));
  main.append(rows.length ? table('Datasets that hold it (inclusion proofs checked in this page)', ['dataset', 'record', 'inclusion'], rows)
    : el('p', {}, 'No dataset of this node holds it.'));
  const p = await api(`/v1/predictions?symhash=${x.symhash}&limit=1000`);
  main.append(el('h2', {}, 'Predictions'));
  main.append(p.predictions.length ? table('Prediction records the node holds for it',
    ['record', 'model', 'value', 'round', 'target', 'predictor', 'revealed'],
    p.predictions.map((r) => [hash(r.hash), r.model, q16text(r.valueQ), r.round ? el('a', { href: `/rounds.html?round=${r.round}` }, String(r.round)) : '—',
      String(r.target), el('code', {}, r.predictor), r.revealed ? 'yes' : 'no']))
    : el('p', {}, 'No prediction record of it.'));
}

const sym = new URLSearchParams(location.search).get('symhash');
afterPaint().then(() => run(sym)).catch((e) => showError(main, e));
