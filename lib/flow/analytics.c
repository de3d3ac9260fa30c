/* Per-flow analytics: see analytics.h and the ntc_flow_analytics documentation in flow.h.
 *
 * The TCP sequence analysis reproduces the decisions of Wireshark's expert analysis (which the
 * tests compare with tshark) with a fixed amount of state per direction: the highest sequence
 * number seen and when, the last ACK and window sent, and a duplicate-ACK count. It keeps no list of
 * unacknowledged segments, which Wireshark uses only for round-trip and bytes-in-flight figures. */
#include <math.h>
#include <string.h>

#include "flow/analytics.h"
#include "flow/flow.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

/* Sequence-number comparisons modulo 2^32. */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_LE(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)

/* Zeek's TCP endpoint states. */
enum { Z_INACTIVE, Z_SYN_SENT, Z_SYN_ACK_SENT, Z_PARTIAL, Z_ESTABLISHED, Z_CLOSED, Z_RESET };

/* Zeek history bits (one letter each per endpoint, first time only). */
enum {
    H_SYN = 1, H_FIN = 2, H_RST = 4, H_FIN_RST = 8, H_DATA = 16, H_ACK = 32, H_MULTI = 64
};

size_t ntc__ana_size(const ntc__ana_cfg *c)
{
    if (!c->enabled)
        return 0;
    size_t n = sizeof(ntc__flow_ana) + (size_t)c->first_max * sizeof(ntc__pkt_sample);
    return (n + 7) & ~(size_t)7;
}

static void tcp_dir_reset(ntc__tcp_dir *t)
{
    uint8_t z = t->zstate;
    uint16_t hb = t->hist_bits;
    uint32_t hs = t->hist_syn, hf = t->hist_fin, hr = t->hist_rst, hx = t->hist_rexmit;
    memset(t, 0, sizeof(*t));
    t->hist_rexmit = hx;
    t->window = UINT32_MAX; /* unknown: no window update or duplicate ACK on the first segment */
    t->zstate = z;
    t->hist_bits = hb;
    t->hist_syn = hs, t->hist_fin = hf, t->hist_rst = hr;
}

void ntc__ana_tcp_reset(ntc__flow_ana *a)
{
    tcp_dir_reset(&a->seq[0]);
    tcp_dir_reset(&a->seq[1]);
    a->syn_us = a->synack_us = 0;
    a->irtt_us = 0;
}

void ntc__ana_init(ntc__flow_ana *a, const ntc__ana_cfg *c, const ntc__pkt *p, int dir)
{
    memset(a, 0, sizeof(*a) + (size_t)c->first_max * sizeof(ntc__pkt_sample));
    a->first_max = c->first_max;
    a->cid_seed = c->cid_seed;
    a->max_latency_us = c->max_latency_us;
    for (int d = 0; d < 2; d++) {
        a->d[d].len_min = UINT16_MAX;
        a->d[d].iat_min = UINT32_MAX;
    }
    ntc__ana_tcp_reset(a);
    if (p->l4_proto == 1 || p->l4_proto == 58) {
        a->icmp_type = p->icmp_type;
        a->icmp_code = p->icmp_code;
        a->icmp_dir = (uint8_t)dir;
    }
}

/* ---- throughput ---- */

void ntc__ana_settle(ntc__flow_ana *a, uint64_t now)
{
    uint32_t sec = (uint32_t)(now / 1000000u);
    if (sec <= a->tp_sec)
        return;
    for (int d = 0; d < 2; d++) {
        if (a->tp_bytes[d] > a->peak_bytes[d])
            a->peak_bytes[d] = a->tp_bytes[d];
        if (a->tp_pkts[d] > a->peak_pkts[d])
            a->peak_pkts[d] = a->tp_pkts[d];
        /* The rate of the last whole second: the accumulated one if it just ended. */
        a->last_bytes[d] = sec == a->tp_sec + 1 ? a->tp_bytes[d] : 0;
        a->last_pkts[d] = sec == a->tp_sec + 1 ? a->tp_pkts[d] : 0;
        a->tp_bytes[d] = a->tp_pkts[d] = 0;
    }
    a->tp_sec = sec;
}

