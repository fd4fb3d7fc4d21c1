// Datasets: each dataset's versions with size, root, time, the anchoring transaction and block,
// licence and owner; each version's consistency with the one before, checked here (keccak-256
// and RFC 9162 in app.js) on the proofs the node hands out.
import { afterPaint, api, el, frame, hash, showError, status, table, verifyConsistency, when } from './app.js';

frame('Datasets');
const main = document.getElementById('main');

async function anchorsByRoot() {
  const out = new Map();
  try {
    const a = await api('/v1/chain/datasets');
    for (const e of a.anchors) out.set(`${e.root}/${e.size}`, { ...e, name: a.names[e.id] });
    return { map: out, note: null };
  } catch (e) {
    return { map: out, note: `anchors not shown: ${e.message}` };
  }
}

async function consistencyCell(name, v) {
  if (v.version === 1) return 'first version';
  const doc = await api(`/v1/datasets/${encodeURIComponent(name)}/consistency?first=${v.version - 1}&second=${v.version}`);
  const ok = verifyConsistency(doc.fromSize, doc.toSize, doc.fromRoot, doc.toRoot, doc.proof);
  return el('span', { class: ok ? 'PASS' : 'FAIL' },
    ok ? `consistent with version ${v.version - 1}` : `NOT consistent with version ${v.version - 1}`);
}

async function showDataset(name, anchors) {
  const d = await api(`/v1/datasets/${encodeURIComponent(name)}`);
  const section = el('section', { 'aria-labelledby': `ds-${name}` }, el('h2', { id: `ds-${name}` }, d.name));
  section.append(el('dl', { class: 'facts' },
    el('dt', {}, 'licence'), el('dd', {}, d.license || '—'),
    el('dt', {}, 'owner'), el('dd', {}, d.owner ? el('code', {}, d.owner) : 'none'),
    el('dt', {}, 'description'), el('dd', {}, d.description || '—'),
    el('dt', {}, 'records'), el('dd', {}, `${d.records} (${d.pending} after the last version)`)));
  const rows = [];
  for (const v of d.versions) {
    const a = anchors.get(`${v.root}/${v.size}`);
    rows.push([String(v.version), String(v.size), hash(v.root), when(v.timestamp),
      a ? el('span', {}, `dataset ${a.id}${a.version ? ` version ${a.version}` : ''}, block ${a.block}, tx `, hash(a.tx)) : 'not anchored',
      await consistencyCell(d.name, v)]);
  }
  section.append(table(`Versions of ${d.name}`, ['version', 'size', 'root', 'cut at', 'anchored on chain', 'consistency (checked in this page)'], rows));
  return section;
}

async function run() {
  const wait = status(main, 'reading the datasets…');
  try {
    const [list, anchors] = await Promise.all([api('/v1/datasets'), anchorsByRoot()]);
    wait.remove();
    if (anchors.note) status(main, anchors.note);
    if (!list.datasets.length) status(main, 'The node holds no dataset yet.');
    for (const d of list.datasets) main.append(await showDataset(d.name, anchors.map));
  } catch (e) {
    wait.remove();
    showError(main, e);
  }
}
afterPaint().then(run);
