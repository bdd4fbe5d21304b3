#!/usr/bin/env node
// pgpx-bench Node runner: node-postgres (pg) and postgres.js.
//   node runner.js --peer pg|postgres
// Speaks the line protocol of bench/README.md on stdin/stdout. One process per peer.
'use strict';
const fs = require('fs');
const readline = require('readline');

const peerName = process.argv[process.argv.indexOf('--peer') + 1];

// ---- line protocol ----
const lines = [];
const waiters = [];
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (l) => (waiters.length ? waiters.shift()(l) : lines.push(l)));
rl.on('close', () => { lines.push(null); while (waiters.length) waiters.shift()(null); });
const nextLine = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((r) => waiters.push(r)));
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');

class Unsupported extends Error {
  constructor(kind, reason) { super(reason); this.kind = kind; this.reason = reason; }
}
const na = (reason) => { throw new Unsupported('n/a', reason); };

function statusKb(key) {
  for (const l of fs.readFileSync('/proc/self/status', 'utf8').split('\n')) if (l.startsWith(key)) return parseInt(l.slice(key.length), 10);
  return 0;
}
const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };
const now = () => process.hrtime.bigint();
const pkgVersion = (m) => JSON.parse(fs.readFileSync(require('path').join(__dirname, 'node_modules', m, 'package.json'), 'utf8')).version;

class Cell {
  constructor(w, p) { this.w = w; this.p = p; this.lat = []; this.extra = null; this.done = false; }
  get dflt() { return this.p.mode === 'default'; }
  get host() { return this.p.transport === 'tcp' ? this.p.tcp_host : this.p.socket_dir; }
  async start(pids) {
    say({ status: 'ready', pids });
    const go = await nextLine();
    if (go !== 'go') throw new Error(`expected go, got ${go}`);
    try { fs.writeFileSync('/proc/self/clear_refs', '5'); } catch (e) { /* not permitted */ }
    this.rss0 = statusKb('VmRSS:');
    this.cpu0 = cpuNs();
    this.t0 = now();
  }
  stop(ops, checksum) {
    const t1 = now();
    const cpu1 = cpuNs();
    const out = { status: 'ok', ops, wall_ns: Number(t1 - this.t0), cpu_ns: cpu1 - this.cpu0, checksum,
      rss_before_kb: this.rss0, rss_peak_kb: statusKb('VmHWM:') };
    if (this.lat.length) {
      const l = this.lat.sort((a, b) => a - b);
      const at = (q) => l[Math.min(l.length - 1, Math.floor(q * l.length))];
      Object.assign(out, { lat_p50_ns: at(0.5), lat_p99_ns: at(0.99), lat_p999_ns: at(0.999) });
    }
    if (this.extra) out.extra = this.extra;
    say(out);
    this.done = true; // later errors must not answer again (protocol sync)
  }
}

// ---- deterministic inputs and checksums (bench/README.md) ----
const pointId = (i, seed, n) => ((i * 7919 + seed * 104729) % n) + 1;
const q4 = (x) => Math.round(x * 4);
const secs = (d) => Math.floor(d.getTime() / 1000);
const days = (d) => Math.floor(d.getTime() / 86400000);
const num = Number;
const sumPerson = (r) => num(r[0]) + r[1].length + r[2].length + r[3].length + days(r[4]) + r[5] + r[6] + secs(r[7]);
function sumWide(r, nonum) {
  let s = num(r[0]) + r[1] + r[2] + r[3] + num(r[4]) + q4(r[5]) + q4(r[6]) + (r[7] ? 1 : 0) + r[8].length + r[9].length +
    r[10].length + secs(r[11]) + days(r[12]) + parseInt(r[13].slice(-2), 16);
  let b;
  if (nonum) b = r[14]; else { s += parseInt(r[14], 10); b = r[15]; }
  return s + b.length + b[0];
}
const vals = (o) => (Array.isArray(o) ? o : Object.values(o));
const pct = (xs, q) => { if (!xs.length) return 0; xs.sort((a, b) => a - b); return xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]; };

