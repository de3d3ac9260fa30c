/* Public flow accessors. */
#include "flow/flow.h"
#include <math.h>

#include "ntopcore/error.h"

NTC_EXPORT int ntc_flow_get_info(const ntc_flow *f, ntc_flow_info *out)
{
    if (!f || !out || out->size < offsetof(ntc_flow_info, cli2srv_packets))
        return NTC_EINVAL;
    ntc_flow_info i;
    memset(&i, 0, sizeof(i));
    i.size = out->size;
    i.id = f->id;
    i.ip_version = f->key.ip_version;
    i.l4_proto = f->key.proto;
    i.vlan = f->key.vlan;
    memcpy(i.cli_addr, f->key.a, 16);
    memcpy(i.srv_addr, f->key.b, 16);
    i.cli_port = f->key.pa;
    i.srv_port = f->key.pb;
    i.cli2srv_packets = f->pkts[0];
    i.cli2srv_bytes = f->bytes[0];
    i.srv2cli_packets = f->pkts[1];
    i.srv2cli_bytes = f->bytes[1];
    i.first_us = f->first_us;
    i.last_us = f->last_us;
    i.cli_tcp_flags = f->tcp_flags[0];
    i.srv_tcp_flags = f->tcp_flags[1];
    i.tcp_state = f->tcp_state;
    i.tunnel = f->tunnel;
    i.fragments = f->fragments;
    memcpy(out, &i, NTC__MIN(out->size, sizeof(i)));
    return 0;
}

NTC_EXPORT const char *ntc_tcp_state_name(int state)
{
    static const char *names[] = {"NONE", "SYN_SENT", "SYN_RCVD", "ESTABLISHED",
                                  "CLOSING", "CLOSED", "RESET", "MIDSTREAM"};
    return state >= 0 && state < (int)NTC__ARRAY_LEN(names) ? names[state] : "UNKNOWN";
}

NTC_EXPORT const char *ntc_tunnel_name(int tunnel)
{
    static const char *names[] = {"", "IPIP", "GRE", "GTP-U", "VXLAN", "CAPWAP"};
    return tunnel >= 0 && tunnel < (int)NTC__ARRAY_LEN(names) ? names[tunnel] : "?";
}

NTC_EXPORT const char *ntc_flow_end_reason_name(int reason)
{
    switch (reason) {
    case NTC_FLOW_END_IDLE: return "idle";
    case NTC_FLOW_END_ACTIVE: return "active";
    case NTC_FLOW_END_EVICTED: return "evicted";
    case NTC_FLOW_END_FLUSH: return "flush";
    default: return "unknown";
    }
}

NTC_EXPORT const char *ntc_conn_state_name(int s)
{
    static const char *names[] = {"OTH", "S0", "S1", "SF", "REJ", "S2", "S3",
                                  "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR"};
    return s >= 0 && s < (int)NTC__ARRAY_LEN(names) ? names[s] : "OTH";
}

static void dir_stats(const ntc__flow_ana *a, int d, uint64_t pkts, uint64_t bytes,
                      ntc_flow_analytics *o)
{
    if (pkts == 0)
        return;
    double n = (double)pkts;
    o->len_min[d] = a->d[d].len_min;
    o->len_max[d] = a->d[d].len_max;
    o->len_mean[d] = (double)bytes / n;
    double var = a->d[d].len_sq / n - o->len_mean[d] * o->len_mean[d];
    o->len_stddev[d] = var > 0 ? sqrt(var) : 0;
    if (pkts > 1) {
        double m = n - 1; /* intervals */
        o->iat_min_us[d] = a->d[d].iat_min;
        o->iat_max_us[d] = a->d[d].iat_max;
        o->iat_mean_us[d] = (double)(a->d[d].last_us - a->d[d].first_us) / m;
        double v = a->d[d].iat_sq / m - o->iat_mean_us[d] * o->iat_mean_us[d];
        o->iat_stddev_us[d] = v > 0 ? sqrt(v) : 0;
    }
}

