/* JSON text from the library to Python's marshal format (helper.h: ntcpy_to_marshal()).
 *
 * marshal.loads() builds dicts, lists, ints and strings in C several times faster than
 * json.loads() parses the same records, and the records stay exactly the library's JSON: this
 * only re-encodes what ntc_flow_format_json() wrote. Only the stable core of the format is
 * written (it has not changed since Python 3.4): '{' ... '0' dicts, '[' lists, 'i'/'l' ints,
 * 'g' binary floats, 'z'/'a'/'u' strings, 'T'/'F'/'N', and 'r' references so that each key is one
 * interned string per batch. The package checks at import that marshal.loads() of this output
 * equals json.loads() of the input, and uses json otherwise.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind_common.h"
#include "marshal_out.h"

#define FLAG_REF 0x80
#define KEY_SLOTS 512 /* power of two; a batch has a few dozen distinct keys */
#define MAX_DEPTH 32

typedef struct mkey {
    const char *s;  /* points into the JSON text (between the quotes, no escapes); NULL: free */
    size_t len;
    uint32_t ref;
} mkey;

typedef struct menc {
    const char *s;
    size_t n, i;
    ntcb_buf *out;
    mkey *keys;     /* KEY_SLOTS entries (NULL with plain_keys) */
    int nkeys;
    uint32_t nrefs;
    int plain_keys; /* keys as plain strings, without references (a value inside a record) */
    int bad;
} menc;

/* The output was reserved for the worst case before encoding (see ntcpy_marshal()): writes do
 * not check for room. */
static void put(menc *m, const void *p, size_t n)
{
    memcpy(m->out->p + m->out->len, p, n);
    m->out->len += n;
}

static void put_byte(menc *m, int b)
{
    m->out->p[m->out->len++] = (char)b;
}

static void put_i32(menc *m, int32_t v)
{
    uint32_t u = (uint32_t)v;
    unsigned char *b = (unsigned char *)m->out->p + m->out->len;
    b[0] = (unsigned char)u;
    b[1] = (unsigned char)(u >> 8);
    b[2] = (unsigned char)(u >> 16);
    b[3] = (unsigned char)(u >> 24);
    m->out->len += 4;
}

static void skip_ws(menc *m)
{
    if (m->i < m->n && (unsigned char)m->s[m->i] > ' ')
        return; /* the library writes no white space: the usual case */
    while (m->i < m->n && (m->s[m->i] == ' ' || m->s[m->i] == '\n' || m->s[m->i] == '\t' ||
                           m->s[m->i] == '\r'))
        m->i++;
}

/* A string value (at the opening quote). Without escapes it is copied as is; with escapes it is
 * decoded into a scratch area after the output, then moved in. */
static void enc_string(menc *m)
{
    size_t start = m->i + 1;
    const unsigned char *p = (const unsigned char *)m->s + start,
                        *e = (const unsigned char *)m->s + m->n;
    unsigned high = 0;
    int esc = 0;
    for (;;) {
        const unsigned char *q = memchr(p, '"', (size_t)(e - p));
        if (!q) {
            m->bad = 1;
            return;
        }
        const unsigned char *bs = memchr(p, '\\', (size_t)(q - p));
        if (!bs) {
            p = q;
            break;
        }
        esc = 1; /* a backslash: skip the escaped character */
        p = bs + 2;
        if (p > e) {
            m->bad = 1;
            return;
        }
    }
    /* ASCII check, 8 bytes at a time. */
    const unsigned char *a = (const unsigned char *)m->s + start;
    uint64_t acc = 0;
    for (; a + 8 <= p; a += 8) {
        uint64_t w;
        memcpy(&w, a, 8);
        acc |= w;
    }
    for (; a < p; a++)
        high |= *a;
    int ascii = high < 0x80 && (acc & 0x8080808080808080ull) == 0;
    size_t end = (size_t)(p - (const unsigned char *)m->s);
    m->i = end + 1;
    if (!esc) {
        size_t len = end - start;
        if (ascii && len < 256) {
            put_byte(m, 'z');
            put_byte(m, (int)len);
        } else {
            put_byte(m, ascii ? 'a' : 'u');
            put_i32(m, (int32_t)len);
        }
        put(m, m->s + start, len);
        return;
    }
    /* Decode the escapes: type and length first (patched), then the bytes. */
    put_byte(m, 'u');
    size_t len_at = m->out->len;
    put_i32(m, 0);
    size_t data_at = m->out->len;
    for (size_t k = start; k < end && !m->bad;) {
        char c = m->s[k++];
        if (c != '\\') {
            put(m, &c, 1);
            continue;
        }
        char x = m->s[k++];
        char o = 0;
        switch (x) {
        case '"': o = '"'; break;
        case '\\': o = '\\'; break;
        case '/': o = '/'; break;
        case 'b': o = '\b'; break;
        case 'f': o = '\f'; break;
        case 'n': o = '\n'; break;
        case 'r': o = '\r'; break;
        case 't': o = '\t'; break;
        case 'u': {
            unsigned cp;
            size_t used = ntcb_json_u_escape(m->s + k, end - k, &cp);
            if (!used) {
                m->bad = 1;
                break;
            }
            k += used;
            /* A lone surrogate is written as its 3-byte form, which marshal decodes
             * ("surrogatepass") to the same lone surrogate json.loads gives. */
            char u[4];
            put(m, u, ntcb_utf8(cp, u));
            continue;
        }
        default:
            m->bad = 1;
            break;
        }
        if (!m->bad)
            put(m, &o, 1);
    }
    if (m->bad)
        return;
    size_t len = m->out->len - data_at;
    uint32_t u = (uint32_t)len;
    unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 24)};
    memcpy(m->out->p + len_at, b, 4);
}

