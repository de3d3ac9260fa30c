#include <arpa/inet.h>
#include <stdlib.h>

#include "host/host.h"
#include "ntopcore/error.h"

/* Parse "ADDR[/PREFIX]" (len bytes of s). Returns 0 and fills out, or -1 with a reason. */
static int parse_one(const char *s, size_t len, ntc__localnet *out, char *why, size_t whylen)
{
    char buf[128];
    if (len == 0 || len >= sizeof(buf)) {
        ntc__fmt(why, whylen, "empty or overlong network in the list");
        return -1;
    }
    memcpy(buf, s, len);
    buf[len] = 0;
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash) {
        *slash = 0;
        char *end;
        prefix = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || prefix < 0) {
            ntc__fmt(why, whylen, "bad prefix length in '%s/%s'", buf, slash + 1);
            return -1;
        }
    }
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->ip_version = 4;
        if (prefix < 0)
            prefix = 32;
        if (prefix > 32) {
            ntc__fmt(why, whylen, "prefix /%ld too long for IPv4 network '%s'", prefix, buf);
            return -1;
        }
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->ip_version = 6;
        if (prefix < 0)
            prefix = 128;
        if (prefix > 128) {
            ntc__fmt(why, whylen, "prefix /%ld too long for IPv6 network '%s'", prefix, buf);
            return -1;
        }
    } else {
        ntc__fmt(why, whylen, "'%s' is not an IPv4 or IPv6 address", buf);
        return -1;
    }
    out->prefix = (uint8_t)prefix;
    for (int bit = (int)prefix; bit < 128; bit++)
        out->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    return 0;
}

static int walk(const char *text, ntc__localnets *ln, char *why, size_t whylen)
{
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ' && *e != '\t')
            e++;
        ntc__localnet n;
        if (parse_one(p, (size_t)(e - p), &n, why, whylen))
            return NTC_EFORMAT;
        if (ln) {
            int rc = ntc__localnets_add(ln, n.ip_version, n.addr, n.prefix, 0);
            if (rc)
                return rc;
        }
        p = e;
    }
    return 0;
}

int ntc__localnets_check(const char *text, char *why, size_t whylen)
{
    return walk(text, NULL, why, whylen);
}

int ntc__localnets_parse(ntc__localnets *ln, const char *text)
{
    char why[160];
    return walk(text, ln, why, sizeof(why));
}

int ntc__localnets_add(ntc__localnets *ln, int ip_version, const uint8_t *addr, int prefix,
                       int is_system)
{
    if (ln->count == ln->cap) {
        size_t cap = ln->cap ? ln->cap * 2 : 8;
        ntc__localnet *n = realloc(ln->nets, cap * sizeof(*n));
        if (!n)
            return NTC_ENOMEM;
        ln->nets = n;
        ln->cap = cap;
    }
    ntc__localnet *n = &ln->nets[ln->count++];
    memset(n, 0, sizeof(*n));
    n->ip_version = (uint8_t)ip_version;
    n->prefix = (uint8_t)prefix;
    n->is_system = (uint8_t)is_system;
    memcpy(n->addr, addr, ip_version == 4 ? 4 : 16);
    for (int bit = prefix; bit < 128; bit++)
        n->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    return 0;
}

static int prefix_match(const uint8_t *net, const uint8_t *addr, int prefix)
{
    int full = prefix / 8, rest = prefix % 8;
    if (memcmp(net, addr, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (addr[full] & mask) == net[full];
}

int ntc__localnets_match(const ntc__localnets *ln, int ip_version, const uint8_t *addr)
{
    int best = 0;
    for (size_t i = 0; i < ln->count; i++) {
        const ntc__localnet *n = &ln->nets[i];
        if (n->ip_version == ip_version && prefix_match(n->addr, addr, n->prefix)) {
            if (n->is_system)
                return 2;
            best = 1;
        }
    }
    return best;
}

void ntc__localnets_free(ntc__localnets *ln)
{
    free(ln->nets);
    memset(ln, 0, sizeof(*ln));
}