const INS7_SQL = 'insert into ins7 values ($1, $2, $3, $4, $5, $6, $7)';
const INS7_ROW = [10, 11, 10, 'TESTTESTTEST', 10.333, 12341234, '123412341234'];
function multiSql(rows) {
  const v = [];
  let k = 1;
  for (let r = 0; r < rows; r++) { const ph = []; for (let f = 0; f < 7; f++) ph.push('$' + k++); v.push('(' + ph.join(',') + ')'); }
  return 'insert into ins7 values ' + v.join(',');
}
function eventRows(n) {
  const base = Date.UTC(2020, 0, 1);
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({ u: '00000000-0000-4000-8000-' + i.toString(16).padStart(12, '0'), ts: new Date(base + i * 1000),
      name: `event ${i}`, note: `note for event ${i}`, attrs: JSON.stringify({ k: i, tag: 'x' }), qty: i % 100,
      big: String(i * 1000), score: i / 4, ok: i % 2 === 0, price: '12.34', tags: [i, i + 1, i + 2] });
  }
  return out;
}
const EVENT_COLS = ['u', 'ts', 'name', 'note', 'attrs', 'qty', 'big', 'score', 'ok', 'price', 'tags'];

// =========================================================================================
// node-postgres
// =========================================================================================
function makePg() {
  const pg = require('pg');
  const version = 'pg ' + pkgVersion('pg');
  const cfg = (c, extra = {}) => ({ host: c.host, port: +c.p.port, user: c.p.user, database: c.p.dbname, ...extra });
  const connect = async (c, extra) => { const k = new pg.Client(cfg(c, extra)); await k.connect(); return k; };
  const pidOf = (k) => k.processID;
  // best: int8 as number, jsonb as the raw string; default: the library's own parsers
  const bestTypes = {
    getTypeParser: (oid, format) => {
      if (oid === 20) return (s) => Number(s);
      if (oid === 3802 || oid === 114) return (s) => s;
      return pg.types.getTypeParser(oid, format);
    },
  };
  const types = (c) => (c.dflt ? undefined : bestTypes);
  const q = (c, name, text, values) => (c.dflt ? { text, values } : { name, text, values, rowMode: 'array', types: bestTypes });

  const H = {
    async W1(c) {
      const k = await connect(c);
      const { n, seed, rows, sql } = c.p;
      const one = async (i) => { const r = await k.query(q(c, 'w1', sql, [pointId(i, seed, rows)])); return sumPerson(vals(r.rows[0])); };
      for (let i = 0; i < c.p.warmup; i++) await one(i);
      let s = 0;
      await c.start([pidOf(k)]);
      for (let i = 0; i < n; i++) { const t = now(); s += await one(i); c.lat.push(Number(now() - t)); }
      c.stop(n, s);
      await k.end();
    },
    async W2(c) {
      const k = await connect(c);
      const { n, seed, rows, sql, prep } = c.p;
      const one = async (i) => {
        const args = [pointId(i, seed, rows)];
        const r = await k.query(prep === 'prepared' ? { name: 'w2', text: sql, values: args, rowMode: 'array', types: bestTypes }
          : { text: sql, values: args, rowMode: 'array', types: bestTypes });
        let x = 0; for (const row of r.rows) for (const v of row) x += Number(v); return x;
      };
      for (let i = 0; i < c.p.warmup; i++) await one(i);
      let s = 0;
      await c.start([pidOf(k)]);
      for (let i = 0; i < n; i++) s += await one(i);
      c.stop(n, s);
      await k.end();
    },
    async W3(c) {
      const k = await connect(c);
      const { n, iters, rows, sql } = c.p;
      const nonum = c.p.table === 'wide_row_nonum';
      const one = async (it) => {
        const lo = 1 + ((it * 7919) % Math.max(1, rows - n + 1));
        const r = await k.query(q(c, 'w3', sql, [lo, lo + n - 1]));
        let x = 0; for (const row of r.rows) x += sumWide(vals(row), nonum);
        return [r.rows.length, x];
      };
      for (let i = 0; i < c.p.warmup; i++) await one(i);
      let s = 0, total = 0;
      await c.start([pidOf(k)]);
      for (let i = 0; i < iters; i++) { const [a, x] = await one(i); total += a; s += x; }
      c.stop(total, s);
      await k.end();
    },
    async W4(c) {
      const { method, n, batch } = c.p;
      if (method === 'b') na('pg has no batch or pipelining API: queries queue one at a time');
      if (method === 'd' || method === 'e') na('pg has no COPY API of its own (pg-copy-streams not installed)');
      const k = await connect(c);
      await k.query('truncate ins7');
      await c.start([pidOf(k)]);
      await k.query('begin');
      if (method === 'a') {
        for (let i = 0; i < n; i++) await k.query({ name: 'ins', text: INS7_SQL, values: INS7_ROW });
      } else {
        const text = multiSql(batch);
        const values = [];
        for (let r = 0; r < batch; r++) values.push(...INS7_ROW);
        for (let i = 0; i < n; i += batch) await k.query({ name: 'multi', text, values });
      }
      await k.query('commit');
      const cnt = Number((await k.query('select count(*) from ins7')).rows[0].count);
      c.stop(n, cnt);
      await k.end();
    },
    async W5(c) {
      const k = await connect(c);
      await k.query('truncate event');
      const rows = eventRows(c.p.n);
      await c.start([pidOf(k)]);
      await k.query('begin');
      for (let b = 0; b < rows.length; b += 1000) {
        const chunk = rows.slice(b, b + 1000);
        const values = [];
        const ph = chunk.map((r, i) => '(' + EVENT_COLS.map((col, j) => { values.push(r[col]); return '$' + (i * EVENT_COLS.length + j + 1); }).join(',') + ')');
        await k.query(`insert into event (${EVENT_COLS.join(',')}) values ${ph.join(',')}`, values);
      }
      await k.query('commit');
      c.stop(c.p.n, Number((await k.query('select count(*) from event')).rows[0].count));
      await k.end();
    },
    async W7(c) {
      const k = await connect(c);
      const { n, depth, seed, rows, sql } = c.p;
      let s = 0;
      await c.start([pidOf(k)]);
      for (let b = 0; b < n; b += depth) {
        const ps = [];
        for (let i = b; i < Math.min(n, b + depth); i++) ps.push(k.query({ name: 'w7', text: sql, values: [pointId(i, seed, rows)], rowMode: 'array', types: bestTypes }));
        for (const r of await Promise.all(ps)) s += sumPerson(r.rows[0]);
      }
      c.stop(n, s);
      await k.end();
    },
    async W8(c) { await pgPool(c, false); },
    async W9(c) { await pgPool(c, true); },
    async W10(c) {
      const k = await connect(c);
      const ms = c.p.table === 'ms_arrays';
      let el = 0;
      const one = async () => {
        const r = await k.query(q(c, 'w10', c.p.sql, []));
        let x = 0;
        for (const row0 of r.rows) {
          const row = vals(row0);
          if (ms) { x += row[0]; for (const v of row[1]) x += v; el += row[1].length; } else {
            const j = typeof row[1] === 'string' ? row[1] : JSON.stringify(row[1]);
            x += num(row[0]) + j.length;
            for (const v of row[2]) x += v;
            for (const t of row[3]) x += t.length;
            for (const f of row[4]) x += q4(f);
            el += row[2].length + row[3].length + row[4].length + 1;
          }
        }
        return [r.rows.length, x];
      };
      for (let i = 0; i < c.p.warmup; i++) await one();
      el = 0;
      let s = 0, total = 0;
      await c.start([pidOf(k)]);
      for (let i = 0; i < c.p.iters; i++) { const [a, x] = await one(); total += a; s += x; }
      c.extra = { elements: el };
      c.stop(total, s);
      await k.end();
    },
    async W12(c) {
      const k = await connect(c);
      let bytes = 0;
      const one = async () => {
        const r = await k.query({ name: 'w12', text: c.p.sql, rowMode: 'array' });
        let x = 0;
        for (const [v] of r.rows) { x += v.length + (typeof v === 'string' ? v.charCodeAt(0) : v[0]); bytes += v.length; }
        return x;
      };
      await one();
      bytes = 0;
      let s = 0;
      await c.start([pidOf(k)]);
      for (let i = 0; i < c.p.iters; i++) s += await one();
      c.extra = { bytes };
      c.stop(c.p.iters, s);
      await k.end();
    },
    async W13(c) {
      let s = 0;
      await c.start([]);
      for (let i = 0; i < c.p.n; i++) { const k = await connect(c); s += (await k.query('select 1 as x')).rows[0].x; await k.end(); }
      c.stop(c.p.n, s);
    },
  };
  async function pgPool(c, withSql) {
    const { threads, pool: size, duration_ms: ms, seed } = c.p;
    const rows = c.p.rows || 100000;
    const pool = new pg.Pool(cfg(c, { max: size }));
    const held = [];
    for (let i = 0; i < size; i++) held.push(await pool.connect());
    const pids = held.map(pidOf);
    held.forEach((k) => k.release());
    const ops = new Array(threads).fill(0);
    const lats = [];
    let deadline = 0;
    const work = async (ti) => {
      let k = 0;
      while (Date.now() < deadline) {
        const t0 = now();
        const cl = await pool.connect();
        lats.push(Number(now() - t0));
        if (withSql) await cl.query({ name: 'w9', text: c.p.sql, values: [pointId(ti * 1000003 + k, seed, rows)], rowMode: 'array' });
        else { cl.processID; await null; }
        cl.release();
        k++;
      }
      ops[ti] = k;
    };
    await c.start(pids);
    deadline = Date.now() + ms;
    await Promise.all(Array.from({ length: threads }, (_, i) => work(i)));
    c.extra = { acquire_p50_ns: pct(lats, 0.5), acquire_p99_ns: pct(lats, 0.99), acquire_p999_ns: pct(lats, 0.999),
      fairness_max_min: Math.min(...ops) ? Math.max(...ops) / Math.min(...ops) : 0 };
    c.stop(ops.reduce((a, b) => a + b, 0), null);
    await pool.end();
  }
  return { name: 'pg', version, H };
}

