#!/usr/bin/python3
"""pgpx-bench Python runner: psycopg 3 (pure-Python build) + psycopg_pool, asyncpg,
SQLAlchemy 1.4 (Core and ORM over psycopg2, Core over the asyncpg dialect).

    runner.py --peer psycopg|asyncpg|sqlalchemy-core|sqlalchemy-orm|sqlalchemy-asyncpg

Speaks the line protocol of bench/README.md on stdin/stdout. One process per peer.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import re
import resource
import sys
import threading
import time

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
EPOCH_ORD = dt.date(1970, 1, 1).toordinal()
ONE_SEC = dt.timedelta(seconds=1)


class Unsupported(Exception):
    def __init__(self, kind, reason):
        super().__init__(reason)
        self.kind, self.reason = kind, reason


def na(reason):
    raise Unsupported("n/a", reason)


def say(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def point_id(i, seed, n):
    return (i * 7919 + seed * 104729) % n + 1


def q4(x):
    return int(round(x * 4))


def secs(t):
    return (t - EPOCH) // ONE_SEC


def days(d):
    return d.toordinal() - EPOCH_ORD


def uuid_last(u):
    return u.int & 0xFF if not isinstance(u, str) else int(u[-2:], 16)


def sum_person(r):
    return (r[0] + len(r[1]) + len(r[2]) + len(r[3]) + days(r[4]) + r[5] + r[6] + secs(r[7]))


def sum_wide(r, nonum=False):
    s = (r[0] + r[1] + r[2] + r[3] + r[4] + q4(r[5]) + q4(r[6]) + (1 if r[7] else 0) + len(r[8]) + len(r[9]) +
         len(r[10]) + secs(r[11]) + days(r[12]) + uuid_last(r[13]))
    if nonum:
        b = r[14]
    else:
        s += int(r[14])
        b = r[15]
    return s + sum_value(b)


def sum_value(v):
    """Checksum of one bytea or text value: its length plus its first byte (or character)."""
    b0 = v[0]
    if not isinstance(b0, int):  # text, and psycopg2's memoryview, which indexes as bytes
        b0 = ord(b0)
    return len(v) + b0


def sum_docs(res, ms):
    """W10 checksum and element count of fetched rows (docs: jsonb as text, three arrays)."""
    x = el = 0
    for r in res:
        if ms:
            x += r[0] + sum(r[1])
            el += len(r[1])
        else:
            x += r[0] + len(r[1]) + sum(r[2]) + sum(len(t) for t in r[3]) + sum(q4(f) for f in r[4])
            el += len(r[2]) + len(r[3]) + len(r[4]) + 1
    return x, el


def status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def cpu_ns():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return int((ru.ru_utime + ru.ru_stime) * 1e9)


class Cell:
    def __init__(self, workload, p):
        self.w, self.p = workload, p
        self.lat = []
        self.extra = {}
        self.done = False  # the result line was sent: later errors must not answer again

    def __getitem__(self, k):
        return self.p[k]

    def get(self, k, d=None):
        return self.p.get(k, d)

    @property
    def default(self):
        return self.p.get("mode") == "default"

    @property
    def tcp(self):
        return self.p.get("transport") == "tcp"

    def host(self):
        return self.p["tcp_host"] if self.tcp else self.p["socket_dir"]

    def conninfo(self):
        return (f"host={self.host()} port={self.p['port']} user={self.p['user']} dbname={self.p['dbname']} "
                f"application_name=pgpx-bench")

    def start(self, pids):
        say({"status": "ready", "pids": list(pids)})
        go = sys.stdin.readline().strip()
        if go != "go":
            raise RuntimeError(f"expected go, got {go!r}")
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass
        self.rss0 = status_kb("VmRSS:")
        self.cpu0 = cpu_ns()
        self.t0 = time.perf_counter_ns()

    def stop(self, ops, checksum):
        t1 = time.perf_counter_ns()
        cpu1 = cpu_ns()
        out = {"status": "ok", "ops": ops, "wall_ns": t1 - self.t0, "cpu_ns": cpu1 - self.cpu0, "checksum": checksum,
               "rss_before_kb": self.rss0, "rss_peak_kb": status_kb("VmHWM:")}
        if self.lat:
            lat = sorted(self.lat)
            n = len(lat)
            out.update(lat_p50_ns=lat[n // 2], lat_p99_ns=lat[min(n - 1, int(n * 0.99))],
                       lat_p999_ns=lat[min(n - 1, int(n * 0.999))])
        if self.extra:
            out["extra"] = self.extra
        say(out)
        self.done = True


def pct(xs, q):
    if not xs:
        return 0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def pyformat(sql):
    """$n placeholders -> %s (psycopg, psycopg2). The bench SQL uses each $n once, in order."""
    return re.sub(r"\$\d+", "%s", sql.replace("%", "%%"))


def named(sql):
    """$n -> :pn (SQLAlchemy text())."""
    return re.sub(r"\$(\d+)", r":p\1", sql)


INS7_SQL = "insert into ins7 values ($1, $2, $3, $4, $5, $6, $7)"
INS7_ROW = (10, 11, 10, "TESTTESTTEST", 10.333, 12341234, "123412341234")


def multi_sql(rows, style):
    vals = []
    k = 1
    for _ in range(rows):
        ph = []
        for _ in range(7):
            ph.append("%s" if style == "pyformat" else f"${k}")
            k += 1
        vals.append("(" + ",".join(ph) + ")")
    return "insert into ins7 values " + ",".join(vals)


def event_rows(n):
    import decimal
    import uuid
    base = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    out = []
    for i in range(n):
        out.append((uuid.UUID(int=(0x4000 << 64) + i), base + dt.timedelta(seconds=i), f"event {i}",
                    f"note for event {i}", json.dumps({"k": i, "tag": "x"}), i % 100, i * 1000, i / 4, i % 2 == 0,
                    decimal.Decimal("12.34"), [i, i + 1, i + 2]))
    return out


EVENT_COLS = "u, ts, name, note, attrs, qty, big, score, ok, price, tags"

# ==========================================================================================
# psycopg 3
# ==========================================================================================


class Psycopg:
    name = "psycopg"

    def __init__(self):
        import psycopg
        import psycopg_pool  # noqa: F401
        self.psycopg = psycopg
        import psycopg_pool
        self.version = (f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__} build), "
                        f"psycopg_pool {getattr(psycopg_pool, '__version__', '?')}")

    def connect(self, c, **kw):
        from psycopg.rows import dict_row
        if c.default:
            kw.setdefault("row_factory", dict_row)
        return self.psycopg.connect(c.conninfo(), autocommit=True, **kw)

    def cursor(self, cx, c):
        return cx.cursor() if c.default else cx.cursor(binary=True)

    def exec_kw(self, c):
        return {} if c.default else {"prepare": True}

    def W1(self, c):
        cx = self.connect(c)
        cur = self.cursor(cx, c)
        sql, kw = pyformat(c["sql"]), self.exec_kw(c)
        n, seed, rows = c["n"], c["seed"], c["rows"]
        dflt = c.default

        def one(i):
            cur.execute(sql, (point_id(i, seed, rows),), **kw)
            r = cur.fetchone()
            return sum_person(tuple(r.values()) if dflt else r)

        for i in range(c["warmup"]):
            one(i)
        s = 0
        c.start([cx.info.backend_pid])
        pc = time.perf_counter_ns
        lat = c.lat
        for i in range(n):
            t = pc()
            s += one(i)
            lat.append(pc() - t)
        c.stop(n, s)

    W0 = W1

    def W2(self, c):
        cx = self.connect(c, prepare_threshold=None if c["prep"] == "unnamed" else 5)
        cur = cx.cursor(binary=True)
        sql = pyformat(c["sql"])
        kw = {"prepare": True} if c["prep"] == "prepared" else ({"prepare": False} if c["prep"] == "unnamed" else {})
        n, seed, rows = c["n"], c["seed"], c["rows"]

        def one(i):
            cur.execute(sql, (point_id(i, seed, rows),), **kw)
            return sum(sum(r) for r in cur.fetchall())

        for i in range(c["warmup"]):
            one(i)
        s = 0
        c.start([cx.info.backend_pid])
        for i in range(n):
            s += one(i)
        c.stop(n, s)

    def W3(self, c):
        cx = self.connect(c)
        cur = self.cursor(cx, c)
        sql, kw = pyformat(c["sql"]), self.exec_kw(c)
        n, iters, rows = c["n"], c["iters"], c["rows"]
        nonum = c["table"] == "wide_row_nonum"
        dflt = c.default

        def one(it):
            lo = 1 + (it * 7919) % max(1, rows - n + 1)
            cur.execute(sql, (lo, lo + n - 1), **kw)
            res = cur.fetchall()
            if dflt:
                return len(res), sum(sum_wide(tuple(r.values()), nonum) for r in res)
            return len(res), sum(sum_wide(r, nonum) for r in res)

        for i in range(c["warmup"]):
            one(i)
        s = total = 0
        c.start([cx.info.backend_pid])
        for i in range(iters):
            k, x = one(i)
            total += k
            s += x
        c.stop(total, s)

    def W3s(self, c):
        cx = self.psycopg.connect(c.conninfo())
        s = total = 0
        c.start([cx.info.backend_pid])
        with cx.transaction():
            cur = cx.cursor(name="w3s", binary=True)
            cur.itersize = c["chunk"]
            cur.execute(pyformat(c["sql"]), (c["n"],))
            for r in cur:
                s += sum_wide(r)
                total += 1
            cur.close()
        c.stop(total, s)
        cx.close()

    def W4(self, c):
        m, n, batch = c["method"], c["n"], c["batch"]
        cx = self.psycopg.connect(c.conninfo())
        cx.execute("truncate ins7")
        cx.commit()
        cur = cx.cursor(binary=True)
        sql = pyformat(INS7_SQL)
        c.start([cx.info.backend_pid])
        if m == "a":
            for _ in range(n):
                cur.execute(sql, INS7_ROW, prepare=True)
        elif m == "b":
            rows = [INS7_ROW] * batch
            for _ in range(0, n, batch):
                cur.executemany(sql, rows)
        elif m == "c":
            msql = multi_sql(batch, "pyformat")
            params = INS7_ROW * batch
            for _ in range(0, n, batch):
                cur.execute(msql, params, prepare=True)
        elif m in ("d", "e"):
            fmt = " (format binary)" if m == "d" else ""
            with cur.copy(f"copy ins7 from stdin{fmt}") as cp:
                if m == "d":
                    cp.set_types(["int4", "int4", "int4", "text", "float8", "int4", "text"])
                for _ in range(n):
                    cp.write_row(INS7_ROW)
        cx.commit()
        cnt = cx.execute("select count(*) from ins7").fetchone()[0]
        c.stop(n, cnt)
        cx.close()

    def W5(self, c):
        cx = self.psycopg.connect(c.conninfo())
        cx.execute("truncate event")
        cx.commit()
        rows = event_rows(c["n"])
        from psycopg.types.json import Jsonb
        rows = [r[:4] + (Jsonb(json.loads(r[4])),) + r[5:] for r in rows]
        cur = cx.cursor(binary=True)
        c.start([cx.info.backend_pid])
        cur.executemany(f"insert into event ({EVENT_COLS}) values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", rows)
        cx.commit()
        c.stop(c["n"], cx.execute("select count(*) from event").fetchone()[0])
        cx.close()

    def W6(self, c):
        cx = self.psycopg.connect(c.conninfo(), autocommit=True)
        cx.execute("truncate w6_log")
        cx.execute("update w6_acct set v = 0")
        cur = cx.cursor(binary=True)
        units, seed = c["n"], c["seed"]
        piped = c["exec"] == "pipelined"
        s = 0
        c.start([cx.info.backend_pid])

        def unit(u, cur):
            curs = []
            for j in range(4):
                k = cx.cursor(binary=True)
                k.execute("select id, weight from person where id = %s", (point_id(u * 4 + j, seed, 100000),),
                          prepare=True)
                curs.append(k)
            for j in range(3):
                k = cx.cursor(binary=True)
                k.execute("update w6_acct set v = v + 1 where id = %s", ((u * 3 + j) % 10000 + 1,), prepare=True)
                curs.append(k)
            for j in range(7, 10):
                k = cx.cursor(binary=True)
                k.execute("insert into w6_log (unit, k, note) values (%s, %s, %s)", (u, j, "unit of work note"),
                          prepare=True)
                curs.append(k)
            return curs

        def consume(curs):
            x = 0
            for k in curs[:4]:
                for r in k.fetchall():
                    x += r[0] + r[1]
            for k in curs[4:]:
                x += k.rowcount
            return x

        if piped:
            step = 100
            for u0 in range(0, units, step):
                with cx.pipeline():
                    allc = [unit(u, cur) for u in range(u0, min(units, u0 + step))]
                for curs in allc:
                    s += consume(curs)
        else:
            for u in range(units):
                s += consume(unit(u, cur))
        c.stop(units, s)

    def W7(self, c):
        cx = self.connect(c)
        n, depth, seed, rows = c["n"], c["depth"], c["seed"], c["rows"]
        sql = pyformat(c["sql"])
        s = 0
        c.start([cx.info.backend_pid])
        for b in range(0, n, depth):
            curs = []
            with cx.pipeline():
                for i in range(b, min(n, b + depth)):
                    k = cx.cursor(binary=True)
                    k.execute(sql, (point_id(i, seed, rows),), prepare=True)
                    curs.append(k)
            for k in curs:
                s += sum_person(k.fetchone())
        c.stop(n, s)

    def _pool(self, c, with_sql):
        from psycopg_pool import ConnectionPool
        t, p, ms = c["threads"], c["pool"], c["duration_ms"]
        pool = ConnectionPool(c.conninfo(), min_size=p, max_size=p, kwargs={"autocommit": True})
        pool.wait()
        pids = []
        conns = [pool.getconn() for _ in range(p)]
        pids = [k.info.backend_pid for k in conns]
        for k in conns:
            pool.putconn(k)
        stop = threading.Event()
        ops = [0] * t
        lats = [[] for _ in range(t)]
        sql = pyformat(c.get("sql") or "")
        seed, rows = c["seed"], c.get("rows", 100000)

        def work(ti):
            k = 0
            lat = lats[ti]
            pc = time.perf_counter_ns
            while not stop.is_set():
                t0 = pc()
                with pool.connection() as cx:
                    lat.append(pc() - t0)
                    if with_sql:
                        cx.execute(sql, (point_id(ti * 1000003 + k, seed, rows),), prepare=True,
                                   binary=True).fetchone()
                    else:
                        cx.info.backend_pid
                k += 1
            ops[ti] = k

        c.start(pids)
        ths = [threading.Thread(target=work, args=(i,)) for i in range(t)]
        for th in ths:
            th.start()
        time.sleep(ms / 1000)
        stop.set()
        for th in ths:
            th.join()
        allat = [x for lat in lats for x in lat]
        c.extra = {"acquire_p50_ns": pct(allat, 0.5), "acquire_p99_ns": pct(allat, 0.99),
                   "acquire_p999_ns": pct(allat, 0.999),
                   "fairness_max_min": (max(ops) / min(ops)) if min(ops) else 0}
        c.stop(sum(ops), None)
        pool.close()

    def W8(self, c):
        self._pool(c, False)

    def W9(self, c):
        self._pool(c, True)

    def W10(self, c):
        from psycopg.types.json import set_json_loads
        cx = self.connect(c)
        if not c.default:
            set_json_loads(lambda s: s.decode() if isinstance(s, (bytes, memoryview)) else s, cx)
        cur = self.cursor(cx, c)
        ms = c["table"] == "ms_arrays"
        sql = c["sql"]
        state = {"el": 0}

        def one():
            cur.execute(sql, prepare=True)
            res = cur.fetchall()
            x, el = sum_docs(res, ms)
            state["el"] += el
            return len(res), x

        for _ in range(c["warmup"]):
            one()
        state["el"] = 0
        s = total = 0
        c.start([cx.info.backend_pid])
        for _ in range(c["iters"]):
            k, x = one()
            total += k
            s += x
        c.extra = {"elements": state["el"]}
        c.stop(total, s)

    def W12(self, c):
        cx = self.connect(c)
        cur = cx.cursor(binary=True)
        sql = c["sql"]
        tot = {"b": 0}

        def one():
            cur.execute(sql, prepare=True)
            x = 0
            for (v,) in cur.fetchall():
                x += sum_value(v)
                tot["b"] += len(v)
            return x

        one()
        tot["b"] = 0
        s = 0
        c.start([cx.info.backend_pid])
        for _ in range(c["iters"]):
            s += one()
        c.extra = {"bytes": tot["b"]}
        c.stop(c["iters"], s)

    def W13(self, c):
        n = c["n"]
        s = 0
        c.start([])
        for _ in range(n):
            with self.psycopg.connect(c.conninfo()) as cx:
                s += cx.execute("select 1").fetchone()[0]
        c.stop(n, s)


# ==========================================================================================
# asyncpg
# ==========================================================================================


class Asyncpg:
    name = "asyncpg"
    is_async = True

    def __init__(self):
        import asyncpg
        self.asyncpg = asyncpg
        self.version = f"asyncpg {asyncpg.__version__}"

    async def connect(self, c, **kw):
        return await self.asyncpg.connect(host=c.host(), port=int(c["port"]), user=c["user"], database=c["dbname"],
                                          **kw)

    async def W1(self, c):
        cx = await self.connect(c)
        sql = c["sql"]
        n, seed, rows = c["n"], c["seed"], c["rows"]
        if c.default:
            async def one(i):
                return sum_person(await cx.fetchrow(sql, point_id(i, seed, rows)))
        else:
            st = await cx.prepare(sql)

            async def one(i):
                return sum_person(await st.fetchrow(point_id(i, seed, rows)))
        for i in range(c["warmup"]):
            await one(i)
        s = 0
        c.start([cx.get_server_pid()])
        pc = time.perf_counter_ns
        lat = c.lat
        for i in range(n):
            t = pc()
            s += await one(i)
            lat.append(pc() - t)
        c.stop(n, s)
        await cx.close()

    W0 = W1

    async def W2(self, c):
        prep = c["prep"]
        cx = await self.connect(c, statement_cache_size=0 if prep == "unnamed" else 100)
        sql = c["sql"]
        n, seed, rows = c["n"], c["seed"], c["rows"]
        st = await cx.prepare(sql) if prep == "prepared" else None

        async def one(i):
            res = await (st.fetch(point_id(i, seed, rows)) if st else cx.fetch(sql, point_id(i, seed, rows)))
            return sum(sum(r) for r in res)

        for i in range(c["warmup"]):
            await one(i)
        s = 0
        c.start([cx.get_server_pid()])
        for i in range(n):
            s += await one(i)
        c.stop(n, s)
        await cx.close()

    async def W3(self, c):
        cx = await self.connect(c)
        sql = c["sql"]
        n, iters, rows = c["n"], c["iters"], c["rows"]
        nonum = c["table"] == "wide_row_nonum"
        st = None if c.default else await cx.prepare(sql)

        async def one(it):
            lo = 1 + (it * 7919) % max(1, rows - n + 1)
            res = await (cx.fetch(sql, lo, lo + n - 1) if st is None else st.fetch(lo, lo + n - 1))
            return len(res), sum(sum_wide(r, nonum) for r in res)

        for i in range(c["warmup"]):
            await one(i)
        s = total = 0
        c.start([cx.get_server_pid()])
        for i in range(iters):
            k, x = await one(i)
            total += k
            s += x
        c.stop(total, s)
        await cx.close()

    async def W3s(self, c):
        cx = await self.connect(c)
        s = total = 0
        c.start([cx.get_server_pid()])
        async with cx.transaction():
            async for r in cx.cursor(c["sql"], c["n"], prefetch=c["chunk"]):
                s += sum_wide(r)
                total += 1
        c.stop(total, s)
        await cx.close()

    async def W4(self, c):
        m, n, batch = c["method"], c["n"], c["batch"]
        if m == "e":
            na("asyncpg's COPY API is binary (copy_records_to_table); no text-format writer")
        cx = await self.connect(c)
        await cx.execute("truncate ins7")
        c.start([cx.get_server_pid()])
        if m == "a":
            st = await cx.prepare(INS7_SQL)
            async with cx.transaction():
                for _ in range(n):
                    await st.fetch(*INS7_ROW)
        elif m == "b":
            rows = [INS7_ROW] * batch
            async with cx.transaction():
                for _ in range(0, n, batch):
                    await cx.executemany(INS7_SQL, rows)
        elif m == "c":
            st = await cx.prepare(multi_sql(batch, "dollar"))
            params = INS7_ROW * batch
            async with cx.transaction():
                for _ in range(0, n, batch):
                    await st.fetch(*params)
        elif m == "d":
            chunk = [INS7_ROW] * 10000
            left = n
            while left > 0:
                k = min(left, len(chunk))
                await cx.copy_records_to_table("ins7", records=chunk[:k] if k < len(chunk) else chunk)
                left -= k
        cnt = await cx.fetchval("select count(*) from ins7")
        c.stop(n, cnt)
        await cx.close()

    async def W5(self, c):
        cx = await self.connect(c)
        await cx.execute("truncate event")
        rows = event_rows(c["n"])
        c.start([cx.get_server_pid()])
        await cx.executemany(f"insert into event ({EVENT_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)", rows)
        c.stop(c["n"], await cx.fetchval("select count(*) from event"))
        await cx.close()

    async def W7(self, c):
        # one connection serializes: asyncpg refuses concurrent operations on a connection,
        # so the natural form is gather() over a pool of size 1.
        pool = await self.asyncpg.create_pool(host=c.host(), port=int(c["port"]), user=c["user"],
                                              database=c["dbname"], min_size=1, max_size=1)
        async with pool.acquire() as cx:
            pid = cx.get_server_pid()
        n, depth, seed, rows = c["n"], c["depth"], c["seed"], c["rows"]
        sql = c["sql"]
        c.start([pid])
        s = 0
        for b in range(0, n, depth):
            res = await asyncio.gather(*(pool.fetchrow(sql, point_id(i, seed, rows))
                                         for i in range(b, min(n, b + depth))))
            s += sum(sum_person(r) for r in res)
        c.stop(n, s)
        await pool.close()

    async def _pool(self, c, with_sql):
        t, p, ms = c["threads"], c["pool"], c["duration_ms"]
        pool = await self.asyncpg.create_pool(host=c.host(), port=int(c["port"]), user=c["user"],
                                              database=c["dbname"], min_size=p, max_size=p)
        conns = [await pool.acquire() for _ in range(p)]
        pids = [k.get_server_pid() for k in conns]
        for k in conns:
            await pool.release(k)
        ops = [0] * t
        lats = [[] for _ in range(t)]
        sql = c.get("sql")
        seed, rows = c["seed"], c.get("rows", 100000)
        deadline = [0.0]

        async def work(ti):
            k = 0
            lat = lats[ti]
            pc = time.perf_counter_ns
            while time.monotonic() < deadline[0]:
                t0 = pc()
                async with pool.acquire() as cx:
                    lat.append(pc() - t0)
                    if with_sql:
                        await cx.fetchrow(sql, point_id(ti * 1000003 + k, seed, rows))
                    else:
                        cx.get_server_pid()
                        await asyncio.sleep(0)
                k += 1
            ops[ti] = k

        c.start(pids)
        deadline[0] = time.monotonic() + ms / 1000
        await asyncio.gather(*(work(i) for i in range(t)))
        allat = [x for lat in lats for x in lat]
        c.extra = {"acquire_p50_ns": pct(allat, 0.5), "acquire_p99_ns": pct(allat, 0.99),
                   "acquire_p999_ns": pct(allat, 0.999),
                   "fairness_max_min": (max(ops) / min(ops)) if min(ops) else 0}
        c.stop(sum(ops), None)
        await pool.close()

    async def W8(self, c):
        await self._pool(c, False)

    async def W9(self, c):
        await self._pool(c, True)

    async def W10(self, c):
        cx = await self.connect(c)
        ms = c["table"] == "ms_arrays"
        st = await cx.prepare(c["sql"])
        state = {"el": 0}

        async def one():
            res = await st.fetch()
            x, el = sum_docs(res, ms)
            state["el"] += el
            return len(res), x

        for _ in range(c["warmup"]):
            await one()
        state["el"] = 0
        s = total = 0
        c.start([cx.get_server_pid()])
        for _ in range(c["iters"]):
            k, x = await one()
            total += k
            s += x
        c.extra = {"elements": state["el"]}
        c.stop(total, s)
        await cx.close()

    async def W12(self, c):
        cx = await self.connect(c)
        st = await cx.prepare(c["sql"])
        tot = {"b": 0}

        async def one():
            x = 0
            for (v,) in await st.fetch():
                x += sum_value(v)
                tot["b"] += len(v)
            return x

        await one()
        tot["b"] = 0
        s = 0
        c.start([cx.get_server_pid()])
        for _ in range(c["iters"]):
            s += await one()
        c.extra = {"bytes": tot["b"]}
        c.stop(c["iters"], s)
        await cx.close()

    async def W13(self, c):
        n = c["n"]
        s = 0
        c.start([])
        for _ in range(n):
            cx = await self.connect(c)
            s += await cx.fetchval("select 1")
            await cx.close()
        c.stop(n, s)


# ==========================================================================================
# SQLAlchemy 1.4
# ==========================================================================================


def sa_url(c, driver):
    return (f"postgresql+{driver}://{c['user']}@/{c['dbname']}?host={c.host()}&port={c['port']}"
            if not c.tcp else f"postgresql+{driver}://{c['user']}@{c.host()}:{c['port']}/{c['dbname']}")


class SqlaCore:
    name = "sqlalchemy-core"

    def __init__(self):
        import sqlalchemy
        self.sa = sqlalchemy
        self.version = f"SQLAlchemy {sqlalchemy.__version__} + psycopg2 {__import__('psycopg2').__version__.split()[0]}"

    def engine(self, c, **kw):
        if not c.default:
            kw.setdefault("executemany_mode", "values_only")
        return self.sa.create_engine(sa_url(c, "psycopg2"), **kw)

    def pid(self, conn):
        return conn.exec_driver_sql("select pg_backend_pid()").scalar()

    def W1(self, c):
        eng = self.engine(c)
        stmt = self.sa.text(named(c["sql"]))
        n, seed, rows = c["n"], c["seed"], c["rows"]
        with eng.connect() as conn:
            def one(i):
                return sum_person(conn.execute(stmt, {"p1": point_id(i, seed, rows)}).one())
            for i in range(c["warmup"]):
                one(i)
            s = 0
            c.start([self.pid(conn)])
            pc = time.perf_counter_ns
            for i in range(n):
                t = pc()
                s += one(i)
                c.lat.append(pc() - t)
            c.stop(n, s)
        eng.dispose()

    def W2(self, c):
        if c["prep"] != "default":
            na("psycopg2 interpolates parameters client-side: no server-side prepare")
        eng = self.engine(c)
        stmt = self.sa.text(named(c["sql"]))
        n, seed, rows = c["n"], c["seed"], c["rows"]
        with eng.connect() as conn:
            def one(i):
                return sum(sum(r) for r in conn.execute(stmt, {"p1": point_id(i, seed, rows)}))
            for i in range(c["warmup"]):
                one(i)
            s = 0
            c.start([self.pid(conn)])
            for i in range(n):
                s += one(i)
            c.stop(n, s)
        eng.dispose()

    def W3(self, c):
        eng = self.engine(c)
        stmt = self.sa.text(named(c["sql"]))
        n, iters, rows = c["n"], c["iters"], c["rows"]
        nonum = c["table"] == "wide_row_nonum"
        with eng.connect() as conn:
            def one(it):
                lo = 1 + (it * 7919) % max(1, rows - n + 1)
                res = conn.execute(stmt, {"p1": lo, "p2": lo + n - 1}).all()
                return len(res), sum(sum_wide(r, nonum) for r in res)
            for i in range(c["warmup"]):
                one(i)
            s = total = 0
            c.start([self.pid(conn)])
            for i in range(iters):
                k, x = one(i)
                total += k
                s += x
            c.stop(total, s)
        eng.dispose()

    def W3s(self, c):
        eng = self.engine(c)
        s = total = 0
        with eng.connect() as conn:
            c.start([self.pid(conn)])
            with conn.begin():
                res = conn.execution_options(stream_results=True, yield_per=c["chunk"]).execute(
                    self.sa.text(named(c["sql"])), {"p1": c["n"]})
                for r in res:
                    s += sum_wide(r)
                    total += 1
            c.stop(total, s)
        eng.dispose()

    def _ins7(self):
        md = self.sa.MetaData()
        cols = [self.sa.Column(x, t) for x, t in zip("abcdefg", (self.sa.Integer, self.sa.Integer, self.sa.Integer,
                                                                  self.sa.Text, self.sa.Float, self.sa.Integer,
                                                                  self.sa.Text))]
        return self.sa.Table("ins7", md, *cols)

    def W4(self, c):
        m, n, batch = c["method"], c["n"], c["batch"]
        if m in ("d", "e"):
            na("no COPY API in SQLAlchemy")
        eng = self.engine(c)
        t = self._ins7()
        row = dict(zip("abcdefg", INS7_ROW))
        with eng.connect() as conn:
            conn.exec_driver_sql("truncate ins7")
            conn.commit() if hasattr(conn, "commit") else None
            c.start([self.pid(conn)])
            with conn.begin():
                if m == "a":
                    ins = t.insert()
                    for _ in range(n):
                        conn.execute(ins, row)
                elif m == "b":
                    rows = [row] * batch
                    for _ in range(0, n, batch):
                        conn.execute(t.insert(), rows)
                elif m == "c":
                    rows = [row] * batch
                    stmt = t.insert().values(rows)
                    for _ in range(0, n, batch):
                        conn.execute(stmt)
            cnt = conn.exec_driver_sql("select count(*) from ins7").scalar()
            c.stop(n, cnt)
        eng.dispose()

    def _event_table(self):
        sa = self.sa
        from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
        md = sa.MetaData()
        return sa.Table("event", md, sa.Column("id", sa.BigInteger, primary_key=True),
                        sa.Column("u", UUID(as_uuid=True)), sa.Column("ts", sa.DateTime(timezone=True)),
                        sa.Column("name", sa.Text), sa.Column("note", sa.Text), sa.Column("attrs", JSONB),
                        sa.Column("qty", sa.Integer), sa.Column("big", sa.BigInteger), sa.Column("score", sa.Float),
                        sa.Column("ok", sa.Boolean), sa.Column("price", sa.Numeric), sa.Column("tags", ARRAY(sa.Integer)))

    def W5(self, c):
        eng = self.engine(c)
        t = self._event_table()
        keys = [k.strip() for k in EVENT_COLS.split(",")]
        rows = [dict(zip(keys, r[:4] + (json.loads(r[4]),) + r[5:])) for r in event_rows(c["n"])]
        with eng.connect() as conn:
            conn.exec_driver_sql("truncate event")
            c.start([self.pid(conn)])
            with conn.begin():
                for b in range(0, len(rows), 1000):
                    conn.execute(t.insert().values(rows[b:b + 1000]))
            c.stop(c["n"], conn.exec_driver_sql("select count(*) from event").scalar())
        eng.dispose()

    def W11(self, c):
        if c.get("api") == "orm":
            na("Core")
        eng = self.engine(c)
        n, iters = c["n"], c["iters"]
        with eng.connect() as conn:
            if c["op"] == "update":
                stmt = self.sa.text("update owner set score = :s where id = :i")
                c.start([self.pid(conn)])
                aff = 0
                for _ in range(iters):
                    with conn.begin():
                        aff += conn.execute(stmt, [{"i": i, "s": i % 1000} for i in range(1, n + 1)]).rowcount
                c.stop(n * iters, aff)
                return
            q_o = self.sa.text("select id, name, email, created, score from owner where id between 1 and :n order by id")
            q_p = self.sa.text("select id, owner_id, name, age from pet where owner_id between 1 and :n "
                               "order by owner_id, id")

            def one():
                owners = [(r, []) for r in conn.execute(q_o, {"n": n})]
                idx = {o[0][0]: o[1] for o in owners}
                for p in conn.execute(q_p, {"n": n}):
                    idx[p[1]].append(p)
                x = 0
                for o, ps in owners:
                    x += o[0] + len(o[1]) + len(o[2]) + secs(o[3]) + o[4]
                    x += sum(p[0] + p[1] + len(p[2]) + p[3] for p in ps)
                return len(owners), x

            one()
            s = total = 0
            c.start([self.pid(conn)])
            for _ in range(iters):
                k, x = one()
                total += k
                s += x
            c.stop(total, s)
        eng.dispose()

    def W10(self, c):
        # json_deserializer=identity: jsonb stays its text, as the other peers read it
        eng = self.engine(c, json_deserializer=lambda t: t)
        stmt = self.sa.text(c["sql"])
        ms = c["table"] == "ms_arrays"
        state = {"el": 0}
        with eng.connect() as conn:
            def one():
                res = conn.execute(stmt).all()
                x, el = sum_docs(res, ms)
                state["el"] += el
                return len(res), x
            for _ in range(c["warmup"]):
                one()
            state["el"] = 0
            s = total = 0
            c.start([self.pid(conn)])
            for _ in range(c["iters"]):
                k, x = one()
                total += k
                s += x
            c.extra = {"elements": state["el"]}
            c.stop(total, s)
        eng.dispose()

    def W12(self, c):
        eng = self.engine(c)
        stmt = self.sa.text(c["sql"])
        tot = {"b": 0}
        with eng.connect() as conn:
            def one():
                x = 0
                for (v,) in conn.execute(stmt):
                    x += sum_value(v)
                    tot["b"] += len(v)
                return x
            one()
            tot["b"] = 0
            s = 0
            c.start([self.pid(conn)])
            for _ in range(c["iters"]):
                s += one()
            c.extra = {"bytes": tot["b"]}
            c.stop(c["iters"], s)
        eng.dispose()

    def W13(self, c):
        from sqlalchemy.pool import NullPool
        eng = self.engine(c, poolclass=NullPool)
        n = c["n"]
        s = 0
        c.start([])
        for _ in range(n):
            with eng.connect() as conn:
                s += conn.exec_driver_sql("select 1").scalar()
        c.stop(n, s)


class SqlaOrm(SqlaCore):
    name = "sqlalchemy-orm"

    def __init__(self):
        super().__init__()
        sa = self.sa
        from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
        from sqlalchemy.orm import declarative_base, relationship
        Base = declarative_base()

        class Person(Base):
            __tablename__ = "person"
            id = sa.Column(sa.BigInteger, primary_key=True)
            first_name = sa.Column(sa.Text)
            last_name = sa.Column(sa.Text)
            sex = sa.Column(sa.Text)
            birth_date = sa.Column(sa.Date)
            weight = sa.Column(sa.Integer)
            height = sa.Column(sa.Integer)
            update_time = sa.Column(sa.DateTime(timezone=True))

        class WideRow(Base):
            __tablename__ = "wide_row"
            id = sa.Column(sa.BigInteger, primary_key=True)
            a = sa.Column(sa.Integer)
            b = sa.Column(sa.Integer)
            c = sa.Column(sa.SmallInteger)
            d = sa.Column(sa.BigInteger)
            f1 = sa.Column(sa.Float)
            f2 = sa.Column(sa.Float)
            flag = sa.Column(sa.Boolean)
            s_short = sa.Column(sa.Text)
            s_med = sa.Column(sa.Text)
            vc = sa.Column(sa.String(32))
            ts = sa.Column(sa.DateTime(timezone=True))
            dt = sa.Column(sa.Date)
            u = sa.Column(UUID(as_uuid=True))
            amount = sa.Column(sa.Numeric(12, 2))
            blob = sa.Column(sa.LargeBinary)

        class Owner(Base):
            __tablename__ = "owner"
            id = sa.Column(sa.BigInteger, primary_key=True)
            name = sa.Column(sa.Text)
            email = sa.Column(sa.Text)
            created = sa.Column(sa.DateTime(timezone=True))
            score = sa.Column(sa.Integer)
            pets = relationship("Pet", order_by="Pet.id")

        class Pet(Base):
            __tablename__ = "pet"
            id = sa.Column(sa.BigInteger, primary_key=True)
            owner_id = sa.Column(sa.BigInteger, sa.ForeignKey("owner.id"))
            name = sa.Column(sa.Text)
            age = sa.Column(sa.Integer)

        class Event(Base):
            __tablename__ = "event"
            id = sa.Column(sa.BigInteger, primary_key=True)
            u = sa.Column(UUID(as_uuid=True))
            ts = sa.Column(sa.DateTime(timezone=True))
            name = sa.Column(sa.Text)
            note = sa.Column(sa.Text)
            attrs = sa.Column(JSONB)
            qty = sa.Column(sa.Integer)
            big = sa.Column(sa.BigInteger)
            score = sa.Column(sa.Float)
            ok = sa.Column(sa.Boolean)
            price = sa.Column(sa.Numeric)
            tags = sa.Column(ARRAY(sa.Integer))

        self.Person, self.WideRow, self.Owner, self.Pet, self.Event = Person, WideRow, Owner, Pet, Event

    def session(self, c):
        from sqlalchemy.orm import Session
        eng = self.engine(c)
        return eng, Session(eng)

    def W1(self, c):
        eng, ses = self.session(c)
        P = self.Person
        stmt = self.sa.select(P).where(P.id == self.sa.bindparam("i"))
        n, seed, rows = c["n"], c["seed"], c["rows"]

        def one(i):
            p = ses.execute(stmt, {"i": point_id(i, seed, rows)}).scalar_one()
            return sum_person((p.id, p.first_name, p.last_name, p.sex, p.birth_date, p.weight, p.height,
                               p.update_time))

        for i in range(c["warmup"]):
            one(i)
        ses.expunge_all()
        s = 0
        pid = ses.connection().exec_driver_sql("select pg_backend_pid()").scalar()
        c.start([pid])
        pc = time.perf_counter_ns
        for i in range(n):
            t = pc()
            s += one(i)
            c.lat.append(pc() - t)
            if i % 1000 == 999:
                ses.expunge_all()
        c.stop(n, s)
        ses.close()
        eng.dispose()

    def W2(self, c):
        na("ORM: see sqlalchemy-core")

    def W3(self, c):
        if c["table"] != "wide_row":
            na("mapped to wide_row only")
        eng, ses = self.session(c)
        W = self.WideRow
        stmt = self.sa.select(W).where(W.id.between(self.sa.bindparam("lo"), self.sa.bindparam("hi")))
        n, iters, rows = c["n"], c["iters"], c["rows"]

        def one(it):
            lo = 1 + (it * 7919) % max(1, rows - n + 1)
            res = ses.execute(stmt, {"lo": lo, "hi": lo + n - 1}).scalars().all()
            x = sum(sum_wide((w.id, w.a, w.b, w.c, w.d, w.f1, w.f2, w.flag, w.s_short, w.s_med, w.vc, w.ts, w.dt,
                              w.u, w.amount, w.blob)) for w in res)
            ses.expunge_all()
            return len(res), x

        for i in range(c["warmup"]):
            one(i)
        s = total = 0
        pid = ses.connection().exec_driver_sql("select pg_backend_pid()").scalar()
        c.start([pid])
        for i in range(iters):
            k, x = one(i)
            total += k
            s += x
        c.stop(total, s)
        ses.close()
        eng.dispose()

    def W3s(self, c):
        na("ORM: see sqlalchemy-core")

    def W4(self, c):
        na("ins7 has no primary key to map; see sqlalchemy-core")

    def W5(self, c):
        eng, ses = self.session(c)
        ses.execute(self.sa.text("truncate event"))
        ses.commit()
        keys = [k.strip() for k in EVENT_COLS.split(",")]
        rows = [dict(zip(keys, r[:4] + (json.loads(r[4]),) + r[5:])) for r in event_rows(c["n"])]
        pid = ses.connection().exec_driver_sql("select pg_backend_pid()").scalar()
        c.start([pid])
        ses.add_all([self.Event(**r) for r in rows])
        ses.flush()
        ses.commit()
        c.stop(c["n"], ses.execute(self.sa.text("select count(*) from event")).scalar())
        ses.rollback()
        ses.close()
        eng.dispose()

    def W11(self, c):
        eng, ses = self.session(c)
        O = self.Owner
        n, iters = c["n"], c["iters"]
        from sqlalchemy.orm import selectinload
        from sqlalchemy.orm.attributes import flag_modified
        pid = ses.connection().exec_driver_sql("select pg_backend_pid()").scalar()
        if c["op"] == "update":
            objs = ses.execute(self.sa.select(O).where(O.id.between(1, n))).scalars().all()
            ses.commit()
            c.start([pid])
            aff = 0
            for _ in range(iters):
                for o in objs:
                    o.score = o.id % 1000
                    flag_modified(o, "score")  # same value: force the UPDATE
                ses.flush()
                ses.commit()
                aff += len(objs)
            c.stop(n * iters, aff)
            ses.close()
            eng.dispose()
            return
        stmt = self.sa.select(O).where(O.id.between(1, n)).order_by(O.id).options(selectinload(O.pets))

        def one():
            res = ses.execute(stmt).scalars().all()
            x = 0
            for o in res:
                x += o.id + len(o.name) + len(o.email) + secs(o.created) + o.score
                x += sum(p.id + p.owner_id + len(p.name) + p.age for p in o.pets)
            ses.expunge_all()
            return len(res), x

        one()
        s = total = 0
        c.start([pid])
        for _ in range(iters):
            k, x = one()
            total += k
            s += x
        c.stop(total, s)
        ses.close()
        eng.dispose()

    def W10(self, c):
        na("ORM: see sqlalchemy-core")

    def W12(self, c):
        na("ORM: see sqlalchemy-core")

    def W13(self, c):
        na("ORM: see sqlalchemy-core")


class SqlaAsyncpg:
    name = "sqlalchemy-asyncpg"
    is_async = True

    def __init__(self):
        import sqlalchemy
        from sqlalchemy.ext.asyncio import create_async_engine
        self.sa = sqlalchemy
        self.create = create_async_engine
        self.version = f"SQLAlchemy {sqlalchemy.__version__} (asyncpg dialect)"

    async def _pid(self, conn):
        return (await conn.exec_driver_sql("select pg_backend_pid()")).scalar()

    async def W1(self, c):
        eng = self.create(sa_url(c, "asyncpg"))
        stmt = self.sa.text(named(c["sql"]))
        n, seed, rows = c["n"], c["seed"], c["rows"]
        async with eng.connect() as conn:
            async def one(i):
                return sum_person((await conn.execute(stmt, {"p1": point_id(i, seed, rows)})).one())
            for i in range(c["warmup"]):
                await one(i)
            s = 0
            c.start([await self._pid(conn)])
            pc = time.perf_counter_ns
            for i in range(n):
                t = pc()
                s += await one(i)
                c.lat.append(pc() - t)
            c.stop(n, s)
        await eng.dispose()

    async def W3(self, c):
        eng = self.create(sa_url(c, "asyncpg"))
        stmt = self.sa.text(named(c["sql"]))
        n, iters, rows = c["n"], c["iters"], c["rows"]
        nonum = c["table"] == "wide_row_nonum"
        async with eng.connect() as conn:
            async def one(it):
                lo = 1 + (it * 7919) % max(1, rows - n + 1)
                res = (await conn.execute(stmt, {"p1": lo, "p2": lo + n - 1})).all()
                return len(res), sum(sum_wide(r, nonum) for r in res)
            for i in range(c["warmup"]):
                await one(i)
            s = total = 0
            c.start([await self._pid(conn)])
            for i in range(iters):
                k, x = await one(i)
                total += k
                s += x
            c.stop(total, s)
        await eng.dispose()

    async def W10(self, c):
        # json_deserializer=identity: jsonb stays its text, as the other peers read it
        eng = self.create(sa_url(c, "asyncpg"), json_deserializer=lambda t: t)
        stmt = self.sa.text(c["sql"])
        ms = c["table"] == "ms_arrays"
        state = {"el": 0}
        async with eng.connect() as conn:
            async def one():
                res = (await conn.execute(stmt)).all()
                x, el = sum_docs(res, ms)
                state["el"] += el
                return len(res), x
            for _ in range(c["warmup"]):
                await one()
            state["el"] = 0
            s = total = 0
            c.start([await self._pid(conn)])
            for _ in range(c["iters"]):
                k, x = await one()
                total += k
                s += x
            c.extra = {"elements": state["el"]}
            c.stop(total, s)
        await eng.dispose()

    async def W12(self, c):
        eng = self.create(sa_url(c, "asyncpg"))
        stmt = self.sa.text(c["sql"])
        tot = {"b": 0}
        async with eng.connect() as conn:
            async def one():
                x = 0
                for (v,) in (await conn.execute(stmt)).all():
                    x += sum_value(v)
                    tot["b"] += len(v)
                return x
            await one()
            tot["b"] = 0
            s = 0
            c.start([await self._pid(conn)])
            for _ in range(c["iters"]):
                s += await one()
            c.extra = {"bytes": tot["b"]}
            c.stop(c["iters"], s)
        await eng.dispose()

    async def W13(self, c):
        from sqlalchemy.pool import NullPool
        eng = self.create(sa_url(c, "asyncpg"), poolclass=NullPool)
        n = c["n"]
        s = 0
        c.start([])
        for _ in range(n):
            async with eng.connect() as conn:
                s += (await conn.exec_driver_sql("select 1")).scalar()
        c.stop(n, s)
        await eng.dispose()


PEERS = {"psycopg": Psycopg, "asyncpg": Asyncpg, "sqlalchemy-core": SqlaCore, "sqlalchemy-orm": SqlaOrm,
         "sqlalchemy-asyncpg": SqlaAsyncpg}
MISSING_REASON = {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True, choices=sorted(PEERS))
    args = ap.parse_args()
    peer = PEERS[args.peer]()
    loop = asyncio.new_event_loop() if getattr(peer, "is_async", False) else None
    if loop:
        try:
            import uvloop  # noqa: F401  (not used: the Debian asyncpg numbers are on the default loop)
        except ImportError:
            pass
    for line in sys.stdin:
        line = line.strip()
        if not line or line == "go":  # stray "go" after a cell that failed before ready
            continue
        if line == "quit":
            break
        if line == "info":
            say({"status": "ok", "peer": peer.name, "version": peer.version})
            continue
        if not line.startswith("run "):
            say({"status": "error", "message": "unknown command"})
            continue
        parts = line.split(" ", 2)
        w = parts[1]
        c = None
        try:
            p = json.loads(parts[2]) if len(parts) > 2 else {}
            fn = getattr(peer, w, None)
            if fn is None:
                raise Unsupported("n/a", f"not implemented in the {peer.name} runner (or no native API)")
            c = Cell(w, p)
            if loop:
                loop.run_until_complete(fn(c))
            else:
                fn(c)
        except Unsupported as u:
            say({"status": "unsupported", "kind": u.kind, "reason": u.reason})
        except Exception as e:  # noqa: BLE001
            import traceback
            traceback.print_exc(file=sys.stderr)
            if c is not None and c.done:
                # the result line was sent already: answering again would desynchronise the protocol
                print("(error after the result was sent: not reported)", file=sys.stderr)
            else:
                say({"status": "error", "message": f"{type(e).__name__}: {e}"[:500]})
        finally:
            gc.collect()


if __name__ == "__main__":
    main()