NTC_EXPORT int ntc_flow_get_analytics(const ntc_flow *f, ntc_flow_analytics *out)
{
    if (!f || !out || out->size < offsetof(ntc_flow_analytics, retransmissions))
        return NTC_EINVAL;
    ntc_flow_analytics o;
    memset(&o, 0, sizeof(o));
    o.size = out->size;
    const ntc__flow_ana *a = f->ana;
    if (a) {
        o.available = 1;
        o.conn_state = (uint8_t)ntc__ana_conn_state(a, f->key.proto);
        o.appl_latency_kind = a->appl_kind;
        o.first_count = a->first_n;
        for (int d = 0; d < 2; d++) {
            o.retransmissions[d] = a->retrans[d];
            o.out_of_order[d] = a->ooo[d];
            o.lost_segments[d] = a->lost[d];
            o.zero_windows[d] = a->zwin[d];
            o.keepalives[d] = a->keepalive[d];
            o.duplicate_acks[d] = a->dupack[d];
            o.bps[d] = (double)a->last_bytes[d] * 8.0;
            o.pps[d] = (double)a->last_pkts[d];
            /* The second being accumulated may already beat the peak. */
            o.peak_bps[d] = (double)NTC__MAX(a->peak_bytes[d], a->tp_bytes[d]) * 8.0;
            o.peak_pps[d] = (double)NTC__MAX(a->peak_pkts[d], a->tp_pkts[d]);
            dir_stats(a, d, f->pkts[d], f->bytes[d], &o);
        }
        o.server_nw_latency_us = a->srv_lat_us;
        o.client_nw_latency_us = a->cli_lat_us;
        o.appl_latency_us = a->appl_lat_us;
        o.tls_handshake_us = a->tls_hs_us;
        memcpy(o.history, a->hist, sizeof(o.history));
        o.history[sizeof(o.history) - 1] = 0;
        ntc__community_id(f, o.community_id, sizeof(o.community_id));
    }
    memcpy(out, &o, NTC__MIN(out->size, sizeof(o)));
    return 0;
}

NTC_EXPORT size_t ntc_flow_first_packets(const ntc_flow *f, ntc_packet_sample *out, size_t max)
{
    if (!f || !f->ana || !out)
        return 0;
    size_t n = NTC__MIN(max, (size_t)f->ana->first_n);
    for (size_t i = 0; i < n; i++) {
        out[i].iat_us = f->ana->first[i].iat_us;
        out[i].ip_len = f->ana->first[i].len;
        out[i].direction = f->ana->first[i].dir;
        out[i].reserved = 0;
    }
    return n;
}

NTC_EXPORT const char *ntc_flow_state_text(const ntc_flow *f)
{
    if (!f)
        return "";
    if (f->key.proto != 6) {
        if (f->pkts[1] == 0)
            return "no reply from the server";
        if (f->pkts[0] == 0)
            return "only the server sent";
        return "traffic both ways";
    }
    if (f->ana) {
        switch (ntc__ana_conn_state(f->ana, 6)) {
        case NTC_CONN_S0: return "handshake incomplete: no reply from the server";
        case NTC_CONN_S1: return "established";
        case NTC_CONN_SF: return "closed normally";
        case NTC_CONN_REJ:
            return "connection refused: the server reset it (application probably down)";
        case NTC_CONN_S2: return "closing: the client closed, the server did not";
        case NTC_CONN_S3: return "closing: the server closed, the client did not";
        case NTC_CONN_RSTO: return "reset by the client";
        case NTC_CONN_RSTR: return "reset by the server";
        case NTC_CONN_RSTOS0: return "handshake incomplete: the client gave up (reset) before a reply";
        case NTC_CONN_RSTRH: return "reset by the server (client's SYN not seen)";
        case NTC_CONN_SH: return "handshake incomplete: the client sent SYN then FIN, no reply";
        case NTC_CONN_SHR: return "the server answered then closed (client's SYN not seen)";
        default: break;
        }
    }
    switch (f->tcp_state) {
    case NTC_TCP_SYN_SENT: return "handshake incomplete: no reply from the server";
    case NTC_TCP_SYN_RCVD: return "handshake incomplete: the client did not complete it";
    case NTC_TCP_ESTABLISHED: return "established";
    case NTC_TCP_CLOSING: return "closing";
    case NTC_TCP_CLOSED: return "closed normally";
    case NTC_TCP_RESET: return "reset";
    default: return "no handshake seen (capture started mid-connection)";
    }
}
