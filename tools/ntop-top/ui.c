/* ntop-top: the curses screen. Redraws only on a new snapshot or a key; waits in getch() with a
 * timeout (500 ms while the engine runs, 1 s once the input has ended), so it costs nothing idle.
 * Every line is cut to the terminal width (never wraps); erase()+refresh() lets curses send only
 * what changed (no flicker). */
#include <curses.h>
#include <inttypes.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

enum { CP_HEAD = 1, CP_COLS, CP_KEYS, CP_CLI, CP_SRV };

typedef struct ui {
    int view;
    size_t sel[VIEW_COUNT], top[VIEW_COUNT];
    uint64_t sel_key[VIEW_COUNT];
    int detail, help, paused, color;
    int done; /* the input had ended when the shown snapshot was taken */
} ui;

static ui U;

int ui_start(top_app *a)
{
    (void)a;
    setlocale(LC_ALL, "");
    if (!initscr())
        return -1;
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    const char *nc = getenv("NO_COLOR");
    U.color = has_colors() && !(nc && *nc);
    if (U.color) {
        start_color();
        use_default_colors();
        init_pair(CP_HEAD, COLOR_CYAN, -1);
        init_pair(CP_COLS, COLOR_BLACK, COLOR_GREEN);
        init_pair(CP_KEYS, COLOR_BLACK, COLOR_CYAN);
        init_pair(CP_CLI, COLOR_GREEN, -1);
        init_pair(CP_SRV, COLOR_BLUE, -1);
    }
    return 0;
}

void ui_end(top_app *a)
{
    (void)a;
    endwin();
}

static attr_t cp(int pair) { return U.color ? COLOR_PAIR(pair) : 0; }

/* ---- lines ---- */

typedef struct line {
    char buf[1024];
    size_t len, width;
} line;

static void cell(line *l, const char *text, int w, int right)
{
    if (w <= 0 || l->len >= l->width)
        return;
    char tmp[512];
    size_t tl = strlen(text);
    size_t ww = (size_t)w < sizeof(tmp) - 1 ? (size_t)w : sizeof(tmp) - 1;
    if (tl > ww) {
        memcpy(tmp, text, ww);
        if (ww > 1)
            tmp[ww - 1] = right ? tmp[ww - 1] : '~'; /* mark the cut */
        tmp[ww] = 0;
    } else if (right) {
        memset(tmp, ' ', ww - tl);
        memcpy(tmp + ww - tl, text, tl + 1);
    } else {
        memcpy(tmp, text, tl);
        memset(tmp + tl, ' ', ww - tl);
        tmp[ww] = 0;
    }
    int n = snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s ", tmp);
    if (n > 0)
        l->len += (size_t)n;
    if (l->len >= sizeof(l->buf))
        l->len = sizeof(l->buf) - 1;
}

static void put(int y, const char *s, attr_t at)
{
    if (y < 0 || y >= LINES)
        return;
    /* Strings from traffic (metadata, names) must not move the cursor or drive the terminal. */
    char clean[1024];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof(clean); i++)
        clean[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
    clean[i] = 0;
    attron(at);
    mvaddnstr(y, 0, clean, COLS);
    attroff(at);
}