/* ---- Zeek history ---- */

static void hist_add(ntc__flow_ana *a, int d, char c)
{
    if ((size_t)a->hist_len + 1 < sizeof(a->hist)) {
        a->hist[a->hist_len++] = d == 0 ? c : (char)(c - 'A' + 'a');
        a->hist[a->hist_len] = 0;
    }
}

/* Add the letter the first time the bit is seen; returns 1 if it had been seen before. */
static int hist_check(ntc__flow_ana *a, int d, uint16_t bit, char c)
{
    if (a->seq[d].hist_bits & bit)
        return 1;
    a->seq[d].hist_bits |= bit;
    hist_add(a, d, c);
    return 0;
}

/* Letters repeated on a log scale: at the 1st, 10th, 100th ... occurrence. */
static void hist_scaled(ntc__flow_ana *a, int d, uint32_t count, char c)
{
    for (uint32_t t = 1; t <= count && t <= 1000000000u; t *= 10) {
        if (count == t) {
            hist_add(a, d, c);
            return;
        }
    }
}

static void zeek_history(ntc__flow_ana *a, int d, uint8_t fl, uint32_t seq, uint32_t len)
{
    ntc__tcp_dir *t = &a->seq[d];
    int bits = !!(fl & TH_SYN) + !!(fl & TH_FIN) + !!(fl & TH_RST);
    if (bits > 1) {
        if ((fl & TH_FIN) && (fl & TH_RST))
            hist_check(a, d, H_FIN_RST, 'I');
        else
            hist_check(a, d, H_MULTI, 'Q');
    } else if (bits == 1) {
        if (fl & TH_SYN) {
            char c = (fl & TH_ACK) ? 'H' : 'S';
            if (hist_check(a, d, H_SYN, c) && seq != t->hist_syn)
                hist_add(a, d, c);
            t->hist_syn = seq;
        }
        if (fl & TH_FIN) {
            if (hist_check(a, d, H_FIN, 'F') && seq + len != t->hist_fin)
                hist_add(a, d, 'F');
            t->hist_fin = seq + len;
        }
        if (fl & TH_RST) {
            if (hist_check(a, d, H_RST, 'R') && seq != t->hist_rst)
                hist_add(a, d, 'R');
            t->hist_rst = seq;
        }
    } else if (len) {
        hist_check(a, d, H_DATA, 'D');
    } else if (fl & TH_ACK) {
        hist_check(a, d, H_ACK, 'A');
    }
}

/* Zeek's endpoint state machine, reduced to what conn_state needs. */
static void zeek_state(ntc__flow_ana *a, int d, uint8_t fl, uint32_t len)
{
    uint8_t *me = &a->seq[d].zstate, *peer = &a->seq[1 - d].zstate;
    if (fl & TH_RST) {
        *me = Z_RESET;
        return;
    }
    if (*me == Z_RESET)
        return;
    if (fl & TH_SYN) {
        if (*me == Z_INACTIVE || *me == Z_CLOSED)
            *me = (fl & TH_ACK) ? Z_SYN_ACK_SENT : Z_SYN_SENT;
        if ((fl & TH_ACK) && *peer == Z_SYN_SENT)
            *me = Z_SYN_ACK_SENT;
    } else if (*me == Z_INACTIVE) {
        *me = Z_PARTIAL;
    } else if ((fl & TH_ACK) || len) {
        if (*me == Z_SYN_SENT && *peer == Z_SYN_ACK_SENT) {
            *me = *peer = Z_ESTABLISHED;
        } else if (*me == Z_SYN_ACK_SENT && *peer == Z_ESTABLISHED) {
            *me = Z_ESTABLISHED;
        } else if (*me == Z_SYN_SENT && *peer == Z_PARTIAL && len) {
            *me = Z_ESTABLISHED;
        }
    }
    if (fl & TH_FIN)
        *me = Z_CLOSED;
}

