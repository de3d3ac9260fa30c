/* Text buffers, JSON strings, and records as one-line JSON objects (nProbe/ntopng element names
 * or numeric ids). Flows and hosts are formatted through their records, so JSON lines and every
 * other sink follow the one field registry (fields.c). */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "export/export_int.h"
#include "ntopcore/error.h"
#include "util/util.h"

void ntc__sbuf_free(ntc__sbuf *s)
{
    if (s->grow && s->buf != s->stack)
        free(s->buf);
    s->buf = s->stack;
    s->cap = s->stack ? s->cap : 0;
}

/* Room for `need` more bytes plus a NUL (growing mode); 0 when it cannot be had. */
static int sbuf_reserve(ntc__sbuf *s, size_t need)
{
    if (s->len + need < s->cap)
        return 1;
    if (!s->grow || s->oom)
        return 0;
    size_t cap = s->cap ? s->cap : 256;
    while (cap <= s->len + need)
        cap *= 2;
    char *b = s->buf != s->stack ? realloc(s->buf, cap) : malloc(cap);
    if (!b) {
        s->oom = 1;
        return 0;
    }
    if (s->buf == s->stack && s->len)
        memcpy(b, s->buf, s->len);
    s->buf = b;
    s->cap = cap;
    return 1;
}

void ntc__sbuf_put(ntc__sbuf *s, const char *p, size_t n)
{
    if (sbuf_reserve(s, n)) {
        memcpy(s->buf + s->len, p, n);
    } else if (!s->grow && s->len < s->cap) {
        size_t room = s->cap - s->len;
        memcpy(s->buf + s->len, p, n < room ? n : room);
    } else if (s->grow) {
        return; /* out of memory: oom is set */
    }
    s->len += n;
}

void ntc__sbuf_printf(ntc__sbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = s->len < s->cap ? s->cap - s->len : 0;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(room ? s->buf + s->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n >= room && s->grow) {
        if (sbuf_reserve(s, (size_t)n))
            vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap2);
        else
            n = 0;
    }
    va_end(ap2);
    if (n > 0)
        s->len += (size_t)n;
}

void ntc__sbuf_u64(ntc__sbuf *s, uint64_t v)
{
    char d[20];
    size_t i = sizeof(d);
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ntc__sbuf_put(s, d + i, sizeof(d) - i);
}

/* 10^0 .. 10^9, for ntc__sbuf_fixed_point(). */
static const uint64_t pow10_u[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                   100000000, 1000000000};

void ntc__sbuf_fixed_point(ntc__sbuf *s, double v, unsigned decimals)
{
    /* printf("%.*f") rounds the exact binary value. When v * 10^decimals is well inside 2^40 and
     * not near a half (the product's rounding error is then below 2^-12), the nearest integer is
     * what printf prints, digit for digit: write it with the point inserted. Everything else
     * (halves, huge values, negative zero, NaN, infinities) goes to printf. */
    if (decimals < NTC__ARRAY_LEN(pow10_u) && v >= 0 && !signbit(v)) {
        double t = v * (double)pow10_u[decimals];
        double r = nearbyint(t);
        if (t < 1099511627776.0 && fabs(t - r) < 0.49) {
            uint64_t n = (uint64_t)r, p = pow10_u[decimals];
            ntc__sbuf_u64(s, n / p);
            if (decimals) {
                char f[10];
                uint64_t frac = n % p;
                for (unsigned i = decimals; i-- > 0; frac /= 10)
                    f[i] = (char)('0' + frac % 10);
                ntc__sbuf_put(s, ".", 1);
                ntc__sbuf_put(s, f, decimals);
            }
            return;
        }
    }
    ntc__sbuf_printf(s, "%.*f", (int)decimals, v);
}

int ntc__sbuf_finish(ntc__sbuf *s)
{
    if (s->cap)
        s->buf[s->len < s->cap ? s->len : s->cap - 1] = 0;
    return s->len > INT32_MAX ? INT32_MAX : (int)s->len;
}

static int utf8_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Length of the valid UTF-8 sequence starting at p (n bytes left), or 0 when it is invalid
 * (stray continuation byte, overlong form, surrogate, above U+10FFFF, cut short). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && utf8_cont(p[1]) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || !utf8_cont(p[1]) || !utf8_cont(p[2]))
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))
            return 0; /* overlong, or a UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || !utf8_cont(p[1]) || !utf8_cont(p[2]) || !utf8_cont(p[3]))
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
            return 0; /* overlong, or above U+10FFFF */
        return 4;
    }
    return 0;
}

