"""A little concurrency: many clients at once over both workers, each
checking every byte it gets. Bounded in count and time."""

import threading

from wardentest import Conn, check, request_bytes, sha256, timeout, wait_until


@timeout(120)
def test_concurrent_keepalive_clients(env):
    n = env.nginx
    w = env.wardend()
    errors = []
    paths = ["/1k.bin", "/64k.bin", "/index.html", "/1k.bin", "/64k.bin"]

    def client(i):
        try:
            with Conn(w.port, timeout=30) as c:
                for p in paths:
                    c.send(request_bytes("GET", n.url(p), [("Host", n.authority)]))
                    r = c.read_response()
                    if r.status != 200 or sha256(r.body) != env.content.sha[p[1:]]:
                        errors.append("client %d %s: %r" % (i, p, r))
                        return
        except Exception as e:
            errors.append("client %d: %r" % (i, e))

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    check(not any(t.is_alive() for t in threads), "clients still running after 60s")
    check(not errors, "%d of 40 clients failed: %s" % (len(errors), "; ".join(errors[:5])))
    wait_until(lambda: len([e for e in n.entries() if e["status"] == "200"]) == 200, 5,
               what="nginx to log 200 requests (it logged %d)" % len(n.entries()))


@timeout(120)
def test_concurrent_large_downloads(env):
    n = env.nginx
    w = env.wardend()
    results = []

    def one():
        r = env.curl(n.url("/10m.bin"), proxy=w, timeout=60)
        results.append((r.rc, r.status, sha256(r.body)))

    threads = [threading.Thread(target=one, daemon=True) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    check(len(results) == 8, "only %d of 8 downloads finished" % len(results))
    bad = [r for r in results if r != (0, 200, env.content.sha["10m.bin"])]
    check(not bad, "downloads that failed or differ: %s" % bad)
