/* The alert rules file: threshold rules and blacklist entries, one per line.
 *
 *   host      TARGET   METRIC OP VALUE per PERIOD [severity SEV]
 *   network   CIDR     METRIC OP VALUE per PERIOD [severity SEV]
 *   interface          METRIC OP VALUE per PERIOD [severity SEV]
 *   blacklist app NAME | blacklist category NAME   [severity SEV]
 *
 * TARGET: an address, a CIDR network (every host in it), local, remote or any. METRIC: bytes,
 * packets, flows, dns_bytes, p2p_bytes, app:NAME, category:NAME. OP: > or <. VALUE: a number with an
 * optional multiplier (k M G T: powers of 1000; Ki Mi Gi Ti: powers of 1024; a decimal point is
 * allowed when the result is whole, e.g. 1.5M). PERIOD: minute, 5min, hour, day. Keywords are
 * case-insensitive, '#' starts a comment, a double-quoted token may contain spaces. Every bad line
 * gives one "FILE:LINE: problem" message; the file is accepted only without any. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "alert/alert.h"
#include "dpi/l7_tables.h"
#include "ntopcore/engine.h"
#include "ntopcore/error.h"
#include "ntopcore/l7.h"

#define LINE_MAX_LEN 1024
#define MAX_TOKENS 16

typedef struct perr {
    char *buf;
    size_t cap, len;
    const char *fname;
    unsigned nerr, shown;
    int full;
} perr;

static void add_err(perr *pe, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_err(perr *pe, unsigned line, const char *fmt, ...)
{
    pe->nerr++;
    if (pe->full || !pe->cap)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    char one[600];
    int n = snprintf(one, sizeof(one), "%s%s:%u: %s", pe->len ? "\n" : "", pe->fname, line, msg);
    /* Keep room for the "(N more errors)" line. */
    if (n < 0 || pe->len + (size_t)n + 24 >= pe->cap) {
        pe->full = 1;
        return;
    }
    memcpy(pe->buf + pe->len, one, (size_t)n + 1);
    pe->len += (size_t)n;
    pe->shown++;
}

/* A token as it may be shown in a message: printable ASCII only, at most 40 characters. */
static const char *show(const char *t, char *buf, size_t len)
{
    size_t k = 0, i = 0;
    for (; t[i] && k + 4 < len && i < 40; i++)
        buf[k++] = (t[i] >= 0x20 && t[i] < 0x7f) ? t[i] : '?';
    if (t[i] && k + 4 < len) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = 0;
    return buf;
}

uint16_t ntc__alert_app_slot(uint16_t id, uint16_t napps)
{
    uint16_t slot = id < NTC__L7_APP_COUNT ? id
                    : id >= NTC_L7_CUSTOM_BASE ? (uint16_t)(NTC__L7_APP_COUNT + id - NTC_L7_CUSTOM_BASE)
                                               : 0;
    return slot < napps ? slot : 0;
}

static int find_app(const ntc__rule_names *n, const char *name)
{
    for (int i = 0; i < NTC__L7_APP_COUNT; i++)
        if (strcasecmp(ntc__l7_app_names[i], name) == 0)
            return i;
    if (n && n->app_name) {
        for (uint32_t i = NTC__L7_APP_COUNT; i < n->napps; i++) {
            uint16_t id = (uint16_t)(NTC_L7_CUSTOM_BASE + i - NTC__L7_APP_COUNT);
            const char *s = n->app_name(n->u, id);
            if (s && strcasecmp(s, name) == 0)
                return id;
        }
    }
    return -1;
}

static int find_category(const char *name)
{
    for (int i = 0; i < NTC__L7_CATEGORY_COUNT; i++)
        if (strcasecmp(ntc__l7_category_names[i], name) == 0)
            return i;
    return -1;
}

static int parse_severity(const char *t)
{
    for (int s = NTC_ALERT_INFO; s <= NTC_ALERT_CRITICAL; s++)
        if (strcasecmp(t, ntc_alert_severity_name(s)) == 0)
            return s;
    return -1;
}