int ntc__ana_conn_state(const ntc__flow_ana *a, int proto)
{
    if (proto == 17)
        return (a->udp_seen & 1) ? ((a->udp_seen & 2) ? NTC_CONN_SF : NTC_CONN_S0)
                                 : ((a->udp_seen & 2) ? NTC_CONN_SHR : NTC_CONN_OTH);
    if (proto != 6)
        return NTC_CONN_OTH;
    int os = a->seq[0].zstate, rs = a->seq[1].zstate;
    int o_inactive = os == Z_INACTIVE || os == Z_PARTIAL;
    int r_inactive = rs == Z_INACTIVE || rs == Z_PARTIAL;
    if (rs == Z_RESET) {
        if (os == Z_SYN_SENT || os == Z_SYN_ACK_SENT ||
            (os == Z_RESET && !(a->seq[0].hist_bits & H_DATA) && !(a->seq[1].hist_bits & H_DATA)))
            return NTC_CONN_REJ;
        return o_inactive ? NTC_CONN_RSTRH : NTC_CONN_RSTR;
    }
    if (os == Z_RESET) {
        if (r_inactive)
            return (a->seq[0].hist_bits & H_SYN) && !(a->seq[0].hist_bits & (H_FIN | H_DATA)) &&
                           !(a->seq[1].hist_bits & (H_SYN | H_FIN | H_DATA))
                       ? NTC_CONN_RSTOS0
                       : NTC_CONN_OTH;
        return NTC_CONN_RSTO;
    }
    if (rs == Z_CLOSED && os == Z_CLOSED)
        return NTC_CONN_SF;
    if (os == Z_CLOSED)
        return r_inactive ? NTC_CONN_SH : NTC_CONN_S2;
    if (rs == Z_CLOSED)
        return o_inactive ? NTC_CONN_SHR : NTC_CONN_S3;
    if (os == Z_SYN_SENT && rs == Z_INACTIVE)
        return NTC_CONN_S0;
    if (os == Z_ESTABLISHED && rs == Z_ESTABLISHED)
        return NTC_CONN_S1;
    return NTC_CONN_OTH;
}

/* ---- TCP sequence analysis (Wireshark's expert analysis) ---- */

static unsigned tcp_analyze(ntc__flow_ana *a, const ntc__pkt *p, int d, uint64_t now)
{
    ntc__tcp_dir *fw = &a->seq[d], *rv = &a->seq[1 - d];
    uint32_t seq = p->tcp_seq, ack = p->tcp_ack, win = p->tcp_win;
    uint32_t len = p->payload_len;
    uint8_t fl = p->tcp_flags;
    unsigned ta = 0;

    /* A new SYN with another initial sequence number: the ports were reused by a new
     * connection, whose analysis starts over (Wireshark starts a new TCP stream). */
    if ((fl & (TH_SYN | TH_ACK)) == TH_SYN && fw->has_isn && seq != fw->isn) {
        ntc__ana_tcp_reset(a);
    }
    /* Each direction's base sequence: its first segment (SYN: its own sequence number), or the
     * first ACK from the other side. */
    if (!fw->has_isn) {
        fw->isn = (fl & TH_SYN) ? seq : seq - 1;
        fw->has_isn = 1;
    }
    if (!rv->has_isn && (fl & TH_ACK)) {
        rv->isn = ack - 1;
        rv->has_isn = 1;
    }

    /* Handshake timing. */
    if ((fl & (TH_SYN | TH_ACK)) == TH_SYN) {
        a->syn_us = now;
        a->synack_us = 0;
    } else if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        if (d == 1 && a->syn_us && !a->synack_us && !a->cli_lat_us) {
            a->synack_us = now;
            uint64_t v = now - a->syn_us;
            a->srv_lat_us = v <= a->max_latency_us ? (uint32_t)(v ? v : 1) : 0;
        }
    } else if (fl & TH_ACK) {
        if (a->syn_us && !a->irtt_us) {
            uint64_t v = now - a->syn_us;
            a->irtt_us = v > UINT32_MAX ? UINT32_MAX : (uint32_t)(v ? v : 1);
        }
        if (d == 0 && a->synack_us && !a->cli_lat_us) {
            uint64_t v = now - a->synack_us;
            a->cli_lat_us = v <= a->max_latency_us ? (uint32_t)(v ? v : 1) : 0;
            a->synack_us = 0;
        }
    }

    /* Zero-window probe: one byte at the next sequence while the other side's window is 0. */
    if (len == 1 && fw->has_next && seq == fw->nextseq && rv->window == 0) {
        ta |= NTC__TA_ZWP;
        goto finished_fwd;
    }
    /* Zero window advertised (not on SYN/FIN/RST). */
    if (win == 0 && !(fl & (TH_RST | TH_FIN | TH_SYN)))
        ta |= NTC__TA_ZERO_WIN;
    /* Lost segment: this one starts past the highest sequence seen. */
    if (fw->has_next && SEQ_GT(seq, fw->nextseq) && !(fl & TH_RST))
        ta |= NTC__TA_LOST;
    /* Keep-alive: 0 or 1 byte, one before the next sequence. */
    if (len <= 1 && fw->has_next && seq == fw->nextseq - 1 && !(fl & (TH_SYN | TH_FIN | TH_RST)))
        ta |= NTC__TA_KEEPALIVE;
    /* Keep-alive ACK and zero-window-probe ACK end the checks of this direction. */
    if (len == 0 && seq == fw->nextseq && ack == fw->lastack && win == fw->window &&
        !(fl & (TH_SYN | TH_FIN | TH_RST))) {
        if (win && (rv->lastflags & NTC__TA_KEEPALIVE))
            goto finished_fwd;
        if (win == 0 && (rv->lastflags & NTC__TA_ZWP))
            goto finished_fwd;
        if (win) {
            /* Duplicate ACK. */
            fw->dupacks++;
            ta |= NTC__TA_DUPACK;
        }
    }