/* Column widths of a view for the terminal width (0: hidden). */
static void widths(int view, int W, int *w)
{
    if (view == VIEW_FLOWS) {
        int wide = W >= 110;
        w[FC_APP] = 18; w[FC_PROTO] = 5; w[FC_DURATION] = wide ? 8 : 0; w[FC_BREAKDOWN] = wide ? 10 : 0;
        w[FC_THPT] = 10; w[FC_BYTES] = 9;
        int fixed = 0, ncols = 2;
        for (int c = 0; c < FC_COUNT; c++)
            if (c != FC_CLIENT && c != FC_SERVER && c != FC_INFO && w[c]) {
                fixed += w[c];
                ncols++;
            }
        int rem = W - fixed - ncols - 1;
        int ep = rem * 3 / 8;
        if (ep > 40) ep = 40;
        if (ep < 14) ep = 14;
        w[FC_CLIENT] = w[FC_SERVER] = ep;
        w[FC_INFO] = rem - 2 * ep;
        if (w[FC_INFO] < 4)
            w[FC_INFO] = 0;
    } else if (view == VIEW_HOSTS) {
        w[HC_LOCAL] = 3; w[HC_SENT_BPS] = w[HC_RCVD_BPS] = 11; w[HC_SENT] = w[HC_RCVD] = 9; w[HC_FLOWS] = 5;
        w[HC_HOST] = W - (3 + 22 + 18 + 5) - 7;
        if (w[HC_HOST] > 60) w[HC_HOST] = 60;
        if (w[HC_HOST] < 12) w[HC_HOST] = 12;
    } else {
        w[AC_CATEGORY] = 16; w[AC_BREED] = 12; w[AC_FLOWS] = 6; w[AC_THPT] = 10; w[AC_BYTES] = 9;
        w[AC_PERCENT] = 7;
        w[AC_APP] = W - (16 + 12 + 6 + 10 + 9 + 7) - 7;
        if (w[AC_APP] > 32) w[AC_APP] = 32;
        if (w[AC_APP] < 10) w[AC_APP] = 10;
    }
}

static int right_aligned(int view, int c)
{
    if (view == VIEW_FLOWS)
        return c == FC_DURATION || c == FC_THPT || c == FC_BYTES;
    if (view == VIEW_HOSTS)
        return c >= HC_SENT_BPS;
    return c >= AC_FLOWS;
}

static void bar(const flow_row *r, char *buf, int w)
{
    int n = w - 2, c = r->bytes ? (int)((double)r->fi.cli2srv_bytes * n / (double)r->bytes + 0.5) : 0;
    buf[0] = '[';
    for (int i = 0; i < n; i++)
        buf[1 + i] = i < c ? '>' : '<';
    buf[w - 1] = ']';
    buf[w] = 0;
}

static void row_text(model *m, int view, size_t idx, const int *w, line *l)
{
    char a[32], b[32], c[32], d[32];
    if (view == VIEW_FLOWS) {
        const flow_row *r = &m->flows[idx];
        fmt_duration(r->duration, a, sizeof(a));
        bar(r, b, w[FC_BREAKDOWN] > 2 && w[FC_BREAKDOWN] < 30 ? w[FC_BREAKDOWN] : 2);
        fmt_bps(r->thpt, c, sizeof(c));
        fmt_bytes(r->bytes, d, sizeof(d));
        const char *t[FC_COUNT] = {r->app, r->proto, r->cli, r->srv, a, b, c, d, r->info};
        for (int k = 0; k < FC_COUNT; k++)
            cell(l, t[k], w[k], right_aligned(view, k));
    } else if (view == VIEW_HOSTS) {
        const host_row *r = &m->hosts[idx];
        char f[16];
        fmt_bps(r->sent_bps, a, sizeof(a));
        fmt_bps(r->rcvd_bps, b, sizeof(b));
        fmt_bytes(r->hi.bytes_sent, c, sizeof(c));
        fmt_bytes(r->hi.bytes_rcvd, d, sizeof(d));
        snprintf(f, sizeof(f), "%u", r->flows);
        const char *t[HC_COUNT] = {r->shown, r->hi.is_local ? "L" : "R", a, b, c, d, f};
        for (int k = 0; k < HC_COUNT; k++)
            cell(l, t[k], w[k], right_aligned(view, k));
    } else {
        const app_row *r = &m->apps[idx];
        char f[24], p[16];
        snprintf(f, sizeof(f), "%" PRIu64, r->flows);
        fmt_bps(r->thpt, a, sizeof(a));
        fmt_bytes(r->bytes, b, sizeof(b));
        snprintf(p, sizeof(p), "%.2f%%", r->percent);
        const char *t[AC_COUNT] = {r->name, r->category, r->breed, f, a, b, p};
        for (int k = 0; k < AC_COUNT; k++)
            cell(l, t[k], w[k], right_aligned(view, k));
    }
}

