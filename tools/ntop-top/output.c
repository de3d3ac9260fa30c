/* ntop-top batch output: text frames (as on screen, every row) and JSON frames (one object per
 * line, the same fields with raw numbers). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "top.h"

static void sources_text(const frame_src *src, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < src->nifaces && k < len; i++)
        k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? "," : "", src->ifaces[i]);
    for (int i = 0; i < src->nfiles && k < len; i++) {
        const char *f = strrchr(src->files[i], '/');
        k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? "," : "", f ? f + 1 : src->files[i]);
    }
}

void header_lines(model *m, const frame_src *src, char lines[3][256], int paused, int done)
{
    char s[128], t[32], up[32], r2[24], r10[24], r40[24], bps[24], pk[24], by[24];
    sources_text(src, s, sizeof(s));
    fmt_time(ntc_snapshot_time(m->snap), t, sizeof(t));
    fmt_duration((double)m->st.uptime_us / 1e6, up, sizeof(up));
    fmt_bps(m->rate2, r2, sizeof(r2));
    fmt_bps(m->rate10, r10, sizeof(r10));
    fmt_bps(m->rate40, r40, sizeof(r40));
    fmt_bps(m->st.bps, bps, sizeof(bps));
    fmt_bps(m->st.peak_bps, pk, sizeof(pk));
    fmt_bytes(m->st.bytes, by, sizeof(by));
    snprintf(lines[0], 256, "ntop-top  %s %s  %s UTC  up %s%s%s", src->nifaces ? "live" : "replay", s, t,
             up, paused ? "  [PAUSED]" : "", done ? "  [end of input]" : "");
    snprintf(lines[1], 256, "rate 2s %s  10s %s  40s %s  |  now %s %.0f pps  peak %s %.0f pps", r2, r10,
             r40, bps, m->st.pps, pk, m->st.peak_pps);
    snprintf(lines[2], 256,
             "packets %" PRIu64 " (%s)  drops %" PRIu64 "  flows %" PRIu64 " (total %" PRIu64
             ")  hosts %" PRIu64 " (local %" PRIu64 ")",
             m->st.packets, by, m->st.kernel_dropped + m->st.ifdrops, m->st.flows_active,
             m->st.flows_total, m->st.hosts_active, m->st.hosts_local);
}

int print_text_frame(FILE *out, model *m, const frame_src *src, unsigned frame_no)
{
    char h[3][256], a[24], b[24], c[24], d[24];
    header_lines(m, src, h, 0, 0);
    fprintf(out, "--- frame %u\n%s\n%s\n%s\n\n", frame_no, h[0], h[1], h[2]);
    fprintf(out, "FLOWS (%zu)\n%-20s %-5s %-32s %-32s %8s %11s %10s  %s\n", m->nvis[VIEW_FLOWS],
            "Application", "Proto", "Client", "Server", "Duration", "Thpt", "Bytes", "Info");
    for (size_t i = 0; i < m->nvis[VIEW_FLOWS]; i++) {
        const flow_row *r = &m->flows[m->vis[VIEW_FLOWS][i]];
        fmt_duration(r->duration, a, sizeof(a));
        fmt_bps(r->thpt, b, sizeof(b));
        fmt_bytes(r->bytes, c, sizeof(c));
        fprintf(out, "%-20s %-5s %-32s %-32s %8s %11s %10s  %s\n", r->app, r->proto, r->cli, r->srv, a,
                b, c, r->info);
    }
    fprintf(out, "\nHOSTS (%zu)\n%-40s %-3s %11s %11s %10s %10s %5s\n", m->nvis[VIEW_HOSTS], "Host", "Loc",
            "Sent/s", "Rcvd/s", "Sent", "Rcvd", "Flows");
    for (size_t i = 0; i < m->nvis[VIEW_HOSTS]; i++) {
        const host_row *r = &m->hosts[m->vis[VIEW_HOSTS][i]];
        fmt_bps(r->sent_bps, a, sizeof(a));
        fmt_bps(r->rcvd_bps, b, sizeof(b));
        fmt_bytes(r->hi.bytes_sent, c, sizeof(c));
        fmt_bytes(r->hi.bytes_rcvd, d, sizeof(d));
        fprintf(out, "%-40s %-3s %11s %11s %10s %10s %5u\n", r->shown, r->hi.is_local ? "L" : "R", a, b, c,
                d, r->flows);
    }
    fprintf(out, "\nAPPLICATIONS (%zu)\n%-24s %-20s %-14s %6s %11s %10s %7s\n", m->nvis[VIEW_APPS],
            "Application", "Category", "Breed", "Flows", "Thpt", "Bytes", "%");
    for (size_t i = 0; i < m->nvis[VIEW_APPS]; i++) {
        const app_row *r = &m->apps[m->vis[VIEW_APPS][i]];
        fmt_bps(r->thpt, a, sizeof(a));
        fmt_bytes(r->bytes, b, sizeof(b));
        fprintf(out, "%-24s %-20s %-14s %6" PRIu64 " %11s %10s %6.2f%%\n", r->name, r->category, r->breed,
                r->flows, a, b, r->percent);
    }
    fputc('\n', out);
    return ferror(out) ? -1 : 0;
}

/* A JSON string that stays valid UTF-8 whatever the traffic put in it (the library's escaper). */
static void jstr(FILE *out, const char *s)
{
    char small[512];
    int n = ntc_json_string(s ? s : "", small, sizeof(small));
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        fputs(small, out);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big && ntc_json_string(s, big, (size_t)n + 1) == n)
        fputs(big, out);
    else
        fputs("\"\"", out);
    free(big);
}

