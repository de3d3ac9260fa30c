/* Capture sources through libpcap: capture files (pcap, pcapng) read merged in packet-time order,
 * and live interfaces read non-blocking after poll().
 *
 * Files. Each file source keeps at most one pending packet: the one pcap_next_ex() returned last,
 * whose header and data stay valid until the next call on that handle. With one file open there
 * is no merge at all: packets go from pcap_next_ex() straight to the consumer. With several, a
 * binary min-heap keyed by (timestamp, source order) is built at the start of each poll (O(n)) and
 * kept only for that call, so no heap invariant has to survive between calls or across adds and
 * closes. Files are opened with our own FILE and a large stdio buffer, so reading costs one
 * read(2) per FILE_BUFSIZE bytes; nothing is allocated per packet.
 *
 * Live interfaces. pcap_create/pcap_activate, non-blocking, not in immediate mode: on Linux,
 * immediate mode makes libpcap use a TPACKET_V2 ring of fixed slots of snaplen bytes each, so the
 * default 2 MB buffer with a 65535-byte snaplen holds about 30 packets and a burst or a short stall
 * drops packets at a few thousand packets a second (tests/robust live-rate). Without it, libpcap
 * uses TPACKET_V3 blocks that hold packets at their captured size (tens of thousands of small
 * packets in 2 MB); a block is handed over when full or after LIVE_TIMEOUT_MS. When no file is
 * open, ntc__capture_poll() waits with poll(2) on every live descriptor, then calls
 * pcap_dispatch() on the ready ones with what remains of the budget. A source whose last dispatch
 * filled its whole quota may hold more packets inside libpcap (a partly read ring block) without
 * its descriptor being readable, so it is dispatched again without waiting.
 *
 * Kernel counters. pcap_stats() gives 32-bit counters; they are accumulated into 64-bit totals by
 * wrap-safe differences, and the totals of closed live sources are kept.
 *
 * Not thread-safe: one ntc__capture is used by one thread at a time. No global mutable state.
 */
#include "capture/capture.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <pcap/pcap.h>

#include "ntopcore/error.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* LINKTYPE_ numbers (file format values), as ntc_linktype. */
enum {
    LT_NULL = 0,
    LT_ETHERNET = 1,
    LT_RAW = 101,
    LT_LOOP = 108,
    LT_LINUX_SLL = 113,
    LT_IPV4 = 228,
    LT_IPV6 = 229,
    LT_LINUX_SLL2 = 276
};

#define FILE_BUFSIZE (256u * 1024u)   /* stdio buffer of a capture file */
#define LIVE_SNAPLEN_DEFAULT 262144
#define LIVE_TIMEOUT_MS 100           /* libpcap read timeout: the longest a quiet link's packets
                                         * wait in a ring block before they are handed over */

#if defined(__GNUC__) || defined(__clang__)
#define NTC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define NTC_PRINTF(f, a)
#endif

typedef struct cap_src {
    pcap_t *pcap;
    char *name;             /* path or interface name */
    int linktype;           /* LINKTYPE_ number */
    unsigned order;         /* rank of addition: ties in time go to the earlier source */
    uint64_t count;         /* packets delivered from this source */

    /* Files: the pending packet, valid until the next pcap_next_ex() on this handle. */
    const struct pcap_pkthdr *ph;
    const u_char *pdata;
    uint64_t pts;           /* its time in microseconds */
    int pending;

    /* Live. */
    int fd;
    const ntc__ext_ops *ext;  /* external source (collector): no pcap handle */
    void *ext_ctx;
    int more;               /* last dispatch filled its quota: libpcap may hold more */
    const struct timeval *req_timeout;  /* pcap_get_required_select_timeout(), usually NULL */
    u_int last_recv, last_drop, last_ifdrop;
    uint64_t recv, drop, ifdrop;
} cap_src;

struct ntc__capture {
    cap_src **files;        /* open file sources, in order of addition */
    size_t nfiles, files_cap;
    cap_src **heap;         /* merge scratch, files_cap entries */
    cap_src **lives;        /* open live sources, in order of addition */
    size_t nlives, lives_cap;
    struct pollfd *pfds;    /* lives_cap entries */
    size_t live_next;       /* live source dispatched first next time (round robin) */
    unsigned next_order;
    uint64_t file_limit;    /* file packets later than this stay pending (UINT64_MAX: none) */
    uint64_t closed_recv, closed_drop, closed_ifdrop;
};

