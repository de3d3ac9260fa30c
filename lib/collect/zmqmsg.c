/* ntopng-style ZMQ message parsing: headers, JSON and TLV payloads, zlib (zmqmsg.h). */
#include "collect/zmqmsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <zlib.h>

#include "collect/record.h"
#include "export/elements.h"
#include "util/util.h"

#define JSON_DEPTH 8

typedef struct zsrc {
    struct zsrc *hnext;
    uint32_t id;
    uint32_t last_msg;
} zsrc;

struct ntc__zmqp {
    ntc_iface_stats *st;
    uint32_t max_sources, nsources;
    uint64_t seed;
    zsrc **b;
    uint32_t mask;
    size_t max_message;
    uint8_t *inflated;       /* max_message bytes, allocated on the first compressed message */
    ntc__recb rb;
};

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Fields ntopng does not convert: the struct's x86-64 (little-endian) layout. */
static inline uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

ntc__zmqp *ntc__zmqp_new(uint32_t max_sources, size_t max_message, uint64_t seed,
                         ntc_iface_stats *st)
{
    ntc__zmqp *z = calloc(1, sizeof(*z));
    if (!z)
        return NULL;
    z->st = st;
    z->max_sources = max_sources ? max_sources : 1;
    z->max_message = max_message;
    z->seed = seed;
    uint32_t n = ntc__pow2_ceil(z->max_sources);
    if (!(z->b = calloc(n, sizeof(*z->b)))) {
        free(z);
        return NULL;
    }
    z->mask = n - 1;
    return z;
}

void ntc__zmqp_free(ntc__zmqp *z)
{
    if (!z)
        return;
    for (uint32_t i = 0; i <= z->mask; i++) {
        zsrc *s = z->b[i];
        while (s) {
            zsrc *nx = s->hnext;
            free(s);
            s = nx;
        }
    }
    free(z->b);
    free(z->inflated);
    free(z);
}

/* msg_id accounting per source id: a gap counts as lost messages, a lower id is a restart. */
static void track_msg(ntc__zmqp *z, uint32_t source, uint32_t msg_id)
{
    uint64_t w = source;
    uint32_t h = (uint32_t)ntc__hash_words(&w, 1, z->seed);
    zsrc *s;
    for (s = z->b[h & z->mask]; s; s = s->hnext)
        if (s->id == source)
            break;
    if (!s) {
        if (z->nsources >= z->max_sources || !(s = calloc(1, sizeof(*s)))) {
            z->st->collect_refused++;
            return;
        }
        s->id = source;
        s->last_msg = msg_id;
        s->hnext = z->b[h & z->mask];
        z->b[h & z->mask] = s;
        z->nsources++;
        return;
    }
    uint32_t d = msg_id - s->last_msg;
    if (d != 0 && d < 0x80000000u)
        z->st->collect_lost += d - 1;
    s->last_msg = msg_id;
}

/* ---- keys ---- */

/* Element of a key: "8", "35632.118", or a name. 0 when unknown. */
static uint32_t key_element(const char *k, size_t n)
{
    if (n == 0 || n > 64)
        return 0;
    if (k[0] >= '0' && k[0] <= '9') {
        uint64_t a = 0, b = 0;
        size_t i = 0;
        int dot = 0;
        for (; i < n; i++) {
            if (k[i] == '.' && !dot) {
                dot = 1;
                continue;
            }
            if (k[i] < '0' || k[i] > '9')
                return 0;
            uint64_t *v = dot ? &b : &a;
            *v = *v * 10 + (uint64_t)(k[i] - '0');
            if (*v > 0xffffffffu)
                return 0;
        }
        if (dot)
            return ntc__element_normalize((uint32_t)a, (uint32_t)b);
        return ntc__element_normalize(0, (uint32_t)a);
    }
    return ntc__element_by_name(k, n);
}

/* ---- JSON ---- */