finished_fwd:
    if (ack != fw->lastack)
        fw->dupacks = 0;

    /* Retransmission, fast retransmission, out of order: data (or SYN/FIN) that does not
     * advance the sequence. A keep-alive is none of them. */
    if ((len > 0 || (fl & (TH_SYN | TH_FIN))) && !(ta & (NTC__TA_KEEPALIVE | NTC__TA_ZWP))) {
        int not_advanced = fw->has_next && SEQ_LT(seq, fw->nextseq);
        if (len > 1 && fw->nextseq - 1 == seq)
            not_advanced = 0;
        if (len > 0 && rv->lastack && SEQ_LE(seq + len, rv->lastack)) {
            ta |= NTC__TA_RETRANS; /* spurious: data the other side already acknowledged */
        } else if (not_advanced && rv->dupacks >= 2 && rv->lastack == seq &&
                   now - rv->lastack_us < 20000) {
            ta |= NTC__TA_RETRANS; /* fast retransmission */
        } else {
            uint64_t thres = a->irtt_us ? a->irtt_us : 3000;
            uint32_t end = seq + len + ((fl & (TH_SYN | TH_FIN)) ? 1 : 0);
            if (not_advanced && now - fw->nextseq_us < thres && fw->nextseq != end)
                ta |= NTC__TA_OOO;
            else if (not_advanced)
                ta |= NTC__TA_RETRANS;
        }
    }

    /* Remember the highest sequence (a zero-window probe does not move it). */
    uint32_t nextseq = seq + len + ((fl & (TH_SYN | TH_FIN)) ? 1 : 0);
    if ((SEQ_GT(nextseq, fw->nextseq) || !fw->has_next) && !(ta & NTC__TA_ZWP)) {
        fw->nextseq = nextseq;
        fw->has_next = 1;
        fw->nextseq_us = now;
    }
    fw->window = win;
    fw->lastack = ack;
    fw->lastack_us = now;
    fw->lastflags = (uint8_t)(ta & (NTC__TA_KEEPALIVE | NTC__TA_ZWP));

    if (ta & NTC__TA_RETRANS)
        a->retrans[d]++;
    if (ta & NTC__TA_OOO)
        a->ooo[d]++;
    if (ta & NTC__TA_LOST)
        a->lost[d]++;
    if (ta & NTC__TA_ZERO_WIN)
        a->zwin[d]++;
    if (ta & NTC__TA_KEEPALIVE)
        a->keepalive[d]++;
    if (ta & NTC__TA_DUPACK)
        a->dupack[d]++;

    zeek_history(a, d, fl, seq, len);
    if ((ta & NTC__TA_RETRANS) && len > 0)
        hist_scaled(a, d, ++fw->hist_rexmit, 'T');
    if (ta & NTC__TA_ZERO_WIN)
        hist_scaled(a, d, a->zwin[d], 'W');
    if (ta & NTC__TA_LOST)
        hist_scaled(a, d, a->lost[d], 'G');
    zeek_state(a, d, fl, len);
    return ta;
}

