#!/usr/bin/env python3
"""Make the data of the policy engine benchmark (tests/bench/policy-run).

    tests/bench/policy-gen.py OUT [--seed N] [--domains N] [--scale F]

Writes, under OUT (deterministic for a given seed and sizes):

  ut1/CATEGORY/{domains,urls}  a UT1-style blacklist tree: --domains domain
                               entries (2,000,000) over 60 categories sized
                               roughly as UT1's are (adult the biggest),
                               about 3% as many URL entries, and a few
                               hundred entries under ".localhost" in
                               categories the policy does not block (so
                               that the proxy runs find categories too)
  policy/                      policy.conf, blockpage.html (the shipped
                               one), local/block (100,000 domains, 100,000
                               URLs, 10,000 expressions) and local/allow
                               (1,000 domains, 200 URLs, 20 expressions)
  policy-rx/KIND/              the same policy with only one kind of
                               expression: none, indexed (a literal
                               outside any group), grouped (words only
                               inside groups, UT1 style), noliteral, alone
                               (backreferences, named groups)
  policy-empty/                policy.conf with an empty default group
  req-miss.txt                 50,000 URLs on hosts no list or category has
  req-hit.txt                  50,000 URLs on hosts (or URL entries) of
                               the category store
  req-hot.txt                  200,000 URLs over 1,000 hosts (store hits
                               and misses): every lookup a cache hit
  req-mix.txt                  200,000 URLs, sites drawn with a Zipf law
                               from 20,000: mostly unlisted sites, some in
                               the store, some in the local lists, some
                               that expressions catch
  wrk-hot.txt, wrk-cold.txt    absolute URLs for the proxy runs, on hosts
                               under ".localhost" (wardend resolves them to
                               127.0.0.1 itself) with "@PORT@" for the
                               origin's port: 500 and 8,000 hosts
  DONE                         written last: the data is complete (with
                               --tag, policy-run's check of what made it)

--scale multiplies every size (0.01 for a quick try). Python 3 standard
library only.
"""

import argparse
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Words for names and paths (what any site may be called).
WORDS = """
able acme active adventure agency air alpha amber anchor angel apple arch
arena arrow art atlas audio aurora auto autumn avenue badge baker bamboo
banner barn basket bay beach bean bear bee bell berry best big bird bistro
black blade blue board boat bold bolt book boost boston box brain branch
brave bread breeze brick bridge bright brook brown buddy build bunny burger
butter cabin cactus cafe cake camp candle canyon capital card cargo carpet
castle cat cedar center chain chair chalk charm chef cherry chess chip
cinema circle city class clean clear cliff climb clock cloud clover club
coach coast cobalt code coffee coin comet comfort cook coral corner cosmos
cotton craft crane creek crest crown crystal cube cup curve daily daisy
dance data dawn deal deep delta desert design diamond digital direct dock
dolphin door dot dragon dream drive drop drum duck dune eagle earth east
easy echo eden edge elite ember emerald energy engine epic equal every
expert express fabric fair falcon family farm fast feather fern field fire
first fish flag flame flash fleet flex flower fly focus forest fork fortune
fox frame fresh friend frog fruit fuel fun galaxy garden gate gem giant
gift ginger glass global globe glory gold golden good grace grain grand
grape graph green grid group grove guide guitar hammer harbor harmony
harvest hawk health heart helix hello herb hero hill hive home honey hope
horizon horse house hub hunter ice idea image impact indigo info inn iris
iron island ivory jade jazz jet jewel journey joy jungle just karma kettle
key kid king kit kite lab lake lamp land laser leaf legend lemon level
light lime line link lion liquid little live local lodge logic loop lotus
lucky luna magic main maple marble market marvel matrix meadow media metro
micro mill mind mint mirror mission modern moon motion mountain music
native nature navy nest net new next night noble north nova oak ocean
olive omega one onyx open orange orbit orchid origin owl pacific palm panda
paper park path peak pearl pebble pepper phoenix photo pilot pine pixel
planet plaza plus point polar pond pop port power prime pulse pure quest
quick radar rain rapid raven ray ready red reef rich ridge ring river road
robin rock rocket rose royal ruby run rush sage sail salt sand scale
school scout sea seed sense shadow shape shell shine ship shop signal
silk silver simple sky smart smile snow solar solid sound south space
spark spice spirit spring square star station steel stone storm story
stream street studio sugar summit sun sunny super swan sweet swift table
tango team tech terra tide tiger timber tiny today top tower town track
trail tree trend tribe tropic true trust tulip turbo twin union unity
urban valley value vapor vector velvet venture vertex victory view
village vintage violet vision vista vital voice volt wave way west whale
wild willow wind wing winter wise wolf wonder wood world yard yellow young
zen zero zone
""".split()

