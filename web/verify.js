// Verify: a prediction record dropped or pasted here is posted to the node, which runs every
// check of `xtalproof verify` (with the structure file and the model it holds, and against its
// chain when it has a deployment); each check is shown with PASS, FAIL or SKIP and its reason.
import { api, el, frame, plural, showError } from './app.js';

frame('Verify');
const main = document.getElementById('main');
const text = el('textarea', { id: 'record', spellcheck: 'false', 'aria-describedby': 'record-help' });
const file = el('input', { type: 'file', id: 'record-file', accept: '.json,application/json' });
const go = el('button', { type: 'submit', id: 'verify' }, 'Verify');
const out = el('div', { id: 'result', 'aria-live': 'polite' });
const form = el('form', {},
  el('p', { id: 'record-help' }, 'Paste a prediction record (the JSON that xtalproof prove writes), drop its file on the box, or choose it.'),
  el('div', { class: 'drop' },
    el('label', { for: 'record-file' }, 'Record file: '), file,
    el('p', {}, el('label', { for: 'record' }, 'Record JSON')), text),
  go);
main.append(form, out);

async function load(f) {
  text.value = await f.text();
}
file.addEventListener('change', () => file.files[0] && load(file.files[0]));
form.addEventListener('dragover', (e) => e.preventDefault());
form.addEventListener('drop', (e) => {
  e.preventDefault();
  if (e.dataTransfer.files[0]) load(e.dataTransfer.files[0]);
});

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  out.replaceChildren(el('p', { class: 'status', role: 'status' }, 'verifying…'));
  try {
    const r = await api('/v1/verify', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: text.value });
    const lines = r.checks.map((c) => `${c.status} ${c.name.padEnd(10)} ${c.reason}`);
    out.replaceChildren(
      el('h2', {}, r.failed ? `FAIL: ${plural(r.failed, 'check', 'checks')} failed` : 'PASS: no check failed'),
      el('p', {}, `structure file: ${r.structure || 'none held by the node'}; model: ${r.model || 'none'}; chain: ${r.rpc || 'not configured'}`),
      el('table', {},
        el('caption', {}, 'Checks'),
        el('thead', {}, el('tr', {}, ['status', 'check', 'reason'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, r.checks.map((c) => el('tr', {}, el('td', { class: c.status }, c.status), el('td', {}, c.name), el('td', {}, c.reason))))),
      el('h3', {}, 'As xtalproof verify prints them'),
      el('pre', { class: 'lines', id: 'lines' }, lines.join('\n')));
  } catch (err) {
    out.replaceChildren();
    showError(out, err);
  }
});