static uint64_t row_key(model *m, int view, size_t idx)
{
    if (view == VIEW_FLOWS)
        return m->flows[idx].fi.id;
    if (view == VIEW_HOSTS) {
        uint64_t h = 1469598103934665603ull;
        for (int i = 0; i < 16; i++)
            h = (h ^ m->hosts[idx].hi.addr[i]) * 1099511628211ull;
        return h ^ m->hosts[idx].hi.vlan;
    }
    return m->apps[idx].id + 1u;
}

/* Keep the selected row on the same object across updates. */
static void reselect(model *m)
{
    for (int v = 0; v < VIEW_COUNT; v++) {
        if (m->nvis[v] == 0) {
            U.sel[v] = 0;
            continue;
        }
        for (size_t i = 0; i < m->nvis[v]; i++)
            if (row_key(m, v, m->vis[v][i]) == U.sel_key[v]) {
                U.sel[v] = i;
                break;
            }
        if (U.sel[v] >= m->nvis[v])
            U.sel[v] = m->nvis[v] - 1;
    }
}

static void remember_sel(model *m)
{
    for (int v = 0; v < VIEW_COUNT; v++)
        if (U.sel[v] < m->nvis[v])
            U.sel_key[v] = row_key(m, v, m->vis[v][U.sel[v]]);
}

/* ---- detail pane ---- */

typedef struct dlines {
    char l[64][256];
    int n;
} dlines;

static void dl(dlines *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dl(dlines *d, const char *fmt, ...)
{
    if (d->n >= 64)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->l[d->n++], sizeof(d->l[0]), fmt, ap);
    va_end(ap);
}