/* Consumer of one poll call. */
typedef struct deliver_ctx {
    void (*fn)(void *user, const ntc__cap_pkt *pkt);
    void *user;
    cap_src *src;           /* live source being dispatched */
    unsigned n;             /* packets delivered during this call */
} deliver_ctx;

/* ---- helpers ---------------------------------------------------------------------------------- */

static void seterr(char *err, size_t errlen, const char *fmt, ...) NTC_PRINTF(3, 4);

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void errno_text(int e, char *buf, size_t len)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    const char *s = strerror_r(e, buf, len);   /* GNU: may return a static string */
    if (s != buf)
        snprintf(buf, len, "%s", s);
#else
    if (strerror_r(e, buf, len) != 0)
        snprintf(buf, len, "error %d", e);
#endif
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* DLT_ value of libpcap → LINKTYPE_ number of the file formats (ntc_linktype). */
static int dlt_to_linktype(int dlt)
{
    if (dlt == DLT_RAW || dlt == 12 || dlt == 14)
        return LT_RAW;
    if (dlt == DLT_LOOP)
        return LT_LOOP;
    if (dlt == DLT_NULL)
        return LT_NULL;
    if (dlt == DLT_EN10MB)
        return LT_ETHERNET;
    if (dlt == DLT_LINUX_SLL)
        return LT_LINUX_SLL;
    if (dlt == DLT_LINUX_SLL2)
        return LT_LINUX_SLL2;
    if (dlt == DLT_IPV4)
        return LT_IPV4;
    if (dlt == DLT_IPV6)
        return LT_IPV6;
    return dlt;
}

static inline uint64_t ts_us(const struct pcap_pkthdr *h)
{
    if (h->ts.tv_sec < 0)
        return 0;
    return (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)(uint32_t)h->ts.tv_usec;
}

static inline void deliver(deliver_ctx *dc, cap_src *s, const struct pcap_pkthdr *h,
                           const u_char *data, uint64_t t)
{
    ntc__cap_pkt pkt;

    pkt.ts_us = t;
    pkt.caplen = h->caplen;
    pkt.wirelen = h->len >= h->caplen ? h->len : h->caplen;
    pkt.linktype = s->linktype;
    pkt.data = data;
    s->count++;
    dc->n++;
    dc->fn(dc->user, &pkt);
}

static int apply_filter(pcap_t *p, const char *name, const char *filter, char *err, size_t errlen)
{
    struct bpf_program prog;

    if (filter == NULL || filter[0] == '\0')
        return 0;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        seterr(err, errlen, "%s: bad filter \"%s\": %s", name, filter, pcap_geterr(p));
        return NTC_EINVAL;
    }
    if (pcap_setfilter(p, &prog) != 0) {
        seterr(err, errlen, "%s: cannot set filter \"%s\": %s", name, filter, pcap_geterr(p));
        pcap_freecode(&prog);
        return NTC_EINVAL;
    }
    pcap_freecode(&prog);
    return 0;
}

static void src_free(cap_src *s)
{
    if (s == NULL)
        return;
    if (s->ext != NULL)
        s->ext->free(s->ext_ctx);
    if (s->pcap != NULL)
        pcap_close(s->pcap);
    free(s->name);
    free(s);
}

/* Grow an array of pointers (and its companion) to hold one more element. */
static int grow_ptrs(cap_src ***arr, size_t *cap, size_t n)
{
    size_t ncap;
    cap_src **a;

    if (n < *cap)
        return 0;
    ncap = *cap ? *cap * 2 : 4;
    a = realloc(*arr, ncap * sizeof(*a));
    if (a == NULL)
        return NTC_ENOMEM;
    *arr = a;
    *cap = ncap;
    return 0;
}

/* ---- lifecycle -------------------------------------------------------------------------------- */

ntc__capture *ntc__capture_new(void)
{
    ntc__capture *cap = calloc(1, sizeof(ntc__capture));

    if (cap)
        cap->file_limit = UINT64_MAX;
    return cap;
}