// =========================================================================================
// postgres.js
// =========================================================================================
function makePostgres() {
  const postgres = require('postgres');
  const version = 'postgres.js ' + pkgVersion('postgres');
  const open = (c, extra = {}) => postgres({ host: c.host, port: +c.p.port, user: c.p.user, database: c.p.dbname,
    max: 1, onnotice: () => {}, ...extra });
  const rawJson = { types: { jsonb: { to: 3802, from: [3802, 114], serialize: (x) => x, parse: (x) => x } } };
  const pid = async (sql) => (await sql`select pg_backend_pid() as p`)[0].p;

  const H = {
    async W1(c) {
      const sql = open(c);
      const { n, seed, rows } = c.p;
      const one = c.dflt
        ? async (i) => sumPerson(vals((await sql`select id, first_name, last_name, sex, birth_date, weight, height, update_time from person where id = ${pointId(i, seed, rows)}`)[0]))
        : async (i) => sumPerson((await sql.unsafe(c.p.sql, [pointId(i, seed, rows)], { prepare: true }).values())[0]);
      for (let i = 0; i < c.p.warmup; i++) await one(i);
      let s = 0;
      await c.start([await pid(sql)]);
      for (let i = 0; i < n; i++) { const t = now(); s += await one(i); c.lat.push(Number(now() - t)); }
      c.stop(n, s);
      await sql.end();
    },
    async W2(c) {
      const sql = open(c, { prepare: c.p.prep !== 'unnamed' });
      const { n, seed, rows, prep } = c.p;
      const one = async (i) => {
        const r = await sql.unsafe(c.p.sql, [pointId(i, seed, rows)], { prepare: prep !== 'unnamed' }).values();
        let x = 0; for (const row of r) for (const v of row) x += Number(v); return x;
      };
      for (let i = 0; i < c.p.warmup; i++) await one(i);
      let s = 0;
      await c.start([await pid(sql)]);
      for (let i = 0; i < n; i++) s += await one(i);
      c.stop(n, s);
      await sql.end();
    },
    async W3(c) {
      const sql = open(c);
      const { n, iters, rows } = c.p;
      const nonum = c.p.table === 'wide_row_nonum';
      const one = async (it) => {
        const lo = 1 + ((it * 7919) % Math.max(1, rows - n + 1));
        const q = sql.unsafe(c.p.sql, [lo, lo + n - 1], { prepare: true });
        const r = c.dflt ? await q : await q.values();
        let x = 0; for (const row of r) x += sumWide(vals(row), nonum);
        return [r.length, x];
      };
      for (let i = 0; i < c.p.warmup; i++) await one(i);
      let s = 0, total = 0;
      await c.start([await pid(sql)]);
      for (let i = 0; i < iters; i++) { const [a, x] = await one(i); total += a; s += x; }
      c.stop(total, s);
      await sql.end();
    },
    async W3s(c) {
      const sql = open(c);
      let s = 0, total = 0;
      await c.start([await pid(sql)]);
      await sql.begin(async (tx) => {
        for await (const chunk of tx.unsafe(c.p.sql, [c.p.n], { prepare: true }).values().cursor(c.p.chunk)) {
          for (const r of chunk) { s += sumWide(r, false); total++; }
        }
      });
      c.stop(total, s);
      await sql.end();
    },
    async W4(c) {
      const { method, n, batch } = c.p;
      if (method === 'd') na('postgres.js COPY (.writable()) is text format only');
      const sql = open(c);
      await sql`truncate ins7`;
      await c.start([await pid(sql)]);
      await sql.begin(async (tx) => {
        if (method === 'a') {
          for (let i = 0; i < n; i++) await tx.unsafe(INS7_SQL, INS7_ROW, { prepare: true });
        } else if (method === 'b') {
          for (let i = 0; i < n; i += batch) {
            const ps = [];
            for (let j = 0; j < batch; j++) ps.push(tx.unsafe(INS7_SQL, INS7_ROW, { prepare: true }));
            await Promise.all(ps);
          }
        } else if (method === 'c') {
          const rows = Array.from({ length: batch }, () => ({ a: 10, b: 11, c: 10, d: 'TESTTESTTEST', e: 10.333, f: 12341234, g: '123412341234' }));
          for (let i = 0; i < n; i += batch) await tx`insert into ins7 ${tx(rows)}`;
        } else if (method === 'e') {
          const w = await tx`copy ins7 from stdin`.writable();
          const line = '10\t11\t10\tTESTTESTTEST\t10.333\t12341234\t123412341234\n';
          const chunk = line.repeat(1000);
          await new Promise((resolve, reject) => {
            let i = 0;
            w.on('error', reject);
            w.on('finish', resolve);
            const pump = () => {
              while (i < n) { i += 1000; if (!w.write(chunk)) { w.once('drain', pump); return; } }
              w.end();
            };
            pump();
          });
        }
      });
      const cnt = Number((await sql`select count(*) as n from ins7`)[0].n);
      c.stop(n, cnt);
      await sql.end();
    },
    async W5(c) {
      const sql = open(c);
      await sql`truncate event`;
      const rows = eventRows(c.p.n).map((r) => ({ ...r, attrs: JSON.parse(r.attrs) }));
      await c.start([await pid(sql)]);
      await sql.begin(async (tx) => {
        for (let b = 0; b < rows.length; b += 1000) await tx`insert into event ${tx(rows.slice(b, b + 1000).map((r) => ({ ...r, attrs: tx.json(r.attrs) })), ...EVENT_COLS)}`;
      });
      c.stop(c.p.n, Number((await sql`select count(*) as n from event`)[0].n));
      await sql.end();
    },
    async W6(c) {
      const sql = open(c);
      await sql`truncate w6_log`;
      await sql`update w6_acct set v = 0`;
      const { n: units, seed } = c.p;
      const piped = c.p.exec === 'pipelined';
      let s = 0;
      const unit = (u) => {
        const ps = [];
        for (let j = 0; j < 4; j++) ps.push(sql`select id, weight from person where id = ${pointId(u * 4 + j, seed, 100000)}`.values());
        for (let j = 0; j < 3; j++) ps.push(sql`update w6_acct set v = v + 1 where id = ${((u * 3 + j) % 10000) + 1}`);
        for (let j = 7; j < 10; j++) ps.push(sql`insert into w6_log (unit, k, note) values (${u}, ${j}, ${'unit of work note'})`);
        return ps;
      };
      const consume = (rs) => { let x = 0; for (let j = 0; j < 4; j++) for (const r of rs[j]) x += Number(r[0]) + r[1]; for (let j = 4; j < 10; j++) x += rs[j].count; return x; };
      await c.start([await pid(sql)]);
      if (piped) {
        for (let u0 = 0; u0 < units; u0 += 100) {
          const all = [];
          for (let u = u0; u < Math.min(units, u0 + 100); u++) all.push(Promise.all(unit(u)));
          for (const rs of await Promise.all(all)) s += consume(rs);
        }
      } else {
        for (let u = 0; u < units; u++) {
          const rs = [];
          for (const mk of unitSeq(u)) rs.push(await mk());
          s += consume(rs);
        }
      }
      function unitSeq(u) {
        const f = [];
        for (let j = 0; j < 4; j++) f.push(() => sql`select id, weight from person where id = ${pointId(u * 4 + j, seed, 100000)}`.values());
        for (let j = 0; j < 3; j++) f.push(() => sql`update w6_acct set v = v + 1 where id = ${((u * 3 + j) % 10000) + 1}`);
        for (let j = 7; j < 10; j++) f.push(() => sql`insert into w6_log (unit, k, note) values (${u}, ${j}, ${'unit of work note'})`);
        return f;
      }
      c.stop(units, s);
      await sql.end();
    },
    async W7(c) {
      const sql = open(c);
      const { n, depth, seed, rows } = c.p;
      let s = 0;
      await c.start([await pid(sql)]);
      for (let b = 0; b < n; b += depth) {
        const ps = [];
        for (let i = b; i < Math.min(n, b + depth); i++) ps.push(sql.unsafe(c.p.sql, [pointId(i, seed, rows)], { prepare: true }).values());
        for (const r of await Promise.all(ps)) s += sumPerson(r[0]);
      }
      c.stop(n, s);
      await sql.end();
    },
    async W8(c) { await pjPool(c, false); },
    async W9(c) { await pjPool(c, true); },
    async W10(c) {
      const sql = open(c, c.dflt ? {} : rawJson);
      const ms = c.p.table === 'ms_arrays';
      let el = 0;
      const one = async () => {
        const r = await sql.unsafe(c.p.sql, [], { prepare: true }).values();
        let x = 0;
        for (const row of r) {
          if (ms) { x += row[0]; for (const v of row[1]) x += v; el += row[1].length; } else {
            const j = typeof row[1] === 'string' ? row[1] : JSON.stringify(row[1]);
            x += num(row[0]) + j.length;
            for (const v of row[2]) x += v;
            for (const t of row[3]) x += t.length;
            for (const f of row[4]) x += q4(f);
            el += row[2].length + row[3].length + row[4].length + 1;
          }
        }
        return [r.length, x];
      };
      for (let i = 0; i < c.p.warmup; i++) await one();
      el = 0;
      let s = 0, total = 0;
      await c.start([await pid(sql)]);
      for (let i = 0; i < c.p.iters; i++) { const [a, x] = await one(); total += a; s += x; }
      c.extra = { elements: el };
      c.stop(total, s);
      await sql.end();
    },
    async W12(c) {
      const sql = open(c);
      let bytes = 0;
      const one = async () => {
        let x = 0;
        for (const [v] of await sql.unsafe(c.p.sql, [], { prepare: true }).values()) { x += v.length + (typeof v === 'string' ? v.charCodeAt(0) : v[0]); bytes += v.length; }
        return x;
      };
      await one();
      bytes = 0;
      let s = 0;
      await c.start([await pid(sql)]);
      for (let i = 0; i < c.p.iters; i++) s += await one();
      c.extra = { bytes };
      c.stop(c.p.iters, s);
      await sql.end();
    },
    async W13(c) {
      let s = 0;
      await c.start([]);
      for (let i = 0; i < c.p.n; i++) { const sql = open(c); s += (await sql`select 1 as x`)[0].x; await sql.end(); }
      c.stop(c.p.n, s);
    },
  };
  async function pjPool(c, withSql) {
    const { threads, pool: size, duration_ms: ms, seed } = c.p;
    const rows = c.p.rows || 100000;
    const sql = open(c, { max: size });
    const held = [];
    for (let i = 0; i < size; i++) held.push(await sql.reserve());
    const pids = [];
    for (const r of held) pids.push((await r`select pg_backend_pid() as p`)[0].p);
    held.forEach((r) => r.release());
    const ops = new Array(threads).fill(0);
    const lats = [];
    let deadline = 0;
    const work = async (ti) => {
      let k = 0;
      while (Date.now() < deadline) {
        if (withSql) {
          // postgres.js has no checkout for queries: each query takes a free connection
          await sql.unsafe(c.p.sql, [pointId(ti * 1000003 + k, seed, rows)], { prepare: true }).values();
        } else {
          const t0 = now();
          const r = await sql.reserve();
          lats.push(Number(now() - t0));
          r.release();
        }
        k++;
      }
      ops[ti] = k;
    };
    await c.start(pids);
    deadline = Date.now() + ms;
    await Promise.all(Array.from({ length: threads }, (_, i) => work(i)));
    c.extra = { acquire_p50_ns: pct(lats, 0.5), acquire_p99_ns: pct(lats, 0.99), acquire_p999_ns: pct(lats, 0.999),
      fairness_max_min: Math.min(...ops) ? Math.max(...ops) / Math.min(...ops) : 0 };
    c.stop(ops.reduce((a, b) => a + b, 0), null);
    await sql.end();
  }
  return { name: 'postgres.js', version, H };
}