static void detail_flow(model *m, const flow_row *r, dlines *d)
{
    const ntc_flow_info *fi = &r->fi;
    ntc_flow_l7 l7 = {.size = sizeof(l7)};
    ntc_flow_get_l7(r->flow, &l7);
    const char *cat = ntc_l7_category_name(l7.category), *br = ntc_l7_breed_name(l7.breed);
    char t1[32], t2[32], dur[32], cf[16], sf[16];
    dl(d, "Flow #%" PRIu64 "  %s  (%s)  category %s  breed %s  risk score %u", fi->id, r->app,
       ntc_l7_how_name(l7.how), cat ? cat : "-", br ? br : "-", l7.risk_score);
    dl(d, "Client %s (%s)  ->  Server %s (%s)", r->cli_addr, r->cli, r->srv_addr, r->srv);
    dl(d, "Protocol %s  IPv%u  VLAN %u%s%s", r->proto, fi->ip_version, fi->vlan,
       fi->tunnel ? "  tunnel " : "", ntc_tunnel_name(fi->tunnel));
    fmt_time(fi->first_us, t1, sizeof(t1));
    fmt_time(fi->last_us, t2, sizeof(t2));
    fmt_duration(r->duration, dur, sizeof(dur));
    dl(d, "First seen %s  last seen %s UTC  duration %s", t1, t2, dur);
    dl(d, "Client->Server %" PRIu64 " pkts %" PRIu64 " bytes   Server->Client %" PRIu64 " pkts %" PRIu64 " bytes",
       fi->cli2srv_packets, fi->cli2srv_bytes, fi->srv2cli_packets, fi->srv2cli_bytes);
    if (fi->l4_proto == 6) {
        fmt_tcp_flags(fi->cli_tcp_flags, cf, sizeof(cf));
        fmt_tcp_flags(fi->srv_tcp_flags, sf, sizeof(sf));
        dl(d, "TCP state %s  flags client %s server %s  fragments %u", ntc_tcp_state_name(fi->tcp_state),
           cf, sf, fi->fragments);
    } else if (fi->fragments) {
        dl(d, "fragments %u", fi->fragments);
    }
    ntc_flow_analytics an = {.size = sizeof(an)};
    if (ntc_flow_get_analytics(r->flow, &an) == 0 && an.available) {
        dl(d, "State: %s  (Zeek %s%s%s)  Community ID %s", ntc_flow_state_text(r->flow),
           ntc_conn_state_name(an.conn_state), an.history[0] ? " " : "", an.history,
           an.community_id);
        if (fi->l4_proto == 6)
            dl(d, "TCP health c->s / s->c: retransmitted %u/%u  out of order %u/%u  lost %u/%u  "
                  "zero window %u/%u  keep-alive %u/%u",
               an.retransmissions[0], an.retransmissions[1], an.out_of_order[0], an.out_of_order[1],
               an.lost_segments[0], an.lost_segments[1], an.zero_windows[0], an.zero_windows[1],
               an.keepalives[0], an.keepalives[1]);
        char lat[192];
        int n = 0;
        lat[0] = 0;
        if (an.client_nw_latency_us || an.server_nw_latency_us)
            n += snprintf(lat + n, sizeof(lat) - (size_t)n, "  network: client %.3f ms server %.3f ms",
                          an.client_nw_latency_us / 1000.0, an.server_nw_latency_us / 1000.0);
        if (an.appl_latency_us && n < (int)sizeof(lat))
            n += snprintf(lat + n, sizeof(lat) - (size_t)n, "  application (%s): %.3f ms",
                          an.appl_latency_kind == NTC_APPL_LATENCY_DNS ? "DNS" : "HTTP",
                          an.appl_latency_us / 1000.0);
        if (an.tls_handshake_us && n < (int)sizeof(lat))
            snprintf(lat + n, sizeof(lat) - (size_t)n, "  TLS handshake %.3f ms", an.tls_handshake_us / 1000.0);
        if (lat[0])
            dl(d, "Latency:%s", lat);
        dl(d, "Throughput c->s %.0f bit/s (peak %.0f)  s->c %.0f bit/s (peak %.0f)", an.bps[0],
           an.peak_bps[0], an.bps[1], an.peak_bps[1]);
    }
    for (unsigned k = 0; k < 64; k++)
        if (l7.risk & (1ull << k)) {
            const char *rn = ntc_l7_risk_name(k);
            dl(d, "Risk: %s", rn ? rn : "?");
        }
    for (int k = 0; k < NTC_META_COUNT; k++) {
        const char *v = ntc_flow_meta(r->flow, k), *n = ntc_meta_name(k);
        if (v && n)
            dl(d, "%s: %s", n, v);
    }
    (void)m;
}

static void detail_host(model *m, const host_row *r, dlines *d)
{
    const ntc_host_info *hi = &r->hi;
    char t1[32], t2[32], b1[24], b2[24];
    char mac[24] = "-";
    if (hi->has_mac)
        snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", hi->mac[0], hi->mac[1], hi->mac[2],
                 hi->mac[3], hi->mac[4], hi->mac[5]);
    dl(d, "Host %s%s%s%s  VLAN %u  %s%s  MAC %s", r->addr, r->name ? " (" : "", r->name ? r->name : "",
       r->name ? ")" : "", hi->vlan, hi->is_local ? "local" : "remote", hi->is_system ? " system" : "", mac);
    fmt_time(hi->first_us, t1, sizeof(t1));
    fmt_time(hi->last_us, t2, sizeof(t2));
    dl(d, "First seen %s  last seen %s UTC", t1, t2);
    fmt_bytes(hi->bytes_sent, b1, sizeof(b1));
    fmt_bytes(hi->bytes_rcvd, b2, sizeof(b2));
    dl(d, "Sent %" PRIu64 " pkts %s   Received %" PRIu64 " pkts %s", hi->packets_sent, b1, hi->packets_rcvd, b2);
    dl(d, "Flows as client %u active / %" PRIu64 " total, as server %u active / %" PRIu64 " total",
       hi->active_flows_as_client, hi->total_flows_as_client, hi->active_flows_as_server,
       hi->total_flows_as_server);
    size_t na = ntc_host_app_count(r->host);
    if (na)
        dl(d, "Applications:");
    for (size_t i = 0; i < na; i++) {
        ntc_app_stats st = {.size = sizeof(st)};
        if (ntc_host_get_app(r->host, i, &st))
            continue;
        const char *n = ntc_engine_app_name(m->eng, st.id);
        fmt_bytes(st.cli2srv_bytes, b1, sizeof(b1));
        fmt_bytes(st.srv2cli_bytes, b2, sizeof(b2));
        dl(d, "  %-20s %" PRIu64 " flows  sent %s  received %s", n ? n : "?", st.flows, b1, b2);
    }
    dl(d, "Flows:");
    for (size_t i = 0; i < m->nflows; i++) {
        const flow_row *f = &m->flows[i];
        if (f->fi.vlan == hi->vlan && f->fi.ip_version == hi->ip_version &&
            (!memcmp(f->fi.cli_addr, hi->addr, 16) || !memcmp(f->fi.srv_addr, hi->addr, 16))) {
            fmt_bytes(f->bytes, b1, sizeof(b1));
            dl(d, "  %-16s %-5s %s -> %s  %s", f->app, f->proto, f->cli, f->srv, b1);
        }
    }
}