/* A key: the first time an interned short string with a reference, then the reference. */
static void enc_key(menc *m)
{
    if (m->i >= m->n || m->s[m->i] != '"') {
        m->bad = 1;
        return;
    }
    size_t start = m->i + 1;
    const unsigned char *b = (const unsigned char *)m->s + start, *p = b,
                        *e = (const unsigned char *)m->s + m->n;
    p = memchr(b, '"', (size_t)(e - b));
    if (!p || p - b >= 256 || memchr(b, '\\', (size_t)(p - b))) {
        enc_string(m); /* unusual key: written as a plain string */
        return;
    }
    size_t len = (size_t)(p - b);
    if (m->plain_keys) {
        enc_string(m);
        return;
    }
    /* Hash of the length and the first and last bytes; memcmp settles collisions. */
    uint64_t w0 = 0, w1 = 0;
    memcpy(&w0, b, len < 8 ? len : 8);
    if (len > 8)
        memcpy(&w1, p - 8, 8);
    uint64_t h64 = (w0 * 0x9E3779B97F4A7C15ull) ^ (w1 * 0xC2B2AE3D27D4EB4Full) ^ len;
    uint32_t h = (uint32_t)(h64 >> 32) ^ (uint32_t)h64;
    size_t k = start + len;
    m->i = k + 1;
    size_t slot = h & (KEY_SLOTS - 1);
    while (m->keys[slot].s) {
        if (m->keys[slot].len == len && memcmp(m->keys[slot].s, m->s + start, len) == 0) {
            put_byte(m, 'r');
            put_i32(m, (int32_t)m->keys[slot].ref);
            return;
        }
        slot = (slot + 1) & (KEY_SLOTS - 1);
    }
    put_byte(m, 'Z' | FLAG_REF); /* short ASCII, interned */
    put_byte(m, (int)len);
    put(m, m->s + start, len);
    if (m->nkeys < KEY_SLOTS / 2) {
        m->keys[slot] = (mkey){m->s + start, len, m->nrefs};
        m->nkeys++;
    }
    m->nrefs++;
}