/* Address or CIDR. Returns 1 for a bare address, 2 for a network, 0 when invalid. */
static int parse_addr(const char *t, uint8_t addr[16], uint8_t *ipv, uint8_t *prefix)
{
    char buf[64];
    size_t n = strlen(t);
    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, t, n + 1);
    char *slash = strchr(buf, '/');
    long plen = -1;
    if (slash) {
        *slash = 0;
        char *end;
        if (!isdigit((unsigned char)slash[1]))
            return 0;
        plen = strtol(slash + 1, &end, 10);
        if (*end || plen < 0)
            return 0;
    }
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *ipv = 4;
        if (plen > 32)
            return 0;
    } else if (inet_pton(AF_INET6, buf, addr) == 1) {
        *ipv = 6;
        if (plen > 128)
            return 0;
    } else {
        return 0;
    }
    int bits = *ipv == 4 ? 32 : 128;
    *prefix = (uint8_t)(plen < 0 ? bits : plen);
    for (int b = *prefix; b < bits; b++)
        addr[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
    return slash ? 2 : 1;
}

/* Number with multiplier; 0 on success. */
static int parse_value(const char *t, uint64_t *out)
{
    const char *p = t;
    uint64_t mant = 0;
    unsigned dec = 0, digits = 0;
    int dot = 0;
    for (; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (digits >= 18)
                return -1;
            mant = mant * 10 + (uint64_t)(*p - '0');
            digits++;
            if (dot)
                dec++;
        } else if (*p == '.' && !dot) {
            dot = 1;
        } else {
            break;
        }
    }
    if (!digits || (dot && !dec))
        return -1;
    static const struct { const char *s; uint64_t m; } mult[] = {
        {"", 1}, {"k", 1000ULL}, {"K", 1000ULL}, {"M", 1000000ULL}, {"G", 1000000000ULL},
        {"T", 1000000000000ULL}, {"Ki", 1024ULL}, {"Mi", 1048576ULL}, {"Gi", 1073741824ULL},
        {"Ti", 1099511627776ULL}};
    uint64_t m = 0;
    for (size_t i = 0; i < NTC__ARRAY_LEN(mult); i++)
        if (strcmp(p, mult[i].s) == 0)
            m = mult[i].m;
    if (!m)
        return -1;
    uint64_t div = 1;
    for (unsigned i = 0; i < dec; i++)
        div *= 10;
    /* mant * m / div, exactly, without overflow. */
    if (mant && m > UINT64_MAX / mant) {
        /* mant * m overflows: divide first when possible. */
        if (m % div)
            return -1;
        m /= div;
        div = 1;
        if (mant && m > UINT64_MAX / mant)
            return -1;
    }
    uint64_t v = mant * m;
    if (v % div)
        return -1;
    *out = v / div;
    return 0;
}

static int parse_period(const char *t)
{
    if (!strcasecmp(t, "minute") || !strcasecmp(t, "1min"))
        return NTC_TICK_MINUTE;
    if (!strcasecmp(t, "5min") || !strcasecmp(t, "5minutes"))
        return NTC_TICK_FIVE_MINUTES;
    if (!strcasecmp(t, "hour") || !strcasecmp(t, "1h"))
        return NTC_TICK_HOUR;
    if (!strcasecmp(t, "day") || !strcasecmp(t, "1d"))
        return NTC_TICK_DAY;
    return -1;
}

/* Split a line into tokens in place. Returns the count, or -1 for an unterminated quote. */
static int tokenize(char *s, char **tok, int max, int *too_many)
{
    int n = 0;
    *too_many = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            return n;
        if (n == max) {
            *too_many = 1;
            return n;
        }
        char *start = s, *w = s;
        int quoted = 0;
        while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
            if (*s == '"') {
                quoted = !quoted;
                s++;
                continue;
            }
            *w++ = *s++;
        }
        if (quoted)
            return -1;
        if (*s)
            s++;
        *w = 0;
        tok[n++] = start;
    }
}

static uint64_t rule_key(const ntc__rule *r)
{
    uint64_t w[6] = {0};
    w[0] = (uint64_t)r->entity | (uint64_t)r->target << 8 | (uint64_t)r->metric << 16 |
           (uint64_t)r->op << 24 | (uint64_t)r->period << 32 | (uint64_t)r->ip_version << 40 |
           (uint64_t)r->prefix << 48;
    w[1] = r->id;
    w[2] = r->threshold;
    memcpy(&w[3], r->addr, 16);
    return ntc__hash_words(w, 6, 0x6e74632d72756c65ULL) | 1;
}

static const char *const METRICS_HELP =
    "expected bytes, packets, flows, dns_bytes, p2p_bytes, app:NAME or category:NAME";