static int json_record(ntc__zmqp *z, json_object *o, const char *source, uint64_t now_us,
                       ntc__record_fn fn, void *user)
{
    if (!json_object_is_type(o, json_type_object)) {
        z->st->collect_errors++;
        return 0;
    }
    ntc__recb *b = &z->rb;
    ntc__recb_init(b, 1, 0, 0);
    json_object_object_foreach(o, key, val)
    {
        uint32_t el = key_element(key, strlen(key));
        if (!el || !val)
            continue;
        switch (json_object_get_type(val)) {
        case json_type_string:
            ntc__recb_text(b, el, json_object_get_string(val), (size_t)json_object_get_string_len(val));
            break;
        case json_type_int:
            if (json_object_get_int64(val) < 0)
                b->bad_fields++;
            else
                ntc__recb_num(b, el, json_object_get_uint64(val));
            break;
        case json_type_double: {
            double d = json_object_get_double(val);
            if (d >= 0 && d < 1.8e19 && d == (double)(uint64_t)d)
                ntc__recb_num(b, el, (uint64_t)d);
            else
                b->bad_fields++;
            break;
        }
        default:
            break; /* booleans, arrays, objects: not flow fields */
        }
    }
    if (ntc__recb_finish(b, source, 0, now_us) != 0) {
        z->st->collect_errors++;
        return 0;
    }
    fn(user, &b->rec);
    return 1;
}

static int parse_json(ntc__zmqp *z, const uint8_t *p, size_t n, const char *source,
                      uint64_t now_us, ntc__record_fn fn, void *user)
{
    /* Trailing NULs and white space (some senders add them) are allowed. */
    while (n > 0 && (p[n - 1] == 0 || p[n - 1] == ' ' || p[n - 1] == '\n' || p[n - 1] == '\r' ||
                     p[n - 1] == '\t'))
        n--;
    if (n == 0 || n > INT32_MAX)
        goto bad;
    json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
    if (!tok)
        goto bad;
    json_object *root = json_tokener_parse_ex(tok, (const char *)p, (int)n);
    int ok = root && json_tokener_get_error(tok) == json_tokener_success &&
             json_tokener_get_parse_end(tok) == n;
    json_tokener_free(tok);
    if (!ok) {
        json_object_put(root);
        goto bad;
    }
    int out = 0;
    if (json_object_is_type(root, json_type_array)) {
        size_t len = json_object_array_length(root);
        for (size_t i = 0; i < len; i++)
            out += json_record(z, json_object_array_get_idx(root, i), source, now_us, fn, user);
    } else if (json_object_is_type(root, json_type_object)) {
        out = json_record(z, root, source, now_us, fn, user);
    } else {
        json_object_put(root);
        goto bad;
    }
    json_object_put(root);
    return out;
bad:
    z->st->collect_errors++;
    return -1;
}

/* ---- TLV (nDPI serializer) ---- */

enum {
    TLV_END_OF_RECORD = 1, TLV_U8 = 2, TLV_U16 = 3, TLV_U32 = 4, TLV_U64 = 5, TLV_I8 = 6,
    TLV_I16 = 7, TLV_I32 = 8, TLV_I64 = 9, TLV_FLOAT = 10, TLV_STRING = 11
};

static int int_width(int t)
{
    switch (t) {
    case TLV_U8: case TLV_I8: return 1;
    case TLV_U16: case TLV_I16: return 2;
    case TLV_U32: case TLV_I32: case TLV_FLOAT: return 4;
    case TLV_U64: case TLV_I64: return 8;
    default: return 0;
    }
}

static int parse_tlv(ntc__zmqp *z, const uint8_t *p, size_t n, const char *source,
                     uint64_t now_us, ntc__record_fn fn, void *user)
{
    if (n < 2 || p[0] != 1 || p[1] != 1)
        goto bad;
    const uint8_t *end = p + n;
    p += 2;
    ntc__recb *b = &z->rb;
    int out = 0, fields = 0;
    ntc__recb_init(b, 1, 0, 0);
    while (p < end) {
        uint8_t type = *p++;
        int kt = type >> 4, vt = type & 0x0f;
        if (type == TLV_END_OF_RECORD) {
            if (fields) {
                if (ntc__recb_finish(b, source, 0, now_us) == 0) {
                    fn(user, &b->rec);
                    out++;
                } else {
                    z->st->collect_errors++;
                }
            }
            ntc__recb_init(b, 1, 0, 0);
            fields = 0;
            continue;
        }
        /* Key. */
        uint32_t el = 0;
        if (kt == TLV_U8 || kt == TLV_U16 || kt == TLV_U32) {
            int w = int_width(kt);
            if (end - p < w)
                goto bad;
            uint32_t id = 0;
            for (int i = 0; i < w; i++)
                id = id << 8 | p[i];
            p += w;
            el = ntc__element_normalize(0, id);
        } else if (kt == TLV_STRING) {
            if (end - p < 2)
                goto bad;
            size_t kl = rd16(p);
            p += 2;
            if ((size_t)(end - p) < kl)
                goto bad;
            el = key_element((const char *)p, kl);
            p += kl;
        } else {
            goto bad;
        }
        /* Value. */
        if (vt == TLV_STRING) {
            if (end - p < 2)
                goto bad;
            size_t vl = rd16(p);
            p += 2;
            if ((size_t)(end - p) < vl)
                goto bad;
            if (el)
                ntc__recb_text(b, el, (const char *)p, vl);
            p += vl;
        } else {
            int w = int_width(vt);
            if (!w || end - p < w)
                goto bad;
            uint64_t v = 0;
            for (int i = 0; i < w; i++)
                v = v << 8 | p[i];
            p += w;
            if (vt >= TLV_I8 && vt <= TLV_I64 && (p[-w] & 0x80)) {
                b->bad_fields++; /* negative */
            } else if (el && vt != TLV_FLOAT) {
                ntc__recb_num(b, el, v);
            }
        }
        fields++;
    }
    if (fields) {
        if (ntc__recb_finish(b, source, 0, now_us) == 0) {
            fn(user, &b->rec);
            out++;
        } else {
            z->st->collect_errors++;
        }
    }
    return out;
bad:
    z->st->collect_errors++;
    return -1;
}