static void enc_number(menc *m)
{
    size_t start = m->i;
    int neg = 0, is_float = 0;
    uint64_t v = 0;
    if (m->s[m->i] == '-') {
        neg = 1;
        m->i++;
    }
    size_t digits_at = m->i;
    while (m->i < m->n && m->s[m->i] >= '0' && m->s[m->i] <= '9') {
        uint64_t d = (uint64_t)(m->s[m->i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            is_float = 1; /* beyond 64 bits: not something the library writes */
        v = v * 10 + d;
        m->i++;
    }
    if (m->i == digits_at) {
        m->bad = 1;
        return;
    }
    while (m->i < m->n && (m->s[m->i] == '.' || m->s[m->i] == 'e' || m->s[m->i] == 'E' ||
                           m->s[m->i] == '+' || m->s[m->i] == '-' ||
                           (m->s[m->i] >= '0' && m->s[m->i] <= '9'))) {
        is_float = 1;
        m->i++;
    }
    if (is_float) {
        char tmp[64], *end;
        size_t len = m->i - start;
        if (len >= sizeof(tmp)) {
            m->bad = 1;
            return;
        }
        memcpy(tmp, m->s + start, len);
        tmp[len] = 0;
        double d = strtod(tmp, &end);
        if (*end) {
            m->bad = 1;
            return;
        }
        unsigned char b[8];
        memcpy(b, &d, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        for (int k = 0; k < 4; k++) {
            unsigned char t = b[k];
            b[k] = b[7 - k];
            b[7 - k] = t;
        }
#endif
        put_byte(m, 'g'); /* TYPE_BINARY_FLOAT: IEEE 754, little-endian */
        put(m, b, 8);
        return;
    }
    if (v <= INT32_MAX) {
        put_byte(m, 'i');
        put_i32(m, neg ? -(int32_t)v : (int32_t)v);
        return;
    }
    /* TYPE_LONG: number of 15-bit digits (negative for a negative number), then the digits. */
    unsigned char digits[2 * 5];
    int nd = 0;
    while (v) {
        unsigned dgt = (unsigned)(v & 0x7FFF);
        digits[2 * nd] = (unsigned char)dgt;
        digits[2 * nd + 1] = (unsigned char)(dgt >> 8);
        nd++;
        v >>= 15;
    }
    put_byte(m, 'l');
    put_i32(m, neg ? -nd : nd);
    put(m, digits, (size_t)(2 * nd));
}

static void enc_value(menc *m, int depth);

static void enc_object(menc *m, int depth)
{
    m->i++;
    put_byte(m, '{');
    skip_ws(m);
    if (m->i < m->n && m->s[m->i] == '}') {
        m->i++;
        put_byte(m, '0');
        return;
    }
    while (!m->bad) {
        skip_ws(m);
        enc_key(m);
        skip_ws(m);
        if (m->i >= m->n || m->s[m->i] != ':') {
            m->bad = 1;
            return;
        }
        m->i++;
        enc_value(m, depth + 1);
        skip_ws(m);
        if (m->i < m->n && m->s[m->i] == ',') {
            m->i++;
            continue;
        }
        if (m->i < m->n && m->s[m->i] == '}') {
            m->i++;
            put_byte(m, '0'); /* TYPE_NULL ends a dict */
            return;
        }
        m->bad = 1;
    }
}

static void enc_array(menc *m, int depth)
{
    m->i++;
    put_byte(m, '[');
    size_t count_at = m->out->len;
    put_i32(m, 0);
    int32_t count = 0;
    skip_ws(m);
    if (m->i < m->n && m->s[m->i] == ']') {
        m->i++;
        return;
    }
    while (!m->bad) {
        enc_value(m, depth + 1);
        count++;
        skip_ws(m);
        if (m->i < m->n && m->s[m->i] == ',') {
            m->i++;
            continue;
        }
        if (m->i < m->n && m->s[m->i] == ']') {
            m->i++;
            break;
        }
        m->bad = 1;
    }
    if (!m->bad) {
        uint32_t u = (uint32_t)count;
        unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                              (unsigned char)(u >> 24)};
        memcpy(m->out->p + count_at, b, 4);
    }
}

static int word(menc *m, const char *w)
{
    size_t l = strlen(w);
    if (m->n - m->i >= l && memcmp(m->s + m->i, w, l) == 0) {
        m->i += l;
        return 1;
    }
    return 0;
}

static void enc_value(menc *m, int depth)
{
    if (depth > MAX_DEPTH) {
        m->bad = 1;
        return;
    }
    skip_ws(m);
    if (m->i >= m->n) {
        m->bad = 1;
        return;
    }
    char c = m->s[m->i];
    if (c == '{')
        enc_object(m, depth);
    else if (c == '[')
        enc_array(m, depth);
    else if (c == '"')
        enc_string(m);
    else if (c == '-' || (c >= '0' && c <= '9'))
        enc_number(m);
    else if (word(m, "true"))
        put_byte(m, 'T');
    else if (word(m, "false"))
        put_byte(m, 'F');
    else if (word(m, "null"))
        put_byte(m, 'N');
    else
        m->bad = 1;
}

/* Append the marshal form of one JSON value to out. */
static int marshal_append(const char *json, size_t n, ntcb_buf *out, int plain_keys)
{
    menc mm = {0}, *m = &mm;
    if (!plain_keys && !(m->keys = calloc(KEY_SLOTS, sizeof(*m->keys))))
        return -1;
    m->s = json;
    m->n = n;
    m->out = out;
    m->plain_keys = plain_keys;
    /* Worst case: every JSON value of 2 bytes ("0,") becomes 5 (an int), a 1-byte escape-free
     * ASCII string value ("\"a\",") 3, a key first seen 3 + its length: 3 bytes per input byte,
     * plus the outermost list header, cover every case. */
    if (n > (SIZE_MAX - 64) / 3 || ntcb_buf_reserve(out, 3 * n + 64))
        m->bad = 1;
    if (!m->bad)
        enc_value(m, 0);
    skip_ws(m);
    int rc = m->bad || m->i != m->n ? -1 : 0;
    free(m->keys);
    return rc;
}

int ntcpy_marshal(const char *json, size_t n, ntcb_buf *out)
{
    ntcb_buf_clear(out);
    return marshal_append(json, n, out, 0);
}

/* ---- records straight to marshal ---- */

/* Appending writers for the record encoder: each reserves its room. */
static int rput(ntcpy_mbatch *b, const void *p, size_t n)
{
    return ntcb_buf_put(&b->out, p, n);
}

static int rput_i32(ntcpy_mbatch *b, uint32_t u)
{
    unsigned char c[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 24)};
    return rput(b, c, 4);
}

static int rput_tag_i32(ntcpy_mbatch *b, int tag, uint32_t u)
{
    unsigned char c[5] = {(unsigned char)tag, (unsigned char)u, (unsigned char)(u >> 8),
                          (unsigned char)(u >> 16), (unsigned char)(u >> 24)};
    return rput(b, c, 5);
}

static int rput_uint(ntcpy_mbatch *b, uint64_t v)
{
    if (v <= INT32_MAX)
        return rput_tag_i32(b, 'i', (uint32_t)v);
    /* TYPE_LONG: the number of 15-bit digits, then the digits, least significant first. */
    unsigned char d[1 + 4 + 2 * 5];
    int nd = 0;
    while (v) {
        unsigned dg = (unsigned)(v & 0x7FFF);
        d[5 + 2 * nd] = (unsigned char)dg;
        d[5 + 2 * nd + 1] = (unsigned char)(dg >> 8);
        nd++;
        v >>= 15;
    }
    d[0] = 'l';
    d[1] = (unsigned char)nd;
    d[2] = d[3] = d[4] = 0;
    return rput(b, d, (size_t)(5 + 2 * nd));
}

static int rput_double(ntcpy_mbatch *b, double d)
{
    unsigned char c[9];
    c[0] = 'g'; /* TYPE_BINARY_FLOAT, little-endian */
    memcpy(c + 1, &d, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    for (int k = 0; k < 4; k++) {
        unsigned char t = c[1 + k];
        c[1 + k] = c[8 - k];
        c[8 - k] = t;
    }
#endif
    return rput(b, c, 9);
}

/* What json.loads() gives for the library's text of v with `dec` decimals (printf "%.*f"): the
 * double nearest that decimal number, or with no decimals the integer (text without a point). */
static int rput_float_as_printed(ntcpy_mbatch *b, double v, unsigned dec)
{
    static const double p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    if (dec < sizeof(p10) / sizeof(p10[0]) && v >= 0 && !signbit(v)) {
        /* As the library's formatter: when v * 10^dec is well inside 2^40 and not near a half,
         * the printed digits are the nearest integer n, and n / 10^dec (both exact doubles,
         * one correctly rounded division) is the double nearest n * 10^-dec, as strtod gives. */
        double t = v * p10[dec], r = nearbyint(t);
        if (t < 1099511627776.0 && fabs(t - r) < 0.49)
            return dec ? rput_double(b, r / p10[dec]) : rput_uint(b, (uint64_t)r);
    }
    /* Otherwise the printed text itself, read as json.loads reads it. */
    char tmp[400];
    snprintf(tmp, sizeof(tmp), "%.*f", (int)dec, v);
    return marshal_append(tmp, strlen(tmp), &b->out, 1);
}

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 when invalid: the rules of the
 * library's JSON writer (no overlong forms, surrogates, or code points above U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
#define CONT(x) (((x) & 0xC0) == 0x80)
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && CONT(p[1]) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || !CONT(p[1]) || !CONT(p[2]) || (c == 0xE0 && p[1] < 0xA0) ||
            (c == 0xED && p[1] > 0x9F))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || !CONT(p[1]) || !CONT(p[2]) || !CONT(p[3]) || (c == 0xF0 && p[1] < 0x90) ||
            (c == 0xF4 && p[1] > 0x8F))
            return 0;
        return 4;
    }
