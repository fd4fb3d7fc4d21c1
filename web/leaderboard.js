// Leaderboard per property: models and predictors ranked by their mean absolute error on settled
// targets (measured by the oracle) and by their hit rate within the round's tolerance, with a
// parity plot (predicted against measured) per model. A reveal that lost a dispute was shown not
// to be the model's output: it is plotted (as a cross) but counted for no one.
import { afterPaint, api, el, frame, plural, q16, showError, status, table, wei } from './app.js';

frame('Leaderboard');
const main = document.getElementById('main');

// Every revealed prediction of a settled target, by property.
export function collect(rounds, models) {
  const byProp = new Map();
  for (const r of rounds)
    for (const t of r.targets) {
      if (t.status !== 'settled') continue;
      for (const v of t.reveals) {
        if (!byProp.has(r.property)) byProp.set(r.property, []);
        const d = Number(BigInt(v.valueQ) - BigInt(t.resultQ));
        byProp.get(r.property).push({
          round: r.round, target: t.index, model: models[v.modelId] || `model #${v.modelId}`, predictor: v.predictor,
          predicted: q16(v.valueQ), measured: q16(t.resultQ), error: Math.abs(d) / 65536,
          hit: Math.abs(d) <= Number(r.toleranceQ), lost: v.lost, winner: v.winner,
        });
      }
    }
  return byProp;
}

function rank(points, key) {
  const groups = new Map();
  for (const p of points.filter((x) => !x.lost)) {
    if (!groups.has(p[key])) groups.set(p[key], []);
    groups.get(p[key]).push(p);
  }
  return [...groups.entries()].map(([name, ps]) => ({
    name, n: ps.length,
    mae: ps.reduce((s, p) => s + p.error, 0) / ps.length,
    hits: ps.filter((p) => p.hit).length,
    wins: ps.filter((p) => p.winner).length,
  })).sort((a, b) => a.mae - b.mae || b.hits - a.hits);
}

// predicted (y) against measured (x), the diagonal, one mark per reveal
function parity(model, points) {
  const W = 260, P = 36;
  const vals = points.flatMap((p) => [p.predicted, p.measured]);
  let lo = Math.min(...vals), hi = Math.max(...vals);
  const pad = (hi - lo || 1) * 0.1;
  lo -= pad;
  hi += pad;
  const sx = (v) => P + ((v - lo) / (hi - lo)) * (W - 2 * P);
  const sy = (v) => W - P - ((v - lo) / (hi - lo)) * (W - 2 * P);
  const ns = 'http://www.w3.org/2000/svg';
  const mk = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const svg = mk('svg', { class: 'parity', width: W, height: W, viewBox: `0 0 ${W} ${W}`, role: 'img', 'aria-label': `parity plot of ${model}: ${points.length} predictions` });
  svg.append(mk('title', {}, `${model}: predicted against measured`));
  svg.append(mk('rect', { x: P, y: P, width: W - 2 * P, height: W - 2 * P, fill: 'none', stroke: '#888' }));
  svg.append(mk('line', { x1: sx(lo), y1: sy(lo), x2: sx(hi), y2: sy(hi), stroke: '#888', 'stroke-dasharray': '4 3' }));
  svg.append(mk('text', { x: W / 2, y: W - 6, 'text-anchor': 'middle' }, 'measured'));
  svg.append(mk('text', { x: 12, y: W / 2, transform: `rotate(-90 12 ${W / 2})`, 'text-anchor': 'middle' }, 'predicted'));
  svg.append(mk('text', { x: P, y: W - P + 14 }, lo.toFixed(2)));
  svg.append(mk('text', { x: W - P, y: W - P + 14, 'text-anchor': 'end' }, hi.toFixed(2)));
  for (const p of points) {
    const g = mk('g', { class: 'point', 'data-lost': p.lost ? '1' : '0' });
    g.append(mk('title', {}, `round ${p.round} target ${p.target}: predicted ${p.predicted}, measured ${p.measured}${p.lost ? ' (lost its dispute)' : ''}`));
    const [x, y] = [sx(p.measured), sy(p.predicted)];
    if (p.lost) {
      g.append(mk('path', { d: `M${x - 5} ${y - 5}L${x + 5} ${y + 5}M${x - 5} ${y + 5}L${x + 5} ${y - 5}`, stroke: '#a40e26', 'stroke-width': 2 }));
    } else {
      g.append(mk('circle', { cx: x, cy: y, r: 5, fill: p.hit ? '#116329' : '#0b5cad', 'fill-opacity': 0.7 }));
    }
    svg.append(g);
  }
  return el('figure', {}, svg, el('figcaption', {}, `${model}: ${plural(points.length, 'revealed prediction', 'revealed predictions')} (crosses: shown false in a dispute)`));
}

function propertySection(prop, points) {
  const s = el('section', { 'aria-label': `leaderboard of ${prop}` }, el('h2', {}, prop));
  const fmt = (r) => [r.name, String(r.n), r.mae.toFixed(6), `${r.hits} / ${r.n} (${Math.round((100 * r.hits) / r.n)} %)`, String(r.wins)];
  const head = ['', 'settled predictions', 'mean absolute error', 'hits within tolerance', 'wins'];
  s.append(table(`Models on ${prop}, by mean absolute error`, ['model', ...head.slice(1)], rank(points, 'model').map(fmt)));
  s.append(table(`Predictors on ${prop}, by mean absolute error`, ['predictor', ...head.slice(1)], rank(points, 'predictor').map(fmt)));
  const plots = el('div', { class: 'plots' });
  for (const m of [...new Set(points.map((p) => p.model))]) plots.append(parity(m, points.filter((p) => p.model === m)));
  s.append(el('h3', {}, 'Parity plots'), plots);
  return s;
}

// Each model's training datasets and the royalties the settlements paid to their owners, and what
// its model card says it predicts: a DFT-level model scored against measurements is read with that.
async function royalties() {
  const [m, d] = await Promise.all([api('/v1/chain/models'), api('/v1/chain/datasets')]);
  const name = (id) => (d.names[id] ? `${d.names[id]} (dataset ${id})` : `dataset ${id}`);
  const card = (x, k) => (x.card ? x.card[k] : 'no model card on this node');
  return el('section', { 'aria-label': 'royalties' }, el('h2', {}, 'Training data and royalties'),
    table('What each model was trained on (its model card)', ['model', 'training data', 'level of theory', 'known bias'],
      m.models.map((x) => [x.name, card(x, 'trainingData'), card(x, 'levelOfTheory'), card(x, 'knownBias')])),
    table('Royalties paid to the training datasets of each model', ['model', 'training datasets', 'royalties paid'],
      m.models.map((x) => [x.name, x.trainingDatasets.map(name).join(', ') || 'none', wei(x.royalties)])));
}

async function run() {
  const wait = status(main, 'reading the settled rounds from the chain…');
  try {
    const all = await api('/v1/chain/rounds?limit=1000');
    wait.remove();
    const byProp = collect(all.rounds, all.models);
    const wanted = new URLSearchParams(location.search).get('property');
    if (!byProp.size) status(main, 'No target has been settled yet.');
    for (const [prop, points] of byProp) if (!wanted || wanted === prop) main.append(propertySection(prop, points));
    main.append(await royalties());
    const used = new Set([...byProp.values()].flat().map((p) => p.model));
    const idle = Object.values(all.models).filter((m) => !used.has(m));
    if (idle.length) main.append(el('p', {}, `Registered models without a settled prediction: ${idle.join(', ')}.`));
  } catch (e) {
    wait.remove();
    showError(main, e);
  }
}
afterPaint().then(run);