# Words a filter's expressions look for (and that the benign names above
# do not contain as words).
TOPIC = """
casino poker roulette blackjack betting bookmaker jackpot slots lottery
wager sportsbet pokerstar bingo craps baccarat gamble gambling
torrent warez keygen crack cracked serial nulled piratebay megaupload
filecrack freeload ddl rapidgator uploaded hotfile
proxy unblock unblocker bypass anonymizer hideip tunnel vpnfree webproxy
proxify freeproxy mirrorsite
porn porno xxx sexcam nude nudes escort camgirl hentai erotic adult
fetish milf webcam striptease playmate
cannabis weed marijuana cocaine heroin ecstasy meth narcotic bong
hashish psychedelic lsd
hack hacker hacking exploit rootkit botnet phish phishing trojan
ransomware spyware keylogger stealer cryptominer coinhive miner
dating hookup singles flirt matchmaker sugardaddy
gore violence weapon gun firearm ammo explosive
cheat cheats aimbot wallhack crackme
""".split()

TLDS = (["com"] * 45 + ["net"] * 8 + ["org"] * 5 + ["fr"] * 5 + ["de"] * 4 +
        ["ru"] * 5 + ["info"] * 3 + ["xyz"] * 3 + ["co.uk"] * 2 + ["io"] * 2 +
        ["top"] * 3 + ["online"] * 2 + ["site"] * 2 + ["be", "ch", "nl", "it",
        "es", "pl", "com.br", "in", "cn", "jp", "tk", "biz", "eu", "club",
        "us", "ca", "com.au", "se", "cz", "pro"])

SUBS = (["www"] * 10 + ["m", "cdn", "static", "img", "api", "mail", "news",
        "shop", "blog", "en", "fr", "forum", "app", "media", "secure"])

# 60 UT1 categories, with a weight roughly following the real lists' sizes.
CATEGORIES = [
    ("adult", 500), ("phishing", 100), ("malware", 80), ("publicite", 30),
    ("gambling", 20), ("shopping", 20), ("redirector", 12), ("games", 10),
    ("press", 10), ("dating", 7), ("agressif", 5), ("warez", 4),
    ("mixed_adult", 3), ("social_networks", 3), ("blog", 8), ("sports", 6),
    ("audio-video", 6), ("cryptojacking", 2), ("drogue", 2), ("hacking", 2),
    ("ddos", 1), ("stalkerware", 1), ("sect", 1), ("dangerous_material", 1),
    ("vpn", 2), ("strict_redirector", 2), ("strong_redirector", 2),
    ("astrology", 1), ("bank", 3), ("bitcoin", 2), ("celebrity", 1),
    ("chat", 2), ("cleaning", 1), ("cooking", 2), ("download", 4),
    ("dynamic-dns", 2), ("educational_games", 1), ("fakenews", 1),
    ("filehosting", 2), ("financial", 2), ("forums", 2), ("jobsearch", 2),
    ("lingerie", 1), ("manga", 2), ("marketingware", 1), ("mobile-phone", 1),
    ("radio", 2), ("reaffected", 1), ("remote-control", 1), ("shortener", 2),
    ("special", 1), ("translation", 1), ("tricheur", 1), ("update", 1),
    ("webhosting", 3), ("webmail", 1), ("associations_religieuses", 1),
    ("sexual_education", 1), ("child", 1), ("doh", 1),
]

BLOCKED = ["malware", "phishing", "cryptojacking", "ddos", "stalkerware",
           "adult", "mixed_adult", "agressif", "dating", "drogue", "gambling",
           "hacking", "warez", "sect", "dangerous_material"]