async function main() {
  const peer = peerName === 'pg' ? makePg() : makePostgres();
  for (;;) {
    const line = await nextLine();
    if (line === null || line === 'quit') break;
    if (line === 'go' || line === '') continue; // stray "go" after a cell that failed before ready
    if (line === 'info') { say({ status: 'ok', peer: peer.name, version: peer.version }); continue; }
    if (!line.startsWith('run ')) { say({ status: 'error', message: 'unknown command' }); continue; }
    const sp = line.indexOf(' ', 4);
    const w = sp < 0 ? line.slice(4) : line.slice(4, sp);
    let cell = null;
    try {
      const p = sp < 0 ? {} : JSON.parse(line.slice(sp + 1));
      const fn = peer.H[w === 'W0' ? 'W1' : w];
      if (!fn) throw new Unsupported('n/a', `not implemented in the ${peer.name} runner (or no native API)`);
      cell = new Cell(w, p);
      await fn(cell);
    } catch (e) {
      if (e instanceof Unsupported) say({ status: 'unsupported', kind: e.kind, reason: e.reason });
      else {
        process.stderr.write(String(e && e.stack) + '\n');
        if (!(cell && cell.done)) say({ status: 'error', message: String(e && e.message).slice(0, 500) });
      }
    }
  }
  process.exit(0);
}
main();