static void close_file(ntc__capture *cap, cap_src *s);
static int file_next(cap_src *s, char *err, size_t errlen);

void ntc__capture_set_file_limit(ntc__capture *cap, uint64_t limit_us)
{
    cap->file_limit = limit_us;
}

int ntc__capture_next_file_ts(ntc__capture *cap, uint64_t *ts_us, char *err, size_t errlen)
{
    int found = 0;

    for (size_t i = 0; i < cap->nfiles;) {
        cap_src *s = cap->files[i];
        if (!s->pending) {
            int rc = file_next(s, err, errlen);
            if (rc != 1) {
                close_file(cap, s);             /* removes files[i] */
                if (rc < 0)
                    return rc;
                continue;
            }
        }
        if (!found || s->pts < *ts_us)
            *ts_us = s->pts;
        found = 1;
        i++;
    }
    return found;
}

static void live_update_stats(cap_src *s)
{
    struct pcap_stat st;

    memset(&st, 0, sizeof(st));
    if (s->pcap == NULL || pcap_stats(s->pcap, &st) != 0)
        return;                                 /* keep the last values */
    s->recv += (u_int)(st.ps_recv - s->last_recv);
    s->drop += (u_int)(st.ps_drop - s->last_drop);
    s->ifdrop += (u_int)(st.ps_ifdrop - s->last_ifdrop);
    s->last_recv = st.ps_recv;
    s->last_drop = st.ps_drop;
    s->last_ifdrop = st.ps_ifdrop;
}

static void close_file(ntc__capture *cap, cap_src *s)
{
    size_t i;

    for (i = 0; i < cap->nfiles; i++) {
        if (cap->files[i] == s) {
            memmove(&cap->files[i], &cap->files[i + 1], (cap->nfiles - i - 1) * sizeof(s));
            cap->nfiles--;
            break;
        }
    }
    src_free(s);
}

static void close_live(ntc__capture *cap, cap_src *s)
{
    size_t i;

    live_update_stats(s);
    cap->closed_recv += s->recv;
    cap->closed_drop += s->drop;
    cap->closed_ifdrop += s->ifdrop;
    for (i = 0; i < cap->nlives; i++) {
        if (cap->lives[i] == s) {
            memmove(&cap->lives[i], &cap->lives[i + 1], (cap->nlives - i - 1) * sizeof(s));
            cap->nlives--;
            break;
        }
    }
    if (cap->live_next >= cap->nlives)
        cap->live_next = 0;
    src_free(s);
}

void ntc__capture_free(ntc__capture *cap)
{
    size_t i;

    if (cap == NULL)
        return;
    for (i = 0; i < cap->nfiles; i++)
        src_free(cap->files[i]);
    for (i = 0; i < cap->nlives; i++)
        src_free(cap->lives[i]);
    free(cap->files);
    free(cap->heap);
    free(cap->lives);
    free(cap->pfds);
    free(cap);
}

int ntc__capture_count(const ntc__capture *cap)
{
    return cap ? (int)(cap->nfiles + cap->nlives) : 0;
}

int ntc__capture_live_count(const ntc__capture *cap)
{
    return cap ? (int)cap->nlives : 0;
}

/* ---- files ------------------------------------------------------------------------------------ */

