/* The nDPI rule files (dpi.protocols_file, dpi.categories_file), checked line by line before nDPI
 * 4.2 reads them. nDPI trusts these files: an empty host pattern (`host:@X`, `host:""@X`) makes
 * it write far outside a buffer, a port 65535 (`tcp:65535@X`, `udp:1-65535@X`) makes it loop for
 * ever, a bad CIDR length reaches its patricia tree, CRs end up in protocol names, and a last line
 * without a newline is dropped (protocols) or loses its last character (categories). So every line
 * must match the grammar nDPI documents (its example/protos.txt and categories.txt); the first
 * line that does not is refused with its number and the reason, and nothing is loaded. Accepted
 * files are handed to nDPI normalised: comments, blank lines, CRs and surrounding blanks dropped,
 * every line ending in a newline.
 *
 * Protocols file, one rule per line:
 *   ELEM[,ELEM...]@NAME     ELEM: tcp:PORT  udp:PORT  tcp:LOW-HIGH  udp:LOW-HIGH
 *                                 ip:A.B.C.D[/BITS][:PORT]   host:"PATTERN" (or unquoted)
 *   ip_risk_mask:A.B.C.D[/BITS]=MASK     host_risk_mask:"PATTERN"=MASK
 *   trusted_issuer_dn:"DN"
 * Categories file: NAME<blanks>ID, NAME an IPv4 address[/BITS] or a host pattern, ID a category
 * number nDPI knows. */
#include "dpi/rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntopcore/error.h"
#include "util/util.h"

#define MAX_NAME 64       /* protocol name */
#define MAX_PATTERN 255   /* nDPI's string automata take patterns below 256 bytes */
#define MAX_DN 126        /* nDPI copies a quoted issuer DN into 128 bytes */
#define MAX_PORT 65534    /* nDPI 4.2 counts ports in 16 bits: 65535 never ends its loop */
#define MAX_CAT_LINE 510  /* nDPI reads categories lines into 512 bytes */

typedef struct outbuf {
    char *p;
    size_t len, cap;
    int oom;
} outbuf;