static void jkv_str(FILE *out, const char *k, const char *v)
{
    fprintf(out, ",\"%s\":", k);
    jstr(out, v);
}

int print_json_frame(FILE *out, model *m, const frame_src *src, unsigned frame_no)
{
    const ntc_iface_stats *st = &m->st;
    fprintf(out, "{\"FRAME\":%u,\"TIME\":%.6f", frame_no, (double)ntc_snapshot_time(m->snap) / 1e6);
    fprintf(out, ",\"SOURCES\":[");
    for (int i = 0; i < src->nifaces; i++)
        fprintf(out, "%s", i ? "," : ""), jstr(out, src->ifaces[i]);
    for (int i = 0; i < src->nfiles; i++)
        fprintf(out, "%s", i || src->nifaces ? "," : ""), jstr(out, src->files[i]);
    fprintf(out,
            "],\"LIVE\":%s,\"PACKETS\":%" PRIu64 ",\"BYTES\":%" PRIu64 ",\"DROPS\":%" PRIu64
            ",\"UPTIME_S\":%.3f,\"BPS\":%.1f,\"PPS\":%.1f,\"PEAK_BPS\":%.1f,\"PEAK_PPS\":%.1f"
            ",\"RATE_2S_BPS\":%.1f,\"RATE_10S_BPS\":%.1f,\"RATE_40S_BPS\":%.1f"
            ",\"FLOWS_ACTIVE\":%" PRIu64 ",\"FLOWS_TOTAL\":%" PRIu64 ",\"HOSTS_ACTIVE\":%" PRIu64
            ",\"HOSTS_LOCAL\":%" PRIu64,
            src->nifaces ? "true" : "false", st->packets, st->bytes, st->kernel_dropped + st->ifdrops,
            (double)st->uptime_us / 1e6, st->bps, st->pps, st->peak_bps, st->peak_pps, m->rate2, m->rate10,
            m->rate40, st->flows_active, st->flows_total, st->hosts_active, st->hosts_local);

    fprintf(out, ",\"FLOWS\":[");
    for (size_t i = 0; i < m->nvis[VIEW_FLOWS]; i++) {
        const flow_row *r = &m->flows[m->vis[VIEW_FLOWS][i]];
        const ntc_flow_info *fi = &r->fi;
        int v6 = fi->ip_version == 6;
        fprintf(out, "%s{\"ID\":%" PRIu64, i ? "," : "", fi->id);
        jkv_str(out, "L7_PROTO_NAME", r->app);
        jkv_str(out, "L7_DETECTION", ntc_l7_how_name(r->how));
        jkv_str(out, "PROTOCOL_NAME", r->proto);
        fprintf(out, ",\"PROTOCOL\":%u", fi->l4_proto);
        jkv_str(out, v6 ? "IPV6_SRC_ADDR" : "IPV4_SRC_ADDR", r->cli_addr);
        fprintf(out, ",\"L4_SRC_PORT\":%u", fi->cli_port);
        jkv_str(out, v6 ? "IPV6_DST_ADDR" : "IPV4_DST_ADDR", r->srv_addr);
        fprintf(out, ",\"L4_DST_PORT\":%u,\"SRC_VLAN\":%u", fi->srv_port, fi->vlan);
        jkv_str(out, "CLIENT", r->cli);
        jkv_str(out, "SERVER", r->srv);
        fprintf(out,
                ",\"IN_PKTS\":%" PRIu64 ",\"IN_BYTES\":%" PRIu64 ",\"OUT_PKTS\":%" PRIu64
                ",\"OUT_BYTES\":%" PRIu64 ",\"BYTES\":%" PRIu64 ",\"FIRST_SWITCHED\":%.6f"
                ",\"LAST_SWITCHED\":%.6f,\"DURATION_S\":%.3f,\"THROUGHPUT_BPS\":%.1f"
                ",\"CLIENT_BYTES_PERCENT\":%.2f",
                fi->cli2srv_packets, fi->cli2srv_bytes, fi->srv2cli_packets, fi->srv2cli_bytes, r->bytes,
                (double)fi->first_us / 1e6, (double)fi->last_us / 1e6, r->duration, r->thpt,
                r->bytes ? 100.0 * (double)fi->cli2srv_bytes / (double)r->bytes : 0.0);
        jkv_str(out, "INFO", r->info);
        fputc('}', out);
    }
    fprintf(out, "],\"HOSTS\":[");
    for (size_t i = 0; i < m->nvis[VIEW_HOSTS]; i++) {
        const host_row *r = &m->hosts[m->vis[VIEW_HOSTS][i]];
        fprintf(out, "%s{\"IP_ADDR\":", i ? "," : "");
        jstr(out, r->addr);
        fprintf(out, ",\"VLAN\":%u", r->hi.vlan);
        if (r->name)
            jkv_str(out, "NAME", r->name);
        fprintf(out,
                ",\"IS_LOCAL\":%u,\"PKTS_SENT\":%" PRIu64 ",\"BYTES_SENT\":%" PRIu64
                ",\"PKTS_RCVD\":%" PRIu64 ",\"BYTES_RCVD\":%" PRIu64
                ",\"SENT_BPS\":%.1f,\"RCVD_BPS\":%.1f,\"ACTIVE_FLOWS\":%u}",
                r->hi.is_local, r->hi.packets_sent, r->hi.bytes_sent, r->hi.packets_rcvd, r->hi.bytes_rcvd,
                r->sent_bps, r->rcvd_bps, r->flows);
    }
    fprintf(out, "],\"APPS\":[");
    for (size_t i = 0; i < m->nvis[VIEW_APPS]; i++) {
        const app_row *r = &m->apps[m->vis[VIEW_APPS][i]];
        fprintf(out, "%s{\"L7_PROTO\":%u", i ? "," : "", r->id);
        jkv_str(out, "L7_PROTO_NAME", r->name);
        jkv_str(out, "L7_PROTO_CATEGORY", r->category);
        jkv_str(out, "L7_PROTO_BREED", r->breed);
        fprintf(out,
                ",\"FLOWS\":%" PRIu64 ",\"PKTS\":%" PRIu64 ",\"BYTES\":%" PRIu64
                ",\"THROUGHPUT_BPS\":%.1f,\"BYTES_PERCENT\":%.2f}",
                r->flows, r->packets, r->bytes, r->thpt, r->percent);
    }
    fprintf(out, "]}\n");
    return ferror(out) ? -1 : 0;
}