static void detail_app(model *m, const app_row *r, dlines *d)
{
    char b[24];
    fmt_bytes(r->bytes, b, sizeof(b));
    dl(d, "Application %s (id %u)  category %s  breed %s", r->name, r->id, r->category, r->breed);
    dl(d, "%" PRIu64 " flows  %" PRIu64 " packets  %s  %.2f%% of the traffic", r->flows, r->packets, b,
       r->percent);
    dl(d, "Active flows:");
    for (size_t i = 0; i < m->nflows; i++) {
        const flow_row *f = &m->flows[i];
        ntc_flow_l7 l7 = {.size = sizeof(l7)};
        if (ntc_flow_get_l7(f->flow, &l7) || l7.how == NTC_L7_PENDING || (l7.app ? l7.app : l7.master) != r->id)
            continue;
        fmt_bytes(f->bytes, b, sizeof(b));
        dl(d, "  %-5s %s -> %s  %s  %s", f->proto, f->cli, f->srv, b, f->info);
    }
}

/* ---- drawing ---- */

static const char *const help_text[] = {
    "ntop-top keys",
    "",
    "  f  1   flows view            h  2   hosts view           a  3   applications view",
    "  Tab    next view",
    "  <  >   sort by the previous / next column     r   reverse the sort order",
    "  /      filter: type text (host, address, application, port, info); Enter keeps it,",
    "         Esc clears it",
    "  Up Down PgUp PgDn Home End   select a row    Enter   open/close the detail pane",
    "  Esc    close the detail pane (or clear the filter)",
    "  n      toggle host names (learnt from DNS, TLS SNI, HTTP, DHCP) / addresses",
    "  p      toggle port names / numbers",
    "  P  space   pause / resume the display (capture goes on)",
    "  ?      this help              q   quit",
    "",
    "Header: sources, clock (packet time), rates over 2 s / 10 s / 40 s, last second and peak,",
    "packets, drops (kernel and interface), active flows and hosts.",
    "",
    "Press any key to go back.",
};