int ntc__capture_add_file(ntc__capture *cap, const char *path, const char *filter, char *err,
                          size_t errlen)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    cap_src *s;
    cap_src **h;
    FILE *fp;
    int rc;

    if (cap == NULL || path == NULL || path[0] == '\0') {
        seterr(err, errlen, "capture file: invalid argument");
        return NTC_EINVAL;
    }
    if (grow_ptrs(&cap->files, &cap->files_cap, cap->nfiles) != 0)
        goto nomem;
    if (cap->files_cap > 0) {
        h = realloc(cap->heap, cap->files_cap * sizeof(*h));
        if (h == NULL)
            goto nomem;
        cap->heap = h;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        goto nomem;
    s->fd = -1;
    s->name = dup_str(path);
    if (s->name == NULL) {
        free(s);
        goto nomem;
    }

    fp = fopen(path, "rb");
    if (fp == NULL) {
        int e = errno;
        errno_text(e, errbuf, sizeof(errbuf));
        seterr(err, errlen, "%s: %s", path, errbuf);
        src_free(s);
        return NTC_EIO;
    }
    (void)setvbuf(fp, NULL, _IOFBF, FILE_BUFSIZE);
    errbuf[0] = '\0';
    s->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (s->pcap == NULL) {
        /* A read error is I/O; a short or unrecognised header is a format error. */
        rc = ferror(fp) ? NTC_EIO : NTC_EFORMAT;
        seterr(err, errlen, "%s: %s", path, errbuf[0] ? errbuf : "not a capture file");
        fclose(fp);
        src_free(s);
        return rc;
    }
    /* From here pcap_close() closes fp. */
    s->linktype = dlt_to_linktype(pcap_datalink(s->pcap));
    rc = apply_filter(s->pcap, path, filter, err, errlen);
    if (rc != 0) {
        src_free(s);
        return rc;
    }
    s->order = cap->next_order++;
    cap->files[cap->nfiles++] = s;
    return 0;

nomem:
    seterr(err, errlen, "%s: out of memory", path);
    return NTC_ENOMEM;
}

/* Read the next packet of a file source into its pending slot. 1: a packet, 0: end of file,
 * negative: error (message in err). */
static int file_next(cap_src *s, char *err, size_t errlen)
{
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc = pcap_next_ex(s->pcap, &h, &d);

    if (rc == 1) {
        s->ph = h;
        s->pdata = d;
        s->pts = ts_us(h);
        s->pending = 1;
        return 1;
    }
    if (rc == PCAP_ERROR_BREAK || rc == 0)
        return 0;
    seterr(err, errlen, "%s: corrupt or truncated after %llu packets: %s", s->name,
           (unsigned long long)s->count, pcap_geterr(s->pcap));
    return NTC_EFORMAT;
}

/* One file open: no merge. Delivers its pending packet, then reads straight through. */
static int poll_single_file(ntc__capture *cap, deliver_ctx *dc, unsigned budget, char *err,
                            size_t errlen)
{
    cap_src *s = cap->files[0];
    pcap_t *p = s->pcap;
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc;

    if (s->pending && dc->n < budget) {
        if (s->pts > cap->file_limit)
            return 0;
        s->pending = 0;
        deliver(dc, s, s->ph, s->pdata, s->pts);
    }
    while (dc->n < budget) {
        rc = pcap_next_ex(p, &h, &d);
        if (rc == 1) {
            uint64_t t = ts_us(h);
            if (t > cap->file_limit) {          /* paced replay: keep it for later */
                s->ph = h;
                s->pdata = d;
                s->pts = t;
                s->pending = 1;
                return 0;
            }
            deliver(dc, s, h, d, t);
            continue;
        }
        if (rc == PCAP_ERROR_BREAK || rc == 0) {
            close_file(cap, s);
            return 0;
        }
        seterr(err, errlen, "%s: corrupt or truncated after %llu packets: %s", s->name,
               (unsigned long long)s->count, pcap_geterr(p));
        close_file(cap, s);
        return NTC_EFORMAT;
    }
    return 0;
}

static inline int src_before(const cap_src *a, const cap_src *b)
{
    return a->pts < b->pts || (a->pts == b->pts && a->order < b->order);
}