/* ---- application latency ---- */

static int is_http_request(const uint8_t *s, uint32_t n)
{
    static const char *const methods[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
                                          "CONNECT ", "PATCH ", "TRACE "};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        size_t l = strlen(methods[i]);
        if (n >= l && memcmp(s, methods[i], l) == 0)
            return 1;
    }
    return 0;
}

static void set_latency(ntc__flow_ana *a, uint64_t v, int kind)
{
    a->appl_lat_us = v <= a->max_latency_us ? (uint32_t)(v ? v : 1) : 0;
    a->appl_kind = (uint8_t)kind;
    a->appl_state = 3;
}

static void appl_latency(ntc__flow_ana *a, const ntc__pkt *p, int d, uint64_t now, unsigned ta)
{
    const uint8_t *s = p->payload;
    uint32_t n = p->payload_caplen;
    if (!s || n == 0 || p->payload_len == 0 || a->appl_state == 3)
        return;
    if (p->l4_proto == 6) {
        if (d == 0) {
            if (a->appl_state == 0 && is_http_request(s, n))
                a->appl_state = 1;
            /* The request lasts until its last new segment (copies of earlier ones do not count). */
            if (a->appl_state == 1 && !(ta & (NTC__TA_RETRANS | NTC__TA_OOO)))
                a->req_us = now;
        } else if (a->appl_state == 1 && n >= 5 && memcmp(s, "HTTP/", 5) == 0) {
            set_latency(a, now - a->req_us, NTC_APPL_LATENCY_HTTP);
        }
    } else if (p->l4_proto == 17 && n >= 12) {
        uint16_t port = d == 0 ? p->dport : p->sport;
        if (port != 53)
            return;
        uint16_t id = (uint16_t)(s[0] << 8 | s[1]);
        int qr = s[2] >> 7;
        if (d == 0 && !qr &&
            (a->appl_state == 0 ||
             (a->appl_state == 2 && id == a->dns_id && now - a->req_us >= 5000000u))) {
            /* The first query. Sent again unanswered within 5 s, it is a retransmission and
             * the latency still counts from the first copy; later, it is a new attempt and
             * counts from there (as Wireshark's dns.time, with its 5 s retransmission timer). */
            a->dns_id = id;
            a->req_us = now;
            a->appl_state = 2;
        } else if (d == 1 && qr && a->appl_state == 2 && id == a->dns_id) {
            set_latency(a, now - a->req_us, NTC_APPL_LATENCY_DNS);
        }
    }
}

static void tls_timing(ntc__flow_ana *a, const ntc__pkt *p, int d, uint64_t now)
{
    const uint8_t *s = p->payload;
    uint32_t n = p->payload_caplen;
    if (!s || n == 0 || a->tls_state == 3)
        return;
    if (d == 0) {
        if (a->tls_state == 0) {
            /* Handshake record (22) carrying a ClientHello (1). */
            if (n >= 6 && s[0] == 22 && s[1] == 3 && s[5] == 1) {
                a->tls_hello_us = now;
                a->tls_state = 1;
            } else {
                a->tls_state = 3; /* not TLS from the start: not measured */
            }
        } else if (a->tls_state == 2 && (s[0] == 20 || s[0] == 23)) {
            uint64_t v = now - a->tls_hello_us;
            a->tls_hs_us = v <= a->max_latency_us ? (uint32_t)(v ? v : 1) : 0;
            a->tls_state = 3;
        }
    } else if (a->tls_state == 1) {
        a->tls_state = 2;
    }
}

/* ---- per packet ---- */