#undef CONT
    return 0;
}

/* Text from a record as json.loads() returns it from the library's JSON: bytes outside valid
 * UTF-8 sequences become U+FFFD. */
static int rput_text(ntcpy_mbatch *b, const char *s)
{
    size_t n = strlen(s);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    int ascii = 1;
    for (; i < n; i++)
        if (p[i] >= 0x80) {
            ascii = 0;
            break;
        }
    if (ascii) {
        if (n < 256) {
            unsigned char h[2] = {'z', (unsigned char)n};
            return rput(b, h, 2) || rput(b, s, n);
        }
        return rput_tag_i32(b, 'a', (uint32_t)n) || rput(b, s, n);
    }
    if (rput_tag_i32(b, 'u', 0))
        return -1;
    size_t len_at = b->out.len - 4, data_at = b->out.len;
    size_t run = 0;
    for (i = 0; i < n;) {
        size_t l = utf8_seq(p + i, n - i);
        if (l) {
            i += l;
            run += l;
            continue;
        }
        if ((run && rput(b, p + i - run, run)) || rput(b, "\xef\xbf\xbd", 3))
            return -1;
        run = 0;
        i++;
    }
    if (run && rput(b, p + n - run, run))
        return -1;
    uint32_t u = (uint32_t)(b->out.len - data_at);
    unsigned char c[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 24)};
    memcpy(b->out.p + len_at, c, 4);
    return 0;
}