static void sift_down(cap_src **h, size_t n, size_t i)
{
    cap_src *x = h[i];

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && src_before(h[c + 1], h[c]))
            c++;
        if (!src_before(h[c], x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static int poll_files(ntc__capture *cap, deliver_ctx *dc, unsigned budget, char *err,
                      size_t errlen)
{
    size_t i, n;
    int rc;

    if (cap->nfiles == 0 || dc->n >= budget)
        return 0;
    if (cap->nfiles == 1)
        return poll_single_file(cap, dc, budget, err, errlen);

    /* Every source needs its pending packet to take part in the merge. */
    for (i = 0; i < cap->nfiles;) {
        cap_src *s = cap->files[i];
        if (s->pending) {
            i++;
            continue;
        }
        rc = file_next(s, err, errlen);
        if (rc == 1) {
            i++;
            continue;
        }
        close_file(cap, s);                     /* removes files[i] */
        if (rc < 0)
            return rc;
    }
    if (cap->nfiles <= 1)
        return cap->nfiles ? poll_single_file(cap, dc, budget, err, errlen) : 0;

    /* cap->heap is read anew after every delivery: a consumer that adds a file from its callback
     * may move it (the new file joins the merge at the next call). */
    n = cap->nfiles;
    memcpy(cap->heap, cap->files, n * sizeof(*cap->heap));
    for (i = n / 2; i-- > 0;)
        sift_down(cap->heap, n, i);

    while (dc->n < budget) {
        cap_src *s = cap->heap[0];
        if (s->pts > cap->file_limit)
            break;
        s->pending = 0;
        deliver(dc, s, s->ph, s->pdata, s->pts);
        rc = file_next(s, err, errlen);
        if (rc == 1) {
            sift_down(cap->heap, n, 0);
            continue;
        }
        cap->heap[0] = cap->heap[--n];
        sift_down(cap->heap, n, 0);
        close_file(cap, s);
        if (rc < 0)
            return rc;
        if (n == 1)                             /* the last one reads on without merging */
            return cap->nfiles == 1 ? poll_single_file(cap, dc, budget, err, errlen) : 0;
    }
    return 0;
}

/* ---- live ------------------------------------------------------------------------------------- */

int ntc__capture_add_live(ntc__capture *cap, const char *ifname, const ntc__live_opts *opts,
                          const char *filter, char *err, size_t errlen)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pollfd *pf;
    cap_src *s;
    int rc, snaplen;

    if (cap == NULL || ifname == NULL || ifname[0] == '\0') {
        seterr(err, errlen, "live capture: invalid argument");
        return NTC_EINVAL;
    }
    if (grow_ptrs(&cap->lives, &cap->lives_cap, cap->nlives) != 0)
        goto nomem;
    pf = realloc(cap->pfds, cap->lives_cap * sizeof(*pf));
    if (pf == NULL)
        goto nomem;
    cap->pfds = pf;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        goto nomem;
    s->fd = -1;
    s->name = dup_str(ifname);
    if (s->name == NULL) {
        free(s);
        goto nomem;
    }

    errbuf[0] = '\0';
    s->pcap = pcap_create(ifname, errbuf);
    if (s->pcap == NULL) {
        seterr(err, errlen, "%s: %s", ifname, errbuf[0] ? errbuf : "cannot open");
        src_free(s);
        return NTC_EIO;
    }
    snaplen = (opts != NULL && opts->snaplen > 0) ? opts->snaplen : LIVE_SNAPLEN_DEFAULT;
    (void)pcap_set_snaplen(s->pcap, snaplen);
    (void)pcap_set_promisc(s->pcap, opts != NULL && opts->promisc);
    (void)pcap_set_timeout(s->pcap, LIVE_TIMEOUT_MS);
    if (opts != NULL && opts->buffer_mb > 0) {
        int mb = opts->buffer_mb > INT_MAX / (1024 * 1024) ? INT_MAX / (1024 * 1024)
                                                            : opts->buffer_mb;
        (void)pcap_set_buffer_size(s->pcap, mb * 1024 * 1024);
    }
    (void)pcap_set_immediate_mode(s->pcap, 0); /* see the top of the file */
    rc = pcap_activate(s->pcap);
    if (rc < 0) {
        const char *detail = pcap_geterr(s->pcap);
        const char *status = pcap_statustostr(rc);
        if (detail == NULL || detail[0] == '\0' || strcmp(detail, status) == 0)
            seterr(err, errlen, "%s: %s", ifname, status);
        else if (rc == PCAP_ERROR)
            seterr(err, errlen, "%s: %s", ifname, detail);
        else
            seterr(err, errlen, "%s: %s (%s)", ifname, status, detail);
        src_free(s);
        return NTC_EIO;
    }
    /* rc > 0 is a warning (e.g. promiscuous mode not supported): the capture works. */
    if (pcap_setnonblock(s->pcap, 1, errbuf) != 0) {
        seterr(err, errlen, "%s: cannot set non-blocking mode: %s", ifname, errbuf);
        src_free(s);
        return NTC_EIO;
    }
    rc = apply_filter(s->pcap, ifname, filter, err, errlen);
    if (rc != 0) {
        src_free(s);
        return rc;
    }
    s->fd = pcap_get_selectable_fd(s->pcap);
    if (s->fd < 0) {
        seterr(err, errlen, "%s: no selectable descriptor for this capture", ifname);
        src_free(s);
        return NTC_ENOTSUP;
    }
    s->req_timeout = pcap_get_required_select_timeout(s->pcap);
    s->linktype = dlt_to_linktype(pcap_datalink(s->pcap));
    live_update_stats(s);                       /* baseline */
    s->recv = s->drop = s->ifdrop = 0;
    s->order = cap->next_order++;
    cap->lives[cap->nlives++] = s;
    return 0;

nomem:
    seterr(err, errlen, "%s: out of memory", ifname);
    return NTC_ENOMEM;
}

static void live_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    deliver_ctx *dc = (deliver_ctx *)(void *)user;

    deliver(dc, dc->src, h, data, ts_us(h));
}