/* A JSON string. Traffic is hostile: the output stays valid JSON and valid UTF-8 (RFC 8259)
 * whatever the bytes — control characters are escaped, and each byte that is not part of a valid
 * UTF-8 sequence becomes U+FFFD. */
void ntc__json_str(ntc__sbuf *j, const char *s, size_t n)
{
    ntc__sbuf_put(j, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0, i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t l = (c >= 0x20 && c != '"' && c != '\\') ? utf8_len(p + i, n - i) : 0;
        if (l) {
            i += l;
            run += l;
            continue;
        }
        if (run)
            ntc__sbuf_put(j, (const char *)p + i - run, run);
        run = 0;
        if (c == '"' || c == '\\')
            ntc__sbuf_printf(j, "\\%c", c);
        else if (c < 0x20)
            ntc__sbuf_printf(j, "\\u%04x", c);
        else
            ntc__sbuf_put(j, "\\ufffd", 6);
        i++;
    }
    if (run)
        ntc__sbuf_put(j, (const char *)p + n - run, run);
    ntc__sbuf_put(j, "\"", 1);
}

void ntc__utf8_clean(ntc__sbuf *j, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0, i = 0;
    while (i < n) {
        size_t l = utf8_len(p + i, n - i);
        if (l) {
            i += l;
            run += l;
            continue;
        }
        if (run)
            ntc__sbuf_put(j, (const char *)p + i - run, run);
        run = 0;
        ntc__sbuf_put(j, "\xef\xbf\xbd", 3); /* U+FFFD */
        i++;
    }
    if (run)
        ntc__sbuf_put(j, (const char *)p + n - run, run);
}

void ntc__record_json(const ntc_record *r, unsigned flags, ntc__sbuf *s)
{
    size_t n;
    const ntc__field_def *defs = ntc__registry(r->kind, &n);
    int ids = (flags & NTC_JSON_NPROBE_IDS) != 0, first = 1;
    ntc__sbuf_put(s, "{", 1);
    for (size_t i = 0; i < n && i < r->nfields; i++) {
        if (!r->slot[i])
            continue;
        const ntc_field *f = &defs[i].pub;
        const ntc__rval *v = &r->vals[r->slot[i] - 1];
        /* The element id in ids mode when the field has one, else the name (ntopng's collector
         * accepts both in one object). */
        ntc__sbuf_put(s, ",\"" + first, 2 - first);
        if (ids && f->nprobe_id)
            ntc__sbuf_u64(s, f->nprobe_id);
        else
            ntc__sbuf_put(s, f->name, strlen(f->name));
        ntc__sbuf_put(s, "\":", 2);
        first = 0;
        if (f->type == NTC_FIELD_JSON)
            ntc__sbuf_put(s, r->str + v->u, v->len);
        else if (ntc__field_is_text(f->type))
            ntc__json_str(s, r->str + v->u, v->len);
        else if (f->type == NTC_FIELD_FLOAT)
            ntc__sbuf_fixed_point(s, ntc__u2f(v->u), f->decimals);
        else
            ntc__sbuf_u64(s, v->u);
    }
    ntc__sbuf_put(s, "}", 1);
}

NTC_EXPORT int ntc_record_format_json(const ntc_record *rec, unsigned flags, char *buf,
                                      size_t bufsize)
{
    if (!rec || (!buf && bufsize))
        return NTC_EINVAL;
    ntc__sbuf s = ntc__sbuf_fixed(buf, bufsize);
    ntc__record_json(rec, flags, &s);
    return ntc__sbuf_finish(&s);
}

NTC_EXPORT int ntc_flow_format_json(const ntc_flow *flow, unsigned flags, char *buf, size_t bufsize)
{
    if (!flow || (!buf && bufsize))
        return NTC_EINVAL;
    ntc_record *r;
    int rc = ntc_record_from_flow(flow, &r);
    if (rc)
        return rc;
    rc = ntc_record_format_json(r, flags, buf, bufsize);
    ntc_record_release(r);
    return rc;
}

NTC_EXPORT int ntc_host_format_json(const ntc_host *host, unsigned flags, char *buf, size_t bufsize)
{
    if (!host || (!buf && bufsize))
        return NTC_EINVAL;
    ntc_record *r;
    int rc = ntc_record_from_host(host, &r);
    if (rc)
        return rc;
    rc = ntc_record_format_json(r, flags, buf, bufsize);
    ntc_record_release(r);
    return rc;
}

NTC_EXPORT int ntc_json_string(const char *s, char *buf, size_t bufsize)
{
    if (!s || (!buf && bufsize))
        return NTC_EINVAL;
    ntc__sbuf j = ntc__sbuf_fixed(buf, bufsize);
    ntc__json_str(&j, s, strlen(s));
    return ntc__sbuf_finish(&j);
}