unsigned ntc__ana_packet(ntc__flow_ana *a, const ntc__pkt *p, int d, uint64_t now)
{
    uint32_t len = p->ip_len;
    /* Sizes and inter-arrival times. */
    if (a->d[d].last_us) {
        uint64_t iat = now > a->d[d].last_us ? now - a->d[d].last_us : 0;
        uint32_t i32 = iat > UINT32_MAX ? UINT32_MAX : (uint32_t)iat;
        if (i32 < a->d[d].iat_min)
            a->d[d].iat_min = i32;
        if (i32 > a->d[d].iat_max)
            a->d[d].iat_max = i32;
        a->d[d].iat_sq += (double)iat * (double)iat;
    } else {
        a->d[d].first_us = now;
    }
    if (now > a->d[d].last_us)
        a->d[d].last_us = now;
    uint16_t l16 = len > UINT16_MAX ? UINT16_MAX : (uint16_t)len;
    if (l16 < a->d[d].len_min)
        a->d[d].len_min = l16;
    if (l16 > a->d[d].len_max)
        a->d[d].len_max = l16;
    a->d[d].len_sq += (double)len * (double)len;

    /* The first packets. */
    if (a->first_n < a->first_max) {
        ntc__pkt_sample *s = &a->first[a->first_n++];
        uint64_t iat = a->prev_us && now > a->prev_us ? now - a->prev_us : 0;
        s->iat_us = iat > UINT32_MAX ? UINT32_MAX : (uint32_t)iat;
        s->len = l16;
        s->dir = (uint8_t)d;
    }
    a->prev_us = now;

    /* Throughput. */
    ntc__ana_settle(a, now);
    a->tp_bytes[d] += len;
    a->tp_pkts[d]++;

    if (p->l4_proto == 17)
        a->udp_seen |= (uint8_t)(1u << d);
    if (!p->l4) /* later fragment: no transport header */
        return 0;
    unsigned ta = 0;
    if (p->l4_proto == 6) {
        ta = tcp_analyze(a, p, d, now);
        tls_timing(a, p, d, now);
    }
    appl_latency(a, p, d, now, ta);
    return ta;
}

#define SWAP(x, y)                                                                               \
    do {                                                                                         \
        __typeof__(x) t_ = (x);                                                                  \
        (x) = (y);                                                                               \
        (y) = t_;                                                                                \
    } while (0)

void ntc__ana_swap(ntc__flow_ana *a)
{
    SWAP(a->d[0], a->d[1]);
    SWAP(a->tp_bytes[0], a->tp_bytes[1]);
    SWAP(a->tp_pkts[0], a->tp_pkts[1]);
    SWAP(a->last_bytes[0], a->last_bytes[1]);
    SWAP(a->last_pkts[0], a->last_pkts[1]);
    SWAP(a->peak_bytes[0], a->peak_bytes[1]);
    SWAP(a->peak_pkts[0], a->peak_pkts[1]);
    SWAP(a->seq[0], a->seq[1]);
    SWAP(a->retrans[0], a->retrans[1]);
    SWAP(a->ooo[0], a->ooo[1]);
    SWAP(a->lost[0], a->lost[1]);
    SWAP(a->zwin[0], a->zwin[1]);
    SWAP(a->keepalive[0], a->keepalive[1]);
    SWAP(a->dupack[0], a->dupack[1]);
    a->udp_seen = (uint8_t)(((a->udp_seen & 1) << 1) | ((a->udp_seen >> 1) & 1));
    a->icmp_dir ^= 1;
    for (unsigned i = 0; i < a->first_n; i++)
        a->first[i].dir ^= 1;
    /* History letters change case with their sender, and '^' says it happened. */
    for (unsigned i = 0; i < a->hist_len; i++) {
        char c = a->hist[i];
        if (c >= 'A' && c <= 'Z')
            a->hist[i] = (char)(c - 'A' + 'a');
        else if (c >= 'a' && c <= 'z')
            a->hist[i] = (char)(c - 'a' + 'A');
    }
    if ((size_t)a->hist_len + 1 < sizeof(a->hist)) {
        memmove(a->hist + 1, a->hist, a->hist_len + 1);
        a->hist[0] = '^';
        a->hist_len++;
    }
}