int ntc__zmqp_payload(ntc__zmqp *z, int tlv, const uint8_t *p, size_t n, const char *source,
                      uint64_t now_us, ntc__record_fn fn, void *user)
{
    return tlv ? parse_tlv(z, p, n, source, now_us, fn, user)
               : parse_json(z, p, n, source, now_us, fn, user);
}

/* Inflate a zlib stream into z->inflated (at most max_message bytes). Length, or -1. */
static long inflate_payload(ntc__zmqp *z, const uint8_t *p, size_t n)
{
    if (!z->inflated && !(z->inflated = malloc(z->max_message)))
        return -1;
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (inflateInit(&s) != Z_OK)
        return -1;
    s.next_in = (Bytef *)(uintptr_t)p;
    s.avail_in = (uInt)n;
    s.next_out = z->inflated;
    s.avail_out = (uInt)z->max_message;
    int rc = inflate(&s, Z_FINISH);
    long out = rc == Z_STREAM_END ? (long)s.total_out : -1;
    inflateEnd(&s);
    return out;
}

int ntc__zmqp_message(ntc__zmqp *z, const uint8_t *hdr, size_t hlen, const uint8_t *payload,
                      size_t plen, const char *endpoint, uint64_t now_us, ntc__record_fn fn,
                      void *user)
{
    uint8_t version, flags = 0;
    uint32_t msg_id = 0, source = 0;
    int have_id = 1;
    switch (hlen) {
    case NTC__ZMQ_HDR_V0:
        version = 0;
        have_id = 0;
        break;
    case NTC__ZMQ_HDR_V1:
        version = hdr[16];
        source = hdr[17];
        msg_id = rd32(hdr + 20);
        break;
    case NTC__ZMQ_HDR_V2:
        version = hdr[16];
        msg_id = rd32(hdr + 20);
        source = rd32le(hdr + 24);
        break;
    case NTC__ZMQ_HDR_V3:
        version = hdr[16];
        flags = hdr[17];
        msg_id = rd32(hdr + 28);
        source = rd32le(hdr + 32);
        break;
    default:
        goto bad;
    }
    if (version > 4 || plen > z->max_message)
        goto bad;
    z->st->collect_messages++;
    if (have_id)
        track_msg(z, source, msg_id);
    if (hdr[0] != 'f')
        return 0; /* not the flow topic */
    int tlv, zlib;
    if (hlen == NTC__ZMQ_HDR_V3) {
        tlv = (flags & NTC__ZMQ_FLAG_TLV) != 0;
        zlib = (flags & NTC__ZMQ_FLAG_ZLIB) != 0;
    } else {
        tlv = version == 3;
        zlib = plen > 0 && payload[0] == 0;
        if (zlib) {
            payload++;
            plen--;
        }
    }
    if (zlib) {
        long l = inflate_payload(z, payload, plen);
        if (l < 0)
            goto bad;
        payload = z->inflated;
        plen = (size_t)l;
    }
    char src[160];
    snprintf(src, sizeof(src), "zmq:%s/%u", endpoint ? endpoint : "", source);
    return ntc__zmqp_payload(z, tlv, payload, plen, src, now_us, fn, user);
bad:
    z->st->collect_errors++;
    return -1;
}