static int poll_live(ntc__capture *cap, deliver_ctx *dc, int timeout_ms, unsigned budget,
                     char *err, size_t errlen)
{
    size_t i, k, n = cap->nlives, start;
    int wait = timeout_ms, rc, must_dispatch_all = 0;

    if (n == 0 || dc->n >= budget)
        return 0;
    for (i = 0; i < n; i++) {
        cap_src *s = cap->lives[i];
        cap->pfds[i].fd = s->fd;
        cap->pfds[i].events = POLLIN;
        cap->pfds[i].revents = 0;
        if (s->more)
            wait = 0;
        if (s->req_timeout != NULL) {
            /* The descriptor alone may not signal packets: bound the wait, dispatch anyway. */
            long long ms = (long long)s->req_timeout->tv_sec * 1000 +
                           s->req_timeout->tv_usec / 1000;
            if (wait < 0 || ms < wait)
                wait = (int)(ms < 0 ? 0 : ms);
            must_dispatch_all = 1;
        }
    }
    rc = poll(cap->pfds, (nfds_t)n, wait);
    if (rc < 0) {
        if (errno == EINTR)
            return 0;
        {
            char eb[128];
            errno_text(errno, eb, sizeof(eb));
            seterr(err, errlen, "live capture: poll: %s", eb);
        }
        return NTC_EIO;
    }
    if (rc == 0 && !must_dispatch_all) {
        int any_more = 0;
        for (i = 0; i < n; i++)
            any_more |= cap->lives[i]->more;
        if (!any_more)
            return 0;
    }

    start = cap->live_next < n ? cap->live_next : 0;
    for (k = 0; k < n && dc->n < budget; k++) {
        size_t idx = (start + k) % n;
        cap_src *s = cap->lives[idx];
        unsigned quota, before = dc->n;
        int got;

        if (!s->more && !must_dispatch_all && cap->pfds[idx].revents == 0)
            continue;
        quota = budget - dc->n;
        if (quota > INT_MAX)
            quota = INT_MAX;
        dc->src = s;
        if (s->ext != NULL) {
            got = s->ext->read(s->ext_ctx, quota, err, errlen);
            if (got < 0) {
                close_live(cap, s);
                cap->live_next = cap->nlives ? idx % cap->nlives : 0;
                return got;
            }
            dc->n += (unsigned)got;
            s->count += (unsigned)got;
            s->more = (unsigned)got >= quota;
            continue;
        }
        got = pcap_dispatch(s->pcap, (int)quota, live_cb, (u_char *)(void *)dc);
        if (got < 0 && got != PCAP_ERROR_BREAK) {
            seterr(err, errlen, "%s: capture failed after %llu packets: %s", s->name,
                   (unsigned long long)s->count, pcap_geterr(s->pcap));
            close_live(cap, s);
            /* Keep the round robin going from the source after the failed one. */
            cap->live_next = cap->nlives ? idx % cap->nlives : 0;
            return NTC_EIO;
        }
        s->more = (dc->n - before) >= quota;
    }
    cap->live_next = (start + 1) % n;
    return 0;
}