/* Parse one threshold rule from tokens t[0..n). Returns 0 and fills r, or -1 (error added). */
static int parse_rule(perr *pe, unsigned line, char **t, int n, const ntc__rule_names *names,
                      ntc__rule *r)
{
    char sh[64], sh2[64];
    memset(r, 0, sizeof(*r));
    r->line = line;
    r->severity = NTC_ALERT_WARNING;
    int i = 1;
    if (!strcasecmp(t[0], "host")) {
        r->entity = NTC__R_HOST;
        if (i >= n) {
            add_err(pe, line, "incomplete rule: missing the host target after 'host'");
            return -1;
        }
        const char *tg = t[i++];
        if (!strcasecmp(tg, "local")) {
            r->target = NTC__T_LOCAL;
        } else if (!strcasecmp(tg, "remote")) {
            r->target = NTC__T_REMOTE;
        } else if (!strcasecmp(tg, "any") || !strcmp(tg, "*")) {
            r->target = NTC__T_ANY;
        } else {
            int k = parse_addr(tg, r->addr, &r->ip_version, &r->prefix);
            if (!k) {
                add_err(pe, line, "bad host target '%s' (expected an address, a CIDR network, "
                        "local, remote or any)", show(tg, sh, sizeof(sh)));
                return -1;
            }
            r->target = k == 1 ? NTC__T_ADDR : NTC__T_CIDR;
        }
        snprintf(r->target_text, sizeof(r->target_text), "%s", tg);
    } else if (!strcasecmp(t[0], "network")) {
        r->entity = NTC__R_NETWORK;
        if (i >= n) {
            add_err(pe, line, "incomplete rule: missing the network after 'network'");
            return -1;
        }
        const char *tg = t[i++];
        if (parse_addr(tg, r->addr, &r->ip_version, &r->prefix) != 2) {
            add_err(pe, line, "bad network '%s' (expected a CIDR network such as 10.0.0.0/8)",
                    show(tg, sh, sizeof(sh)));
            return -1;
        }
        r->target = NTC__T_CIDR;
        char a[64];
        snprintf(r->target_text, sizeof(r->target_text), "%s/%u",
                 ntc__addr_str(r->ip_version, r->addr, a, sizeof(a)), r->prefix);
    } else {
        r->entity = NTC__R_IFACE;
    }

    if (i >= n) {
        add_err(pe, line, "incomplete rule: missing the metric (%s)", METRICS_HELP);
        return -1;
    }
    const char *m = t[i++];
    static const struct { const char *name; int metric; } simple[] = {
        {"bytes", NTC__M_BYTES}, {"packets", NTC__M_PACKETS}, {"flows", NTC__M_FLOWS},
        {"dns_bytes", NTC__M_DNS_BYTES}, {"p2p_bytes", NTC__M_P2P_BYTES}};
    for (size_t k = 0; k < NTC__ARRAY_LEN(simple); k++) {
        if (!strcasecmp(m, simple[k].name)) {
            r->metric = (uint8_t)simple[k].metric;
            snprintf(r->metric_text, sizeof(r->metric_text), "%s", simple[k].name);
        }
    }
    if (!r->metric && !strncasecmp(m, "app:", 4)) {
        int id = m[4] ? find_app(names, m + 4) : -1;
        if (id < 0) {
            add_err(pe, line, "unknown application '%s' in '%s'", show(m + 4, sh, sizeof(sh)),
                    show(m, sh2, sizeof(sh2)));
            return -1;
        }
        r->metric = NTC__M_APP_BYTES;
        r->id = (uint16_t)id;
        const char *an = id < NTC__L7_APP_COUNT ? ntc__l7_app_names[id]
                                                : names->app_name(names->u, (uint16_t)id);
        snprintf(r->metric_text, sizeof(r->metric_text), "app:%s", an ? an : m + 4);
    } else if (!r->metric && !strncasecmp(m, "category:", 9)) {
        int id = m[9] ? find_category(m + 9) : -1;
        if (id < 0) {
            add_err(pe, line, "unknown category '%s' in '%s'", show(m + 9, sh, sizeof(sh)),
                    show(m, sh2, sizeof(sh2)));
            return -1;
        }
        r->metric = NTC__M_CATEGORY_BYTES;
        r->id = (uint16_t)id;
        snprintf(r->metric_text, sizeof(r->metric_text), "category:%s", ntc__l7_category_names[id]);
    } else if (!r->metric) {
        add_err(pe, line, "unknown metric '%s' (%s)", show(m, sh, sizeof(sh)), METRICS_HELP);
        return -1;
    }

    if (i >= n) {
        add_err(pe, line, "incomplete rule: missing '>' or '<' after '%s'", r->metric_text);
        return -1;
    }
    const char *op = t[i++];
    if (strcmp(op, ">") && strcmp(op, "<")) {
        add_err(pe, line, "expected '>' or '<' after '%s', found '%s'", r->metric_text,
                show(op, sh, sizeof(sh)));
        return -1;
    }
    r->op = (uint8_t)op[0];
    if (i >= n) {
        add_err(pe, line, "incomplete rule: missing the threshold after '%s'", op);
        return -1;
    }
    const char *v = t[i++];
    if (parse_value(v, &r->threshold)) {
        add_err(pe, line, "bad threshold '%s' (expected a number such as 500, 10M, 1.5G or 64Ki)",
                show(v, sh, sizeof(sh)));
        return -1;
    }
    if (i >= n) {
        add_err(pe, line, "incomplete rule: missing 'per' and the period after the threshold");
        return -1;
    }
    if (strcasecmp(t[i], "per")) {
        add_err(pe, line, "expected 'per' after the threshold, found '%s'",
                show(t[i], sh, sizeof(sh)));
        return -1;
    }
    i++;
    if (i >= n) {
        add_err(pe, line, "incomplete rule: missing the period after 'per' (minute, 5min, hour or "
                "day)");
        return -1;
    }
    int per = parse_period(t[i]);
    if (per < 0) {
        add_err(pe, line, "unknown period '%s' (expected minute, 5min, hour or day)",
                show(t[i], sh, sizeof(sh)));
        return -1;
    }
    r->period = (uint8_t)per;
    i++;
    while (i < n) {
        if (!strcasecmp(t[i], "severity")) {
            int s = i + 1 < n ? parse_severity(t[i + 1]) : -1;
            if (s < 0) {
                add_err(pe, line, "%s severity%s%s (expected info, warning, error or critical)",
                        i + 1 < n ? "unknown" : "missing", i + 1 < n ? " " : "",
                        i + 1 < n ? show(t[i + 1], sh, sizeof(sh)) : "");
                return -1;
            }
            r->severity = (uint8_t)s;
            i += 2;
        } else {
            add_err(pe, line, "unexpected '%s' after the rule", show(t[i], sh, sizeof(sh)));
            return -1;
        }
    }
    r->key = rule_key(r);
    return 0;
}

