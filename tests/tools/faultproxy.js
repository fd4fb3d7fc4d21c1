#!/usr/bin/env node
// A loopback HTTP proxy that puts faults between a JSON-RPC client and its node (anvil), for the
// fault tests of the chain client and the daemon. Only Node's standard library.
//
// usage: faultproxy.js --upstream http://127.0.0.1:8545 [--port 0] [--seed N]
//                      [--drop P] [--drop-after P] [--delay P] [--delay-ms MS] [--cut P]
//                      [--garble P] [--error P] [--pid-file F] [--port-file F] [--stats-file F]
//
// Each request draws at most one fault, with these probabilities (0..1):
//   drop        the connection is closed before the request reaches upstream (never sent)
//   drop-after  the request is forwarded, upstream acts on it, and the connection is closed
//               without an answer (the case that tests "sent exactly once")
//   delay       the answer is held back delay-ms milliseconds (default 2000)
//   cut         the answer is cut short in the middle of its body
//   garble      bytes of the answer body are overwritten (invalid JSON or wrong values)
//   error       an HTTP 503 or 429 (alternately) with a short body, request not forwarded
// The draws come from a seeded generator, so a run can be repeated. The proxy listens on
// 127.0.0.1 only; --port 0 picks a free port, written to --port-file. On SIGTERM/SIGINT it writes
// the counts to --stats-file (JSON) and exits.
'use strict';
const http = require('http');
const fs = require('fs');

function parseArgs(argv) {
  const o = {
    upstream: null, port: 0, seed: 1, drop: 0, 'drop-after': 0, delay: 0, 'delay-ms': 2000,
    cut: 0, garble: 0, error: 0, 'pid-file': null, 'port-file': null, 'stats-file': null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || !(a.slice(2) in o) || i + 1 >= argv.length) {
      process.stderr.write(`faultproxy: bad argument ${a}\n`);
      process.exit(2);
    }
    const k = a.slice(2), v = argv[++i];
    o[k] = ['upstream', 'pid-file', 'port-file', 'stats-file'].includes(k) ? v : Number(v);
    if (typeof o[k] === 'number' && !Number.isFinite(o[k])) {
      process.stderr.write(`faultproxy: --${k} needs a number\n`);
      process.exit(2);
    }
  }
  if (!o.upstream) {
    process.stderr.write('faultproxy: --upstream URL is required\n');
    process.exit(2);
  }
  return o;
}

// xorshift32: small, seeded, the same sequence on every machine
function rng(seed) {
  let x = (seed >>> 0) || 0x9e3779b9;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
}

const opt = parseArgs(process.argv.slice(2));
const up = new URL(opt.upstream);
const rand = rng(opt.seed);
const kinds = ['drop', 'drop-after', 'delay', 'cut', 'garble', 'error'];
const stats = { requests: 0, passed: 0 };
for (const k of kinds) stats[k] = 0;

function draw() {
  let r = rand();
  for (const k of kinds) {
    if (r < opt[k]) return k;
    r -= opt[k];
  }
  return null;
}

function forward(body, headers, cb) {
  const req = http.request({
    host: up.hostname, port: up.port || 80, path: up.pathname + up.search, method: 'POST',
    headers: { 'content-type': headers['content-type'] || 'application/json',
               'content-length': body.length },
  }, (res) => {
    const parts = [];
    res.on('data', (c) => parts.push(c));
    res.on('end', () => cb(null, res.statusCode, Buffer.concat(parts)));
    res.on('error', (e) => cb(e));
  });
  req.on('error', (e) => cb(e));
  req.end(body);
}

const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    stats.requests++;
    const fault = draw();
    if (fault) stats[fault]++; else stats.passed++;
    if (fault === 'drop') { req.socket.destroy(); return; }
    if (fault === 'error') {
      const code = stats.error % 2 ? 503 : 429;
      res.writeHead(code, { 'content-type': 'text/plain', 'retry-after': '0' });
      res.end(code === 503 ? 'service unavailable\n' : 'too many requests\n');
      return;
    }
    forward(body, req.headers, (err, status, out) => {
      if (err) { res.writeHead(502, { 'content-type': 'text/plain' }); res.end('bad gateway\n'); return; }
      if (fault === 'drop-after') { req.socket.destroy(); return; }
      const send = () => {
        if (fault === 'cut' && out.length > 1) {
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': out.length });
          res.write(out.subarray(0, out.length >> 1));
          setTimeout(() => req.socket.destroy(), 10);
          return;
        }
        let b = out;
        if (fault === 'garble' && out.length > 0) {
          b = Buffer.from(out);
          const n = 1 + Math.floor(rand() * 4);
          for (let i = 0; i < n; i++) b[Math.floor(rand() * b.length)] = 0x21 + Math.floor(rand() * 90);
        }
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': b.length });
        res.end(b);
      };
      if (fault === 'delay') setTimeout(send, opt['delay-ms']); else send();
    });
  });
});

function finish() {
  if (opt['stats-file']) fs.writeFileSync(opt['stats-file'], JSON.stringify(stats) + '\n');
  process.exit(0);
}
process.on('SIGTERM', finish);
process.on('SIGINT', finish);

server.listen(opt.port, '127.0.0.1', () => {
  const port = server.address().port;
  if (opt['pid-file']) fs.writeFileSync(opt['pid-file'], `${process.pid}\n`);
  if (opt['port-file']) fs.writeFileSync(opt['port-file'], `${port}\n`);
  process.stdout.write(`faultproxy: 127.0.0.1:${port} -> ${opt.upstream}\n`);
});