static void draw(top_app *a, int filter_edit)
{
    model *m = &a->m;
    erase();
    if (!m->snap) {
        put(0, "ntop-top: waiting for the first snapshot...", A_BOLD);
        refresh();
        return;
    }
    if (U.help) {
        for (size_t i = 0; i < sizeof(help_text) / sizeof(help_text[0]); i++)
            put((int)i, help_text[i], i == 0 ? A_BOLD : 0);
        refresh();
        return;
    }
    char h[3][256];
    header_lines(m, &a->src, h, U.paused, U.done);
    put(0, h[0], A_BOLD | cp(CP_HEAD));
    put(1, h[1], 0);
    put(2, h[2], 0);

    static const char *const vnames[VIEW_COUNT] = {"[f]lows", "[h]osts", "[a]pplications"};
    char tabs[512];
    int k = 0;
    for (int v = 0; v < VIEW_COUNT; v++)
        k += snprintf(tabs + k, sizeof(tabs) - (size_t)k, "%s%s%s  ", v == U.view ? "*" : " ", vnames[v],
                      v == U.view ? "*" : "");
    snprintf(tabs + k, sizeof(tabs) - (size_t)k, "%zu of %zu shown   sort: %s %s%s%s%s", m->nvis[U.view],
             U.view == VIEW_FLOWS ? m->nflows : U.view == VIEW_HOSTS ? m->nhosts : m->napps,
             col_name(U.view, m->sort_col[U.view]), m->sort_asc[U.view] ? "(asc)" : "(desc)",
             m->filter[0] || filter_edit ? "   filter: " : "", m->filter, filter_edit ? "_" : "");
    put(3, tabs, A_BOLD);

    int w[16] = {0};
    widths(U.view, COLS, w);
    line hl = {.width = (size_t)COLS};
    for (int c = 0; c < col_count(U.view); c++) {
        char name[48];
        snprintf(name, sizeof(name), "%s%s", col_name(U.view, c),
                 c == m->sort_col[U.view] ? (m->sort_asc[U.view] ? "^" : "v") : "");
        cell(&hl, name, w[c], right_aligned(U.view, c));
    }
    char full[1024];
    snprintf(full, sizeof(full), "%-*s", COLS < 1000 ? COLS : 1000, hl.buf);
    put(4, full, cp(CP_COLS) | (U.color ? 0 : A_REVERSE));

    int first = 5, footer = LINES - 1;
    int detail_h = U.detail ? (LINES - first - 1) / 2 : 0;
    int nrows = footer - first - detail_h;
    if (nrows < 1)
        nrows = 1;
    size_t nv = m->nvis[U.view];
    size_t *sel = &U.sel[U.view], *top = &U.top[U.view];
    if (*sel >= nv)
        *sel = nv ? nv - 1 : 0;
    if (*sel < *top)
        *top = *sel;
    if (*sel >= *top + (size_t)nrows)
        *top = *sel - (size_t)nrows + 1;
    for (int i = 0; i < nrows && *top + (size_t)i < nv; i++) {
        line l = {.width = (size_t)COLS};
        size_t idx = m->vis[U.view][*top + (size_t)i];
        row_text(m, U.view, idx, w, &l);
        int selected = *top + (size_t)i == *sel;
        put(first + i, l.buf, selected ? A_REVERSE : 0);
    }
    if (U.detail && nv) {
        dlines *d = calloc(1, sizeof(*d));
        if (d) {
            size_t idx = m->vis[U.view][*sel];
            if (U.view == VIEW_FLOWS)
                detail_flow(m, &m->flows[idx], d);
            else if (U.view == VIEW_HOSTS)
                detail_host(m, &m->hosts[idx], d);
            else
                detail_app(m, &m->apps[idx], d);
            int y0 = footer - detail_h;
            char sep[1024];
            int sw = COLS < 1000 ? COLS : 1000;
            memset(sep, '-', (size_t)sw);
            sep[sw] = 0;
            memcpy(sep, "- detail ", sw > 9 ? 9 : (size_t)sw);
            put(y0, sep, A_BOLD);
            for (int i = 0; i < d->n && i < detail_h - 1; i++)
                put(y0 + 1 + i, d->l[i], 0);
            free(d);
        }
    }
    put(footer,
        filter_edit ? "Filter: type text, Enter keeps it, Esc clears it"
                    : "q quit  ? help  f/h/a view  </> sort  r reverse  / filter  Enter detail  n names  p ports  P pause",
        cp(CP_KEYS) | (U.color ? 0 : A_REVERSE));
    refresh();
}

/* ---- keys ---- */

