// Rounds: each round's targets, the commit / result / reveal / settlement timeline, the oracle's
// report (facility and beamline, raw-data hash, time of the measurement), the reveals with their
// winners, the disputes, and the payouts and royalties of the settlement.
import { afterPaint, api, crystalLink, el, frame, hash, plural, q16, q16text, showError, status, table, wei, when } from './app.js';

frame('Rounds');
const main = document.getElementById('main');

function outcome(r) {
  if (r.lost) return 'lost a dispute';
  return r.winner ? 'winner' : 'missed';
}

function targetSection(round, t, models) {
  const box = el('section', { 'aria-label': `round ${round.round} target ${t.index}` },
    el('h3', {}, `Target ${t.index}: `, crystalLink(t.symhash), ` (${t.status})`));
  const rep = t.report;
  box.append(el('dl', { class: 'facts' },
    el('dt', {}, 'measured'), el('dd', {}, t.result ? `${t.result} ${rep ? `± ${rep.uncertaintyText}` : ''}` : 'not yet'),
    el('dt', {}, 'facility and beamline'), el('dd', {}, rep ? rep.facilityText : '—'),
    el('dt', {}, 'raw-data hash'), el('dd', {}, rep ? el('code', {}, rep.rawDataHash) : '—'),
    el('dt', {}, 'signed by'), el('dd', {}, rep && rep.signers ? rep.signers.map((a) => el('code', {}, a, ' ')) : '—'),
    el('dt', {}, 'oracle report'), el('dd', {}, rep ? el('span', {}, `measured ${when(rep.measuredAt)}, posted in block ${rep.block}, tx `, hash(rep.tx)) : '—'),
    el('dt', {}, 'reveal deadline'), el('dd', {}, when(t.revealDeadline)),
    el('dt', {}, 'commitments'), el('dd', {}, `${t.commits} (${t.reveals.length} revealed, ${plural(t.winners, 'winner', 'winners')}, ${t.lost} lost to a dispute)`),
    el('dt', {}, 'settlement'), el('dd', {}, t.settlement
      ? el('span', {}, `${plural(t.settlement.winners, 'winner', 'winners')}, ${wei(t.settlement.share)} each after royalties, ${wei(t.settlement.toSponsor)} back to the sponsor (block ${t.settlement.block}, tx `, hash(t.settlement.tx), ')')
      : 'not settled')));
  if (t.reveals.length)
    box.append(table(`Reveals of target ${t.index}`, ['#', 'predictor', 'model', 'predicted', 'error', 'outcome'],
      t.reveals.map((r, i) => [String(i), el('code', {}, r.predictor), models[r.modelId] || `#${r.modelId}`, q16text(r.valueQ),
        t.result ? (q16(r.valueQ) - q16(t.resultQ)).toFixed(4) : '—', outcome(r)])));
  if (t.disputes.length)
    box.append(table(`Disputes of target ${t.index}`, ['dispute', 'reveal', 'challenger', 'moves', 'outcome'],
      t.disputes.map((d) => [String(d.id), String(d.reveal), el('code', {}, d.challenger), String(d.moves), `${d.outcome} (${d.reason})`])));
  return box;
}

function roundSection(r, models) {
  const s = el('section', { 'aria-labelledby': `round-${r.round}` },
    el('h2', { id: `round-${r.round}` }, el('a', { href: `/rounds.html?round=${r.round}` }, `Round ${r.round}`), `: ${r.property}`));
  s.append(el('dl', { class: 'facts' },
    el('dt', {}, 'sponsor'), el('dd', {}, el('code', {}, r.sponsor)),
    el('dt', {}, 'reward per target'), el('dd', {}, wei(r.rewardPerTarget)),
    el('dt', {}, 'stake, bond'), el('dd', {}, `${wei(r.stake)} per prediction, ${wei(r.bond)} per challenge`),
    el('dt', {}, 'tolerance'), el('dd', {}, r.tolerance),
    el('dt', {}, 'royalty to training data'), el('dd', {}, `${Number(r.royaltyBps) / 100} %`),
    el('dt', {}, 'oracle committee'), el('dd', {}, el('code', {}, r.committee))));
  s.append(table(`Timeline of round ${r.round}`, ['step', 'until'], [
    ['commit', when(r.commitDeadline)],
    ['oracle result', when(r.resultDeadline)],
    ['reveal (after each result)', `${r.revealWindow} s`],
    ['challenge (after the reveal window)', `${r.challengeWindow} s`],
    ['settlement', r.targets.every((t) => t.status === 'settled') ? 'done' : 'pending']]));
  for (const t of r.targets) s.append(targetSection(r, t, models));
  return s;
}

async function run() {
  const wanted = new URLSearchParams(location.search).get('round');
  const wait = status(main, 'reading the rounds from the chain…');
  try {
    if (wanted) {
      const r = await api(`/v1/chain/rounds/${encodeURIComponent(wanted)}`);
      wait.remove();
      main.append(roundSection(r, r.models));
      return;
    }
    const before = new URLSearchParams(location.search).get('before');
    const all = await api(`/v1/chain/rounds?limit=10${before ? `&before=${encodeURIComponent(before)}` : ''}`);
    wait.remove();
    if (!all.rounds.length) status(main, 'No round has been opened on this chain.');
    else status(main, `${all.count} rounds on chain; here rounds ${all.rounds[0].round} to ${all.rounds[all.rounds.length - 1].round}, the newest first.`);
    for (const r of all.rounds.slice().reverse()) main.append(roundSection(r, all.models));
    if (all.older) main.append(el('p', {}, el('a', { href: `/rounds.html?before=${all.older}` }, 'Older rounds')));
  } catch (e) {
    wait.remove();
    showError(main, e);
  }
}
afterPaint().then(run);