int ntc__capture_add_ext(ntc__capture *cap, const char *name, int fd, const ntc__ext_ops *ops,
                         void *ctx, char *err, size_t errlen)
{
    struct pollfd *pf;
    cap_src *s;

    if (cap == NULL || name == NULL || ops == NULL || fd < 0) {
        seterr(err, errlen, "source: invalid argument");
        if (ops != NULL)
            ops->free(ctx);
        return NTC_EINVAL;
    }
    if (grow_ptrs(&cap->lives, &cap->lives_cap, cap->nlives) != 0)
        goto nomem;
    pf = realloc(cap->pfds, cap->lives_cap * sizeof(*pf));
    if (pf == NULL)
        goto nomem;
    cap->pfds = pf;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        goto nomem;
    s->name = dup_str(name);
    if (s->name == NULL) {
        free(s);
        goto nomem;
    }
    s->fd = fd;
    s->ext = ops;
    s->ext_ctx = ctx;
    s->more = 1;                                /* read once without waiting */
    s->order = cap->next_order++;
    cap->lives[cap->nlives++] = s;
    return 0;

nomem:
    seterr(err, errlen, "%s: out of memory", name);
    ops->free(ctx);
    return NTC_ENOMEM;
}

/* ---- poll, stats, addresses ------------------------------------------------------------------- */

int ntc__capture_poll(ntc__capture *cap, int timeout_ms, unsigned budget,
                      void (*fn)(void *user, const ntc__cap_pkt *pkt), void *user,
                      char *err, size_t errlen)
{
    deliver_ctx dc;
    int rc;

    if (cap == NULL || fn == NULL) {
        seterr(err, errlen, "capture poll: invalid argument");
        return NTC_EINVAL;
    }
    if (cap->nfiles == 0 && cap->nlives == 0)
        return NTC_EOF;
    if (budget > INT_MAX)
        budget = INT_MAX;
    dc.fn = fn;
    dc.user = user;
    dc.src = NULL;
    dc.n = 0;

    /* Live first (kernel buffers can overflow, files wait); no waiting while files are open. */
    rc = poll_live(cap, &dc, cap->nfiles ? 0 : timeout_ms, budget, err, errlen);
    if (rc < 0)
        return rc;
    rc = poll_files(cap, &dc, budget, err, errlen);
    if (rc < 0)
        return rc;
    if (dc.n == 0 && cap->nfiles == 0 && cap->nlives == 0)
        return NTC_EOF;
    return (int)dc.n;
}

void ntc__capture_stats(ntc__capture *cap, uint64_t *received, uint64_t *dropped,
                        uint64_t *ifdropped)
{
    uint64_t r = 0, d = 0, f = 0;
    size_t i;

    if (cap != NULL) {
        r = cap->closed_recv;
        d = cap->closed_drop;
        f = cap->closed_ifdrop;
        for (i = 0; i < cap->nlives; i++) {
            cap_src *s = cap->lives[i];
            live_update_stats(s);
            r += s->recv;
            d += s->drop;
            f += s->ifdrop;
        }
    }
    if (received)
        *received = r;
    if (dropped)
        *dropped = d;
    if (ifdropped)
        *ifdropped = f;
}

int ntc__capture_iface_addresses(const char *ifname,
                                 void (*fn)(void *user, int ip_version, const uint8_t *addr),
                                 void *user)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_if_t *all = NULL, *dev;
    pcap_addr_t *a;
    int n = 0;

    if (ifname == NULL || fn == NULL)
        return NTC_EINVAL;
    if (pcap_findalldevs(&all, errbuf) != 0)
        return NTC_EIO;
    for (dev = all; dev != NULL; dev = dev->next) {
        if (dev->name == NULL || strcmp(dev->name, ifname) != 0)
            continue;
        for (a = dev->addresses; a != NULL; a = a->next) {
            const struct sockaddr *sa = a->addr;
            if (sa == NULL)
                continue;
            if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
                uint8_t b[4];
                memcpy(b, &sin->sin_addr, 4);
                fn(user, 4, b);
                n++;
            } else if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
                uint8_t b[16];
                memcpy(b, &sin6->sin6_addr, 16);
                fn(user, 6, b);
                n++;
            }
        }
        break;
    }
    pcap_freealldevs(all);
    return n;
}