static void filter_edit(top_app *a, volatile sig_atomic_t *quit)
{
    model *m = &a->m;
    timeout(500); /* a signal (SIGINT/SIGTERM) must still end the program while typing */
    for (;;) {
        draw(a, 1);
        int ch = getch();
        if (ch == ERR) {
            if (*quit)
                return;
            continue;
        }
        size_t n = strlen(m->filter);
        if (ch == '\n' || ch == KEY_ENTER || ch == '\r')
            break;
        if (ch == 27) {
            m->filter[0] = 0;
        } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
            if (n)
                m->filter[n - 1] = 0;
        } else if (ch == KEY_RESIZE) {
            continue;
        } else if (ch >= 32 && ch < 127 && n + 1 < sizeof(m->filter)) {
            m->filter[n] = (char)ch;
            m->filter[n + 1] = 0;
        } else {
            continue;
        }
        model_refresh(m);
        U.sel[VIEW_FLOWS] = U.sel[VIEW_HOSTS] = U.sel[VIEW_APPS] = 0;
        U.top[VIEW_FLOWS] = U.top[VIEW_HOSTS] = U.top[VIEW_APPS] = 0;
        if (ch == 27)
            break;
    }
}

void ui_loop(top_app *a, volatile sig_atomic_t *quit)
{
    model *m = &a->m;
    int dirty = 1;
    while (!*quit) {
        /* Read the flag first: the engine publishes its final snapshot before setting it. */
        int done = atomic_load(&a->engine_done);
        if (!U.paused && app_take_snapshot(a)) {
            U.done = done;
            reselect(m);
            dirty = 1;
        }
        if (dirty) {
            draw(a, 0);
            dirty = 0;
        }
        timeout(U.done || U.paused ? 1000 : 500);
        int ch = getch();
        if (ch == ERR)
            continue;
        dirty = 1;
        if (U.help) {
            U.help = 0;
            if (ch == 'q')
                break;
            continue;
        }
        size_t nv = m->nvis[U.view];
        int page = LINES - 7 - (U.detail ? (LINES - 6) / 2 : 0);
        if (page < 1)
            page = 1;
        switch (ch) {
        case 'q': case 'Q': *quit = 1; break;
        case '?': U.help = 1; break;
        case 'f': case '1': U.view = VIEW_FLOWS; break;
        case 'h': case '2': U.view = VIEW_HOSTS; break;
        case 'a': case '3': U.view = VIEW_APPS; break;
        case '\t': U.view = (U.view + 1) % VIEW_COUNT; break;
        case '<': case ',':
            m->sort_col[U.view] = (m->sort_col[U.view] + col_count(U.view) - 1) % col_count(U.view);
            model_refresh(m);
            break;
        case '>': case '.':
            m->sort_col[U.view] = (m->sort_col[U.view] + 1) % col_count(U.view);
            model_refresh(m);
            break;
        case 'r': m->sort_asc[U.view] = !m->sort_asc[U.view]; model_refresh(m); break;
        case '/': filter_edit(a, quit); break;
        case 27:
            if (U.detail)
                U.detail = 0;
            else if (m->filter[0]) {
                m->filter[0] = 0;
                model_refresh(m);
            }
            break;
        case 'n': m->resolve_names = !m->resolve_names; model_relabel(m); break;
        case 'p': m->port_names = !m->port_names; model_relabel(m); break;
        case 'P': case ' ': U.paused = !U.paused; break;
        case KEY_UP: case 'k': if (U.sel[U.view]) U.sel[U.view]--; break;
        case KEY_DOWN: case 'j': if (U.sel[U.view] + 1 < nv) U.sel[U.view]++; break;
        case KEY_PPAGE: U.sel[U.view] = U.sel[U.view] > (size_t)page ? U.sel[U.view] - (size_t)page : 0; break;
        case KEY_NPAGE: U.sel[U.view] = nv ? (U.sel[U.view] + (size_t)page < nv ? U.sel[U.view] + (size_t)page : nv - 1) : 0; break;
        case KEY_HOME: U.sel[U.view] = 0; break;
        case KEY_END: U.sel[U.view] = nv ? nv - 1 : 0; break;
        case '\n': case '\r': case KEY_ENTER: U.detail = !U.detail; break;
        case KEY_RESIZE: break;
        default: dirty = 0; break;
        }
        remember_sel(m);
    }
}