static int parse_black(perr *pe, unsigned line, char **t, int n, const ntc__rule_names *names,
                       ntc__blacklist *b)
{
    char sh[64];
    memset(b, 0, sizeof(*b));
    b->line = line;
    b->severity = NTC_ALERT_ERROR;
    if (n < 2 || (strcasecmp(t[1], "app") && strcasecmp(t[1], "category"))) {
        add_err(pe, line, "expected 'app' or 'category' after 'blacklist'%s%s%s",
                n < 2 ? "" : ", found '", n < 2 ? "" : show(t[1], sh, sizeof(sh)),
                n < 2 ? "" : "'");
        return -1;
    }
    b->is_category = !strcasecmp(t[1], "category");
    if (n < 3) {
        add_err(pe, line, "incomplete entry: missing the %s name after 'blacklist %s'",
                b->is_category ? "category" : "application", b->is_category ? "category" : "app");
        return -1;
    }
    int id = b->is_category ? find_category(t[2]) : find_app(names, t[2]);
    if (id < 0) {
        add_err(pe, line, "unknown %s '%s'", b->is_category ? "category" : "application",
                show(t[2], sh, sizeof(sh)));
        return -1;
    }
    b->id = (uint16_t)id;
    for (int i = 3; i < n;) {
        if (!strcasecmp(t[i], "severity")) {
            int s = i + 1 < n ? parse_severity(t[i + 1]) : -1;
            if (s < 0) {
                add_err(pe, line, "%s severity%s%s (expected info, warning, error or critical)",
                        i + 1 < n ? "unknown" : "missing", i + 1 < n ? " " : "",
                        i + 1 < n ? show(t[i + 1], sh, sizeof(sh)) : "");
                return -1;
            }
            b->severity = (uint8_t)s;
            i += 2;
        } else {
            add_err(pe, line, "unexpected '%s' after the entry", show(t[i], sh, sizeof(sh)));
            return -1;
        }
    }
    return 0;
}

void ntc__ruleset_free(ntc__ruleset *rs)
{
    for (size_t i = 0; i < rs->nrules; i++)
        free(rs->rules[i].apps);
    free(rs->rules);
    free(rs->black);
    free(rs->net);
    memset(rs, 0, sizeof(*rs));
}