BLOCKED_DURING = ["games", "social_networks"]
# Categories the proxy runs' ".localhost" entries go in: never blocked.
LOCAL_CATS = ["press", "shopping", "sports", "blog", "jobsearch"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def word(self):
        return self.r.choice(WORDS)

    def num(self):
        r = self.r.random()
        if r < 0.45:
            return ""
        if r < 0.85:
            return str(self.r.randint(1, 99))
        return str(self.r.randint(100, 999))

    def label(self):
        """One registrable label: "river-stone42", "gardenbay", "xkqvaz"."""
        r = self.r.random()
        if r < 0.40:
            return self.word() + "-" + self.word() + self.num()
        if r < 0.75:
            return self.word() + self.word() + self.num()
        if r < 0.90:
            return self.word() + self.num() + "-" + self.word()
        # machine-made names, as malware and phishing lists hold
        n = self.r.randint(6, 14)
        return "".join(self.r.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                       for _ in range(n))

    def tld(self):
        return self.r.choice(TLDS)

    def domain(self):
        r = self.r.random()
        if r < 0.80:
            return self.label() + "." + self.tld()
        if r < 0.97:
            return self.r.choice(SUBS[10:]) + "." + self.label() + "." + self.tld()
        if r < 0.99:
            return (self.label() + "." + self.label() + "." + self.tld())
        return "%d.%d.%d.%d" % (self.r.randint(1, 223), self.r.randint(0, 255),
                                self.r.randint(0, 255), self.r.randint(1, 254))

    def path(self):
        r = self.r.random()
        w, n = self.word, self.r.randint
        if r < 0.08:
            return "/"
        if r < 0.14:
            return "/index.html"
        if r < 0.32:
            return "/%s/%s-%s-%d.html" % (w(), w(), w(), n(1, 99999))
        if r < 0.44:
            return "/%d/%02d/%s-%s/" % (n(2015, 2025), n(1, 12), w(), w())
        if r < 0.56:
            return "/static/js/%s.%08x.min.js" % (w(), n(0, 2**32 - 1))
        if r < 0.68:
            return "/images/%s_%d.jpg" % (w(), n(1, 9999))
        if r < 0.78:
            return "/search?q=%s+%s&page=%d" % (w(), w(), n(1, 20))
        if r < 0.88:
            return "/wp-content/uploads/%d/%02d/%s-%d.png" % (
                n(2015, 2025), n(1, 12), w(), n(1, 999))
        if r < 0.95:
            return "/api/v2/%s/%d?format=json&ts=%d" % (
                w(), n(1, 99999), n(1600000000, 1800000000))
        return "/%s/%s?utm_source=%s&utm_medium=%s&id=%d" % (
            w(), w(), w(), w(), n(1, 10**6))


def write_lines(path, lines):
    with open(path, "w") as f:
        for l in lines:
            f.write(l)
            f.write("\n")


def suffixes(host):
    parts = host.split(".")
    return [".".join(parts[i:]) for i in range(len(parts))]


def gen_store(g, out, ndomains, taken):
    """The UT1 tree. Returns {category: [domains]} and the URL entries."""
    tree = os.path.join(out, "ut1")
    os.makedirs(tree)
    total = sum(w for _, w in CATEGORIES)
    bycat = {}
    urls = {}
    hosting = [g.word() + g.r.choice(["host", "pages", "sites", "free", "web"]) +
               g.num() + "." + g.r.choice(["com", "net", "org", "fr"])
               for _ in range(3000)]
    for name, w in CATEGORIES:
        want = max(200, ndomains * w // total)
        doms = []
        while len(doms) < want:
            d = g.domain()
            if d in taken:
                continue
            taken.add(d)
            doms.append(d)
        bycat[name] = doms
        us = []
        for _ in range(max(20, want * 3 // 100)):
            if g.r.random() < 0.6:
                h = g.r.choice(hosting)
            else:
                h = g.r.choice(doms)
                if h[0].isdigit():
                    continue
            r = g.r.random()
            if r < 0.4:
                p = "/~%s%s" % (g.word(), g.num())
            elif r < 0.7:
                p = "/%s/%s-%s%s.html" % (g.word(), g.word(), g.word(), g.num())
            else:
                p = "/user/%s%s" % (g.word(), g.num())
            us.append(h + p)
        urls[name] = us
    # A domain in two categories now and then, as in UT1 (adult and
    # mixed_adult, shopping and publicite...).
    names = [n for n, _ in CATEGORIES]
    for _ in range(ndomains // 50):
        a, b = g.r.sample(names, 2)
        bycat[b].append(g.r.choice(bycat[a]))
    # The proxy runs' hosts that the store knows (categories not blocked).
    localstore = {}
    for i in range(400):
        cat = LOCAL_CATS[i % len(LOCAL_CATS)]
        h = "%s-%s%d.localhost" % (g.word(), g.word(), i)
        bycat[cat].append(h)
        localstore[h] = cat
        if i % 4 == 0:
            urls[cat].append(h + "/section/" + g.word())
    for name in names:
        d = os.path.join(tree, name)
        os.makedirs(d)
        with open(os.path.join(d, "domains"), "w") as f:
            f.write("# %s: generated for the Warden policy benchmark\n" % name)
            for x in bycat[name]:
                f.write(x)
                f.write("\n")
        write_lines(os.path.join(d, "urls"), urls[name])
    return bycat, urls, localstore


def regex(g):
    """One expression and its kind (see the README): indexed, grouped,
    noliteral or alone."""
    t, t2, w = g.r.choice(TOPIC), g.r.choice(TOPIC), g.word()
    r = g.r.random()
    # Indexed: a literal every match holds, outside any group.
    if r < 0.10:
        return r"%s%s[0-9]*\." % (t, w), "indexed"
    if r < 0.20:
        return r"(^|[-./_])%s[-_]?%s([-./_]|$)" % (t, w), "indexed"
    if r < 0.28:
        return r"/%s/.*%s.*\.(php|asp|cgi)\?" % (w, t), "indexed"
    if r < 0.36:
        return r"^https?://([a-z0-9-]+\.)*%s-%s[0-9]*\." % (t, w), "indexed"
    if r < 0.44:
        return r"%s.{0,3}%s" % (t, w), "indexed"
    if r < 0.52:
        return r"\.%s%s\.(com|net|org|info|xyz)/" % (w, t), "indexed"
    if r < 0.58:
        return r"[?&]%s_%s=[0-9]+" % (t, w), "indexed"
    if r < 0.66:
        return r"%s%s|%s%s|%s-%s" % (t, w, w, t, t2, w), "indexed"
    if r < 0.74:
        return r"%s[0-9]{2,4}%s" % (t, w[:3]), "indexed"
    if r < 0.78:
        return r"/%s-%s/" % (w, t), "indexed"
    # UT1-style: the words only inside groups (not indexable).
    if r < 0.86:
        ts = g.r.sample(TOPIC, g.r.randint(2, 6))
        return r"(^|[-./_?=])(%s)s?([-./_?=]|$)" % "|".join(ts), "grouped"
    if r < 0.91:
        return r"(free|cheap|best|top)[-_]?(%s|%s)[0-9]*\." % (t, t2), "grouped"
    # No long literal at all.
    if r < 0.995:
        n, m = g.r.randint(5, 9), g.r.randint(4, 9)
        tlds = "|".join(g.r.sample(["ru", "cn", "tk", "ml", "ga", "cf", "gq",
                                    "top", "xyz", "club", "work", "click"], 3))
        exts = "|".join(g.r.sample(["exe", "scr", "bat", "msi", "jar", "vbs",
                                    "ps1", "apk", "dll", "zip"], 3))
        return g.r.choice([
            r"[a-z]{%d,}[0-9]{%d,}\.(%s)/" % (n, m, tlds),
            r"^http://[0-9]{1,3}(\.[0-9]{1,3}){3}(:[0-9]+)?/.+\.(%s)$" % exts,
            r"/[a-f0-9]{%d}\.(%s)$" % (g.r.choice([16, 20, 24, 32, 40, 64]), exts),
            r"\?[a-z]{1,%d}=[a-z0-9]{%d,}$" % (g.r.randint(1, 3), g.r.randint(24, 64)),
            r"^http://[a-z0-9]{%d,}\.(%s)/" % (g.r.randint(16, 40), tlds),
            r"[./][a-z]{%d}[0-9]{%d}[a-z]{2}\.(%s)/" % (n % 4 + 1, m - 2, tlds),
            r"/[a-z]{%d}[0-9]{%d}/" % (n, m),
            r"[-.][0-9]{%d,}[a-z]{%d}\." % (m + 2, n),
        ]), "noliteral"
    # Kept alone: a backreference, a named group.
    if r < 0.998:
        return r"(%s)[-_.]?\1" % t, "alone"
    return r"(?<w>%s)%s\k<w>" % (t, w), "alone"


def gen_policy(g, out, taken, nregex, nlocal):
    pol = os.path.join(out, "policy")
    blk = os.path.join(pol, "local", "block")
    alw = os.path.join(pol, "local", "allow")
    os.makedirs(blk)
    os.makedirs(alw)
    shutil.copy(os.path.join(REPO, "policies", "blockpage.html"), pol)
    with open(os.path.join(pol, "policy.conf"), "w") as f:
        f.write("""# Generated for the Warden policy benchmark (tests/bench/policy-gen.py).
time school_hours {
\tdays mon-fri
\thours 08:00-12:00 13:00-17:00
}

list local_allow local/allow
list local_block local/block

group default {
\tallow local_allow
\tblock local_block
\tblock_categories %s
\tblock_categories %s
\tblock_categories %s during school_hours
\tsafe_search on
}
""" % (" ".join(BLOCKED[:8]), " ".join(BLOCKED[8:]), " ".join(BLOCKED_DURING)))

    def fresh_domains(n):
        res = []
        while len(res) < n:
            d = g.domain()
            if d in taken:
                continue
            taken.add(d)
            res.append(d)
        return res

    bdoms = fresh_domains(nlocal)
    write_lines(os.path.join(blk, "domains"),
                ["# local block list: %d domains" % nlocal] + bdoms)
    burls = []
    for _ in range(nlocal):
        d = g.domain()
        if d[0].isdigit():
            d = g.label() + ".com"
        r = g.r.random()
        if r < 0.5:
            burls.append(d + "/" + g.word() + "/" + g.word() + g.num())
        elif r < 0.8:
            burls.append(d + "/" + g.word() + "-" + g.word() + ".html")
        else:
            burls.append(d + "/" + g.word() + "?id=" + str(g.r.randint(1, 9999)))
    write_lines(os.path.join(blk, "urls"), burls)
    # Distinct lines, as in a list someone keeps.
    tagged, seen = [], set()
    while len(tagged) < nregex:
        p, kind = regex(g)
        if p not in seen:
            seen.add(p)
            tagged.append((p, kind))
    exprs = [p for p, _ in tagged]
    write_lines(os.path.join(blk, "expressions"),
                ["# local block list: %d expressions" % nregex] + exprs)
    adoms = fresh_domains(1000)
    write_lines(os.path.join(alw, "domains"), adoms)
    write_lines(os.path.join(alw, "urls"),
                [g.label() + ".edu/" + g.word() + "/" + g.word() for _ in range(200)])
    write_lines(os.path.join(alw, "expressions"),
                [r"^http://([a-z0-9-]+\.)*%s-%s\.edu/" % (g.word(), g.word())
                 for _ in range(20)])

    # The same policy with only one kind of expression (or none), to see
    # what each kind costs.
    for kind in ("none", "indexed", "grouped", "noliteral", "alone"):
        d = os.path.join(out, "policy-rx", kind)
        shutil.copytree(pol, d)
        write_lines(os.path.join(d, "local", "block", "expressions"),
                    [p for p, k in tagged if k == kind])

    emp = os.path.join(out, "policy-empty")
    os.makedirs(emp)
    shutil.copy(os.path.join(REPO, "policies", "blockpage.html"), emp)
    with open(os.path.join(emp, "policy.conf"), "w") as f:
        f.write("group default {\n}\n")
    return bdoms, burls


def miss_host(g, known):
    while True:
        h = g.label() + "." + g.tld()
        if g.r.random() < 0.7:
            h = g.r.choice(SUBS) + "." + h
        if not any(s in known for s in suffixes(h)):
            return h


def store_host(g, doms):
    d = g.r.choice(doms)
    if d[0].isdigit():
        return d
    r = g.r.random()
    if r < 0.4:
        return d
    if r < 0.8:
        return "www." + d
    return g.r.choice(SUBS) + "." + d


def bait_url(g):
    """A URL with words the expressions look for."""
    t, w = g.r.choice(TOPIC), g.word()
    r = g.r.random()
    if r < 0.4:
        return "http://www.%s%s%s.com%s" % (t, w, g.num(), g.path())
    if r < 0.7:
        return "http://%s-%s.%s/%s/%s-%d.html" % (t, w, g.tld(), w, t, g.r.randint(1, 999))
    return "http://%s.%s/%s/%s-%s/" % (g.label(), g.tld(), g.word(), t, w)


def gen_requests(g, out, bycat, urls, bdoms, burls, known, scale):
    allcats = [n for n, _ in CATEGORIES]
    storedoms = [d for n in allcats for d in bycat[n] if not d.endswith(".localhost")]
    allurls = [u for n in allcats for u in urls[n] if ".localhost/" not in u]
    nreq = max(1000, int(50000 * scale))

    miss = ["http://%s%s" % (miss_host(g, known), g.path()) for _ in range(nreq)]
    write_lines(os.path.join(out, "req-miss.txt"), miss)

    hit = []
    for _ in range(nreq):
        if g.r.random() < 0.9:
            hit.append("http://%s%s" % (store_host(g, storedoms), g.path()))
        else:
            u = g.r.choice(allurls)
            hit.append("http://" + u + (g.r.choice(["", "/", "/page2.html", "?x=1"])))
    write_lines(os.path.join(out, "req-hit.txt"), hit)

    # Hot: 1,000 hosts, every one in the lookup cache after the first lap.
    hosts = ([miss_host(g, known) for _ in range(700)] +
             [store_host(g, storedoms) for _ in range(300)])
    hot = ["http://%s%s" % (g.r.choice(hosts), g.path())
           for _ in range(max(1000, int(200000 * scale)))]
    write_lines(os.path.join(out, "req-hot.txt"), hot)

    # Mix: 20,000 sites, drawn with a Zipf law (s = 1).
    nsites = max(1000, int(20000 * min(1.0, scale * 4)))
    catdoms = {c: [d for d in bycat[c][:2000] if not d.endswith(".localhost")]
               for c in allcats}
    allowed = [c for c in allcats if c not in BLOCKED]
    sites = []
    for i in range(nsites):
        r = g.r.random()
        if r < 0.75:
            sites.append(("host", miss_host(g, known)))
        elif r < 0.92:
            # store sites: mostly categories a school allows
            cat = g.r.choice(BLOCKED if g.r.random() < 0.3 else allowed)
            sites.append(("host", store_host(g, catdoms[cat])))
        elif r < 0.95:
            sites.append(("host", g.r.choice(bdoms)))
        elif r < 0.97:
            sites.append(("url", g.r.choice(burls)))
        elif r < 0.98:
            sites.append(("url", g.r.choice(allurls)))
        else:
            sites.append(("bait", None))
    weights = [1.0 / (i + 1) for i in range(nsites)]
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    mix = []
    for i in g.r.choices(range(nsites), cum_weights=cum,
                         k=max(1000, int(200000 * scale))):
        kind, v = sites[i]
        if kind == "host":
            mix.append("http://%s%s" % (v, g.path()))
        elif kind == "url":
            mix.append("http://" + v)
        else:
            mix.append(bait_url(g))
    write_lines(os.path.join(out, "req-mix.txt"), mix)


def gen_wrk(g, out, localstore):
    """URLs for wrk: hosts under .localhost, ~20% of them in the store."""
    local = list(localstore)

    def one(i, storeshare):
        if g.r.random() < storeshare:
            h = g.r.choice(local)
            host = h if g.r.random() < 0.5 else "www." + h
        else:
            host = "%s.%s-%s%d.localhost" % (g.r.choice(SUBS), g.word(), g.word(), i)
        return "http://%s:@PORT@%s" % (host, g.path())
    write_lines(os.path.join(out, "wrk-hot.txt"), [one(i, 0.2) for i in range(500)])
    write_lines(os.path.join(out, "wrk-cold.txt"), [one(i, 0.05) for i in range(8000)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--domains", type=int, default=2000000)
    ap.add_argument("--regexes", type=int, default=10000)
    ap.add_argument("--local", type=int, default=100000,
                    help="domains and URLs in the local block list")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--tag", default="",
                    help="a line written into DONE (policy-run checks it)")
    a = ap.parse_args()
    nd = max(12000, int(a.domains * a.scale))
    nr = max(100, int(a.regexes * a.scale))
    nl = max(1000, int(a.local * a.scale))
    if os.path.exists(a.out) and os.listdir(a.out):
        sys.exit("%s exists and is not empty" % a.out)
    os.makedirs(a.out, exist_ok=True)
    g = Gen(a.seed)
    taken = set()
    bycat, urls, localstore = gen_store(g, a.out, nd, taken)
    bdoms, burls = gen_policy(g, a.out, taken, nr, nl)
    # what a miss must avoid: the store, the local lists (taken), and the
    # hosting hosts of URL entries
    known = taken
    for n in urls:
        for u in urls[n]:
            known.add(u.split("/", 1)[0])
    for u in burls:
        known.add(u.split("/", 1)[0])
    gen_requests(g, a.out, bycat, urls, bdoms, burls, known, a.scale)
    gen_wrk(g, a.out, localstore)
    with open(os.path.join(a.out, "DONE"), "w") as f:
        f.write("seed %d domains %d regexes %d local %d scale %g\n" %
                (a.seed, nd, nr, nl, a.scale))
        if a.tag:
            f.write("tag: %s\n" % a.tag)


if __name__ == "__main__":
    main()