void ntcpy_mbatch_init(ntcpy_mbatch *b)
{
    memset(b, 0, sizeof(*b));
}

void ntcpy_mbatch_free(ntcpy_mbatch *b)
{
    ntcb_buf_free(&b->out);
    memset(b, 0, sizeof(*b));
}

void ntcpy_mbatch_clear(ntcpy_mbatch *b)
{
    ntcb_buf_clear(&b->out);
    b->count = 0;
    b->nrefs = 0;
    b->oom = 0;
    memset(b->key_ref, 0, sizeof(b->key_ref));
}

/* A field's name: an interned string with a reference the first time in the batch, then the
 * reference. */
static int rput_key(ntcpy_mbatch *b, int kind, size_t i, const char *name)
{
    uint32_t *ref = &b->key_ref[kind][i];
    if (*ref)
        return rput_tag_i32(b, 'r', *ref - 1);
    size_t n = strlen(name);
    if (n >= 256)
        return -1;
    unsigned char h[2] = {'Z' | FLAG_REF, (unsigned char)n};
    *ref = ++b->nrefs;
    return rput(b, h, 2) || rput(b, name, n);
}

static int put_record(ntcpy_mbatch *b, const ntc_record *r)
{
    int kind = ntc_record_get_kind(r);
    if (kind <= 0 || kind >= NTCPY_KINDS)
        return -1;
    size_t nf = ntc_field_count(kind);
    if (nf > NTCPY_FIELDS_MAX)
        nf = NTCPY_FIELDS_MAX;
    if (rput(b, "{", 1))
        return -1;
    for (size_t i = 0; i < nf; i++) {
        if (!ntc_record_has(r, i))
            continue;
        const ntc_field *f = ntc_field_at(kind, i);
        if (rput_key(b, kind, i, f->name))
            return -1;
        int rc = 0;
        switch (f->type) {
        case NTC_FIELD_UINT:
        case NTC_FIELD_TIME: {
            uint64_t v = 0;
            ntc_record_get_uint(r, i, &v);
            rc = rput_uint(b, v);
            break;
        }
        case NTC_FIELD_FLOAT: {
            double v = 0;
            ntc_record_get_double(r, i, &v);
            rc = rput_float_as_printed(b, v, f->decimals);
            break;
        }
        case NTC_FIELD_JSON: {
            const char *t = ntc_record_get_string(r, i);
            rc = marshal_append(t, strlen(t), &b->out, 1);
            break;
        }
        default:
            rc = rput_text(b, ntc_record_get_string(r, i));
            break;
        }
        if (rc)
            return -1;
    }
    return rput(b, "0", 1); /* TYPE_NULL ends a dict */
}

int ntcpy_mbatch_add(ntcpy_mbatch *b, const ntc_record *r)
{
    if (b->oom)
        return -1;
    size_t mark = b->out.len;
    if (b->count == 0 && (rput(b, "[", 1) || rput_i32(b, 0)))
        goto fail;
    if (put_record(b, r))
        goto fail;
    b->count++;
    /* The list's length, kept current. */
    uint32_t u = (uint32_t)b->count;
    unsigned char c[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 24)};
    memcpy(b->out.p + 1, c, 4);
    return 0;
fail:
    b->out.len = mark;
    b->oom = 1;
    return -1;
}

const char *ntcpy_mbatch_data(ntcpy_mbatch *b, size_t *len)
{
    static const char empty[] = {'[', 0, 0, 0, 0};
    if (b->count == 0) {
        *len = sizeof(empty);
        return empty;
    }
    *len = b->out.len;
    return b->out.p;
}