int ntc__rules_parse(const char *text, size_t len, const char *fname, const ntc__rule_names *names,
                     ntc__ruleset *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    perr pe = {err, errlen, 0, fname ? fname : "rules", 0, 0, 0};
    if (errlen)
        err[0] = 0;
    ntc__ruleset rs = {0};
    size_t cap_r = 0, cap_b = 0;
    int oom = 0, too_many = 0;
    unsigned line = 0;
    size_t pos = 0;
    char buf[LINE_MAX_LEN + 1];
    while (pos < len && !oom) {
        line++;
        size_t start = pos;
        while (pos < len && text[pos] != '\n')
            pos++;
        size_t n = pos - start;
        if (pos < len)
            pos++; /* the newline */
        if (n && text[start + n - 1] == '\r')
            n--;
        if (n > LINE_MAX_LEN) {
            add_err(&pe, line, "line too long (more than %d characters)", LINE_MAX_LEN);
            continue;
        }
        if (memchr(text + start, 0, n)) {
            add_err(&pe, line, "line contains a NUL byte");
            continue;
        }
        memcpy(buf, text + start, n);
        buf[n] = 0;
        char *tok[MAX_TOKENS];
        int more;
        int nt = tokenize(buf, tok, MAX_TOKENS, &more);
        if (nt < 0) {
            add_err(&pe, line, "unterminated '\"'");
            continue;
        }
        if (nt == 0)
            continue;
        if (more) {
            add_err(&pe, line, "too many words (a rule has at most %d)", MAX_TOKENS);
            continue;
        }
        char sh[64];
        int is_black = !strcasecmp(tok[0], "blacklist");
        if (!is_black && strcasecmp(tok[0], "host") && strcasecmp(tok[0], "network") &&
            strcasecmp(tok[0], "interface")) {
            add_err(&pe, line, "unknown rule kind '%s' (expected host, network, interface or "
                    "blacklist)", show(tok[0], sh, sizeof(sh)));
            continue;
        }
        if (rs.nrules + rs.nblack >= NTC__RULES_MAX) {
            if (!too_many)
                add_err(&pe, line, "too many rules (at most %d per file)", NTC__RULES_MAX);
            too_many = 1;
            continue;
        }
        if (is_black) {
            ntc__blacklist b;
            if (parse_black(&pe, line, tok, nt, names, &b))
                continue;
            int dup = 0;
            for (size_t k = 0; k < rs.nblack && !dup; k++)
                if (rs.black[k].id == b.id && rs.black[k].is_category == b.is_category) {
                    add_err(&pe, line, "same blacklist entry as line %u", rs.black[k].line);
                    dup = 1;
                }
            if (dup)
                continue;
            if (rs.nblack == cap_b) {
                size_t nc = cap_b ? cap_b * 2 : 8;
                ntc__blacklist *nb = realloc(rs.black, nc * sizeof(*nb));
                if (!nb) {
                    oom = 1;
                    break;
                }
                rs.black = nb;
                cap_b = nc;
            }
            rs.black[rs.nblack++] = b;
        } else {
            ntc__rule r;
            if (parse_rule(&pe, line, tok, nt, names, &r))
                continue;
            int dup = 0;
            for (size_t k = 0; k < rs.nrules && !dup; k++)
                if (rs.rules[k].key == r.key) {
                    add_err(&pe, line, "same rule as line %u", rs.rules[k].line);
                    dup = 1;
                }
            if (dup)
                continue;
            if (rs.nrules == cap_r) {
                size_t nc = cap_r ? cap_r * 2 : 8;
                ntc__rule *nr = realloc(rs.rules, nc * sizeof(*nr));
                if (!nr) {
                    oom = 1;
                    break;
                }
                rs.rules = nr;
                cap_r = nc;
            }
            rs.rules[rs.nrules++] = r;
            rs.nnet += r.entity == NTC__R_NETWORK;
        }
    }
    if (oom) {
        ntc__ruleset_free(&rs);
        if (errlen)
            ntc__fmt(err, errlen, "%s: out of memory", pe.fname);
        return NTC_ENOMEM;
    }
    if (pe.nerr) {
        ntc__ruleset_free(&rs);
        if (pe.nerr > pe.shown && errlen && pe.len + 1 < errlen)
            snprintf(err + pe.len, errlen - pe.len, "%s(%u more error%s)", pe.len ? "\n" : "",
                     pe.nerr - pe.shown, pe.nerr - pe.shown > 1 ? "s" : "");
        return NTC_EFORMAT;
    }
    if (rs.nnet && !(rs.net = calloc(rs.nnet, sizeof(*rs.net)))) {
        ntc__ruleset_free(&rs);
        return NTC_ENOMEM;
    }
    *out = rs;
    return 0;
}