static void out_add(outbuf *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->len + n + 2 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (o->len + n + 2 > cap)
            cap *= 2;
        char *p = realloc(o->p, cap);
        if (!p) {
            o->oom = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len++] = '\n';
    o->p[o->len] = '\0';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Printable ASCII without blanks. */
static int is_graph(char c)
{
    return c > 0x20 && c < 0x7f;
}

/* Decimal number of 1..max_digits digits, value <= max, the whole of [s, s+n). */
static int parse_uint(const char *s, size_t n, unsigned long long max, unsigned long long *v)
{
    if (n == 0 || n > 20)
        return -1;
    unsigned long long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (max - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

/* An IPv4 address with an optional /BITS (0..32), the whole of [s, s+n). */
static int check_ipv4_cidr(const char *s, size_t n, char *why, size_t whylen)
{
    char buf[32];
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    if (alen == 0 || alen >= sizeof(buf)) {
        snprintf(why, whylen, "'%.*s' is not an IPv4 address", (int)NTC__MIN(n, 64), s);
        return -1;
    }
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    struct in_addr a;
    if (inet_pton(AF_INET, buf, &a) != 1) {
        snprintf(why, whylen, "'%s' is not an IPv4 address%s", buf,
                 memchr(buf, ':', alen) ? " (nDPI 4.2 takes IPv4 rules only)" : "");
        return -1;
    }
    unsigned long long bits;
    if (slash && parse_uint(slash + 1, n - alen - 1, 32, &bits) != 0) {
        snprintf(why, whylen, "bad prefix length '/%.*s' (0 to 32)", (int)NTC__MIN(n - alen - 1, 32),
                 slash + 1);
        return -1;
    }
    return 0;
}

/* A host pattern, optionally in double quotes; *v / *vn receive it without the quotes. */
static int check_pattern(const char *s, size_t n, const char **v, size_t *vn, const char *what,
                         char *why, size_t whylen)
{
    if (n >= 1 && s[0] == '"') {
        if (n < 2 || s[n - 1] != '"') {
            snprintf(why, whylen, "%s: unbalanced quote", what);
            return -1;
        }
        s++;
        n -= 2;
    }
    if (n == 0) {
        snprintf(why, whylen, "%s: empty pattern", what);
        return -1;
    }
    if (n > MAX_PATTERN) {
        snprintf(why, whylen, "%s: pattern longer than %d bytes", what, MAX_PATTERN);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_graph(s[i]) || s[i] == '"' || s[i] == ',' || s[i] == '@' || s[i] == '=') {
            snprintf(why, whylen, "%s: character 0x%02x not allowed in a pattern", what,
                     (unsigned char)s[i]);
            return -1;
        }
    }
    *v = s;
    *vn = n;
    return 0;
}

/* tcp:/udp: value: PORT or LOW-HIGH. */
static int check_ports(const char *s, size_t n, char *why, size_t whylen)
{
    const char *dash = memchr(s, '-', n);
    unsigned long long lo, hi;
    if (dash) {
        if (parse_uint(s, (size_t)(dash - s), 65535, &lo) != 0 ||
            parse_uint(dash + 1, n - (size_t)(dash - s) - 1, 65535, &hi) != 0) {
            snprintf(why, whylen, "bad port range '%.*s'", (int)NTC__MIN(n, 32), s);
            return -1;
        }
        if (lo > hi) {
            snprintf(why, whylen, "port range '%.*s' ends before it starts", (int)NTC__MIN(n, 32), s);
            return -1;
        }
    } else if (parse_uint(s, n, 65535, &lo) != 0) {
        snprintf(why, whylen, "bad port '%.*s'", (int)NTC__MIN(n, 32), s);
        return -1;
    } else {
        hi = lo;
    }
    if (hi > MAX_PORT) {
        snprintf(why, whylen, "port 65535 cannot be used (nDPI 4.2 never ends loading it)");
        return -1;
    }
    return 0;
}

/* ip: value: A.B.C.D[/BITS][:PORT]. */
static int check_ip_elem(const char *s, size_t n, char *why, size_t whylen)
{
    const char *colon = memchr(s, ':', n);
    unsigned long long port;
    if (colon && memchr(colon + 1, ':', n - (size_t)(colon - s) - 1)) {
        snprintf(why, whylen, "'%.*s' is not an IPv4 address (nDPI 4.2 takes IPv4 rules only)",
                 (int)NTC__MIN(n, 64), s);
        return -1;
    }
    if (colon && parse_uint(colon + 1, n - (size_t)(colon - s) - 1, 65535, &port) != 0) {
        snprintf(why, whylen, "bad port in '%.*s'", (int)NTC__MIN(n, 64), s);
        return -1;
    }
    return check_ipv4_cidr(s, colon ? (size_t)(colon - s) : n, why, whylen);
}

static int prefix(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && memcmp(s, p, k) == 0;
}

/* One ELEM,...@NAME rule. */
static int check_rule(const char *s, size_t n, const char *at, char *why, size_t whylen)
{
    const char *name = at + 1;
    size_t nn = n - (size_t)(name - s);
    if (nn == 0) {
        snprintf(why, whylen, "no protocol name after '@'");
        return -1;
    }
    if (nn > MAX_NAME) {
        snprintf(why, whylen, "protocol name longer than %d bytes", MAX_NAME);
        return -1;
    }
    for (size_t i = 0; i < nn; i++) {
        /* nDPI turns / & ^ : ; ' " and blanks into '_'; ask for the name it would keep. */
        if (!is_graph(name[i]) || strchr("/&^:;'\",@", name[i])) {
            if (is_graph(name[i]))
                snprintf(why, whylen, "character '%c' not allowed in a protocol name", name[i]);
            else
                snprintf(why, whylen, "character 0x%02x not allowed in a protocol name",
                         (unsigned char)name[i]);
            return -1;
        }
    }
    const char *p = s, *end = at;
    if (p == end) {
        snprintf(why, whylen, "no rule before '@%.*s'", (int)nn, name);
        return -1;
    }
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        size_t en = (size_t)(e - p);
        const char *v;
        size_t vn;
        if (en == 0) {
            snprintf(why, whylen, "empty element");
            return -1;
        }
        if (prefix(p, en, "tcp:") || prefix(p, en, "udp:")) {
            if (check_ports(p + 4, en - 4, why, whylen) != 0)
                return -1;
        } else if (prefix(p, en, "ip:")) {
            if (check_ip_elem(p + 3, en - 3, why, whylen) != 0)
                return -1;
        } else if (prefix(p, en, "host:")) {
            if (check_pattern(p + 5, en - 5, &v, &vn, "host", why, whylen) != 0)
                return -1;
        } else {
            snprintf(why, whylen, "unknown element '%.*s' (tcp:, udp:, ip: or host: expected)",
                     (int)NTC__MIN(en, 48), p);
            return -1;
        }
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

/* KEY=MASK of ip_risk_mask / host_risk_mask. */
static int check_mask(const char *s, size_t n, int ip, char *why, size_t whylen)
{
    const char *eq = memchr(s, '=', n);
    unsigned long long mask;
    const char *v;
    size_t vn;
    if (!eq) {
        snprintf(why, whylen, "'=MASK' missing");
        return -1;
    }
    if (parse_uint(eq + 1, n - (size_t)(eq - s) - 1, 0x7fffffffffffffffULL, &mask) != 0) {
        snprintf(why, whylen, "bad mask '%.*s' (a decimal number)",
                 (int)NTC__MIN(n - (size_t)(eq - s) - 1, 32), eq + 1);
        return -1;
    }
    if (ip)
        return check_ipv4_cidr(s, (size_t)(eq - s), why, whylen);
    return check_pattern(s, (size_t)(eq - s), &v, &vn, "host_risk_mask", why, whylen);
}

static int check_protocols_line(const char *s, size_t n, char *why, size_t whylen)
{
    const char *at = NULL;
    for (size_t i = n; i-- > 0;) {
        if (s[i] == '@') {
            at = s + i;
            break;
        }
    }
    if (at)
        return check_rule(s, n, at, why, whylen);
    if (prefix(s, n, "ip_risk_mask:"))
        return check_mask(s + 13, n - 13, 1, why, whylen);
    if (prefix(s, n, "host_risk_mask:"))
        return check_mask(s + 15, n - 15, 0, why, whylen);
    if (prefix(s, n, "trusted_issuer_dn:")) {
        const char *d = s + 18;
        size_t dn = n - 18;
        if (dn >= 2 && d[0] == '"' && d[dn - 1] == '"') {
            d++;
            dn -= 2;
        } else if (dn && (d[0] == '"' || d[dn - 1] == '"')) {
            snprintf(why, whylen, "trusted_issuer_dn: unbalanced quote");
            return -1;
        }
        if (dn == 0 || dn > MAX_DN) {
            snprintf(why, whylen, "trusted_issuer_dn: %s", dn ? "longer than 126 bytes" : "empty");
            return -1;
        }
        for (size_t i = 0; i < dn; i++) {
            /* nDPI cuts the DN at a ':' and at a '"'. */
            if (d[i] < 0x20 || d[i] == 0x7f || d[i] == ':' || d[i] == '"') {
                snprintf(why, whylen, "trusted_issuer_dn: character 0x%02x not allowed",
                         (unsigned char)d[i]);
                return -1;
            }
        }
        return 0;
    }
    snprintf(why, whylen, "not a rule (ELEM,...@NAME, ip_risk_mask:, host_risk_mask: or "
                          "trusted_issuer_dn: expected)");
    return -1;
}

static int check_categories_line(const char *s, size_t n, int (*cat_ok)(void *, unsigned long),
                                 void *u, outbuf *o, char *why, size_t whylen)
{
    size_t k = 0;
    while (k < n && !is_blank(s[k]))
        k++;
    const char *name = s;
    size_t nn = k;
    while (k < n && is_blank(s[k]))
        k++;
    const char *id = s + k;
    size_t idn = n - k;
    unsigned long long cat;
    if (idn == 0) {
        snprintf(why, whylen, "NAME<tab>CATEGORY expected");
        return -1;
    }
    if (parse_uint(id, idn, 0xffff, &cat) != 0 || !cat_ok(u, (unsigned long)cat)) {
        snprintf(why, whylen, "'%.*s' is not a category number", (int)NTC__MIN(idn, 32), id);
        return -1;
    }
    /* An address (with a prefix) or a host pattern, as nDPI tries them. */
    int looks_ip = 1;
    for (size_t i = 0; i < nn; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || name[i] == '.' || name[i] == '/'))
            looks_ip = 0;
    const char *v;
    size_t vn;
    if (looks_ip) {
        if (check_ipv4_cidr(name, nn, why, whylen) != 0)
            return -1;
    } else if (check_pattern(name, nn, &v, &vn, "name", why, whylen) != 0) {
        return -1;
    } else if (vn != nn) {
        snprintf(why, whylen, "name: no quotes in a categories file");
        return -1;
    }
    char line[MAX_CAT_LINE + 1];
    int len = snprintf(line, sizeof(line), "%.*s\t%llu", (int)nn, name, cat);
    if (len < 0 || (size_t)len >= sizeof(line)) {
        snprintf(why, whylen, "line longer than %d bytes", MAX_CAT_LINE);
        return -1;
    }
    out_add(o, line, (size_t)len);
    return 0;
}

int ntc__rules_check(int kind, const char *text, size_t len, int (*cat_ok)(void *, unsigned long),
                     void *u, char **out, size_t *outlen, unsigned *lineno, char *why,
                     size_t whylen)
{
    outbuf o = {0};
    *out = NULL;
    *outlen = 0;
    *lineno = 0;
    if (why && whylen)
        why[0] = '\0';
    size_t pos = 0;
    unsigned line = 0;
    while (pos < len) {
        line++;
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (memchr(s, '\0', n)) {
            *lineno = line;
            snprintf(why, whylen, "NUL byte");
            free(o.p);
            return NTC_EFORMAT;
        }
        while (n && (is_blank(s[n - 1]) || s[n - 1] == '\r'))
            n--;
        while (n && is_blank(s[0]))
            s++, n--;
        if (n == 0 || s[0] == '#')
            continue;
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)s[i] < 0x20 && s[i] != '\t') {
                *lineno = line;
                snprintf(why, whylen, "control character 0x%02x", (unsigned char)s[i]);
                free(o.p);
                return NTC_EFORMAT;
            }
        }
        int rc;
        if (kind == NTC__RULES_PROTOCOLS) {
            rc = check_protocols_line(s, n, why, whylen);
            if (rc == 0)
                out_add(&o, s, n);
        } else {
            rc = check_categories_line(s, n, cat_ok, u, &o, why, whylen);
        }
        if (rc != 0) {
            *lineno = line;
            free(o.p);
            return NTC_EFORMAT;
        }
    }
    if (o.oom) {
        free(o.p);
        snprintf(why, whylen, "out of memory");
        return NTC_ENOMEM;
    }
    if (!o.p) {
        o.p = calloc(1, 1);
        if (!o.p) {
            snprintf(why, whylen, "out of memory");
            return NTC_ENOMEM;
        }
    }
    *out = o.p;
    *outlen = o.len;
    return 0;
}
