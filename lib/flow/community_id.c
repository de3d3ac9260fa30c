/* Community ID v1 (the flow hash shared by Zeek, Suricata, Wireshark ...): base64 of the SHA-1 of
 * seed, addresses, protocol and ports, the endpoints put in a fixed order so that both directions
 * give the same value. ICMP uses type and code as ports, a request and its reply mapping to the
 * same value. SHA-1 and base64 come from nettle. */
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <string.h>

#include "flow/analytics.h"
#include "flow/flow.h"

/* The reply type of an ICMP request (and the reverse); -1 when the type has none (one-way). */
static int icmp_counterpart(int v6, int type)
{
    static const int v4[][2] = {{8, 0}, {13, 14}, {15, 16}, {10, 9}, {17, 18}};
    static const int v6t[][2] = {{128, 129}, {133, 134}, {135, 136}, {130, 131}, {139, 140},
                                 {144, 145}};
    const int(*m)[2] = v6 ? v6t : v4;
    size_t n = v6 ? sizeof(v6t) / sizeof(v6t[0]) : sizeof(v4) / sizeof(v4[0]);
    for (size_t i = 0; i < n; i++) {
        if (m[i][0] == type)
            return m[i][1];
        if (m[i][1] == type)
            return m[i][0];
    }
    return -1;
}

void ntc__community_id(const struct ntc_flow *f, char *out, size_t outlen)
{
    if (outlen)
        out[0] = 0;
    if (!f->ana || outlen < 31)
        return;
    const ntc__flow_ana *a = f->ana;
    const ntc__flow_key *k = &f->key;
    size_t alen = k->ip_version == 4 ? 4 : 16;
    const uint8_t *src = k->a, *dst = k->b;
    uint16_t sp = k->pa, dp = k->pb;
    int ports = k->proto == 6 || k->proto == 17 || k->proto == 132;
    int one_way = 0;
    if (k->proto == 1 || k->proto == 58) {
        ports = 1;
        if (a->icmp_dir == 1) {
            src = k->b;
            dst = k->a;
        }
        int peer = icmp_counterpart(k->proto == 58, a->icmp_type);
        sp = a->icmp_type;
        if (peer >= 0) {
            dp = (uint16_t)peer;
        } else {
            dp = a->icmp_code;
            one_way = 1;
        }
    }
    if (!one_way) {
        int c = memcmp(src, dst, alen);
        if (c > 0 || (c == 0 && ports && sp > dp)) {
            const uint8_t *t = src;
            src = dst;
            dst = t;
            uint16_t tp = sp;
            sp = dp;
            dp = tp;
        }
    }
    uint8_t buf[2 + 32 + 2 + 4];
    size_t n = 0;
    buf[n++] = (uint8_t)(a->cid_seed >> 8);
    buf[n++] = (uint8_t)a->cid_seed;
    memcpy(buf + n, src, alen);
    n += alen;
    memcpy(buf + n, dst, alen);
    n += alen;
    buf[n++] = k->proto;
    buf[n++] = 0;
    if (ports) {
        buf[n++] = (uint8_t)(sp >> 8);
        buf[n++] = (uint8_t)sp;
        buf[n++] = (uint8_t)(dp >> 8);
        buf[n++] = (uint8_t)dp;
    }
    struct sha1_ctx ctx;
    uint8_t digest[SHA1_DIGEST_SIZE];
    sha1_init(&ctx);
    sha1_update(&ctx, n, buf);
    sha1_digest(&ctx, sizeof(digest), digest);
    out[0] = '1';
    out[1] = ':';
    base64_encode_raw(out + 2, sizeof(digest), digest); /* 28 characters, padded */
    out[2 + BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = 0;
}
