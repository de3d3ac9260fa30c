/* Packet dump files: pcap or pcapng written with stdio, named from a strftime pattern, rotated by
 * packets, packet time or size, and kept within a ring budget (files, bytes) by deleting the
 * oldest file before the bytes that would exceed it are written.
 *
 * Byte accounting is logical: what has been handed to stdio for a file counts as its size, so the
 * size on disk is never larger than what the ring believes (stdio only lags behind). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dump/dump.h"
#include "ntopcore/error.h"
#include "util/util.h"

#define NAME_MAX_LEN 4096
#define MAX_IFACES 16          /* link types per pcapng file; one more starts a new file */
#define PCAP_HDR 24u
#define PCAP_REC 16u
#define NG_SHB 28u
#define NG_IDB 20u
#define NG_EPB 32u             /* without the padded packet bytes */

typedef struct ring_file {
    char *name;
    uint64_t bytes;
} ring_file;

struct ntc__dump_files {
    ntc__dump_files_cfg c;
    char *pattern;
    uint64_t max_file_bytes;   /* file_bytes, at most ring_bytes / 2 */

    FILE *fp;
    char cur_name[NAME_MAX_LEN];
    uint64_t cur_bytes, cur_packets, cur_open_us;
    int lts[MAX_IFACES];       /* link types of the current file (pcap: lts[0] only) */
    int nlts;

    ring_file *ring;           /* closed files still on disk, oldest first, from ring[head] */
    size_t head, nring, cap;   /* (only with a ring limit: without, nothing is ever deleted) */
    uint64_t kept;             /* closed files on disk */
    uint64_t total;            /* bytes of the closed files on disk and of the current file */

    uint64_t clock_us;         /* latest packet time written */
    char last_base[NAME_MAX_LEN];
    unsigned seq;
    int failed;
    ntc__dump_files_stats st;
};

static int fail(ntc__dump_files *w, char *err, size_t errlen, const char *what, const char *name)
{
    ntc__fmt(err, errlen, "%s %s: %s", what, name, strerror(errno ? errno : EIO));
    w->failed = 1;
    return NTC_EIO;
}

/* Expand the pattern at time us into out; 0, or -1 when it expands to nothing or too long. */
static int expand(const char *pattern, uint64_t us, char *out, size_t len)
{
    time_t t = (time_t)(us / 1000000u);
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return -1;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    size_t n = strftime(out, len, pattern, &tm); /* the pattern is the user's, by design */
#pragma GCC diagnostic pop
    return n == 0 ? -1 : 0;
}

/* base with "-seq" before the extension of its last path component. */
static int with_seq(const char *base, unsigned seq, char *out, size_t len)
{
    const char *slash = strrchr(base, '/');
    const char *comp = slash ? slash + 1 : base;
    const char *dot = strrchr(comp, '.');
    if (!dot || dot == comp)
        dot = base + strlen(base);
    int n = snprintf(out, len, "%.*s-%u%s", (int)(dot - base), base, seq, dot);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int name_in_use(const ntc__dump_files *w, const char *name)
{
    for (size_t i = 0; i < w->nring; i++)
        if (strcmp(w->ring[w->head + i].name, name) == 0)
            return 1;
    return 0;
}

int ntc__dump_files_new(ntc__dump_files **out, const ntc__dump_files_cfg *c, char *err,
                        size_t errlen)
{
    *out = NULL;
    char probe[NAME_MAX_LEN];
    if (!c->pattern || !c->pattern[0] || expand(c->pattern, 0, probe, sizeof(probe)) != 0) {
        ntc__fmt(err, errlen, "'dump.path' = '%s' expands to an empty or over-long file name",
                 c->pattern ? c->pattern : "");
        return NTC_EINVAL;
    }
    ntc__dump_files *w = calloc(1, sizeof(*w));
    if (!w || !(w->pattern = strdup(c->pattern))) {
        free(w);
        ntc__fmt(err, errlen, "out of memory");
        return NTC_ENOMEM;
    }
    w->c = *c;
    w->c.pattern = w->pattern;
    w->max_file_bytes = c->file_bytes;
    if (c->ring_bytes && (!w->max_file_bytes || w->max_file_bytes > c->ring_bytes / 2))
        w->max_file_bytes = c->ring_bytes / 2;
    *out = w;
    return 0;
}

/* ---- writing primitives ---- */

static int put(ntc__dump_files *w, const void *p, size_t n)
{
    if (fwrite(p, 1, n, w->fp) != n)
        return -1;
    w->cur_bytes += n;
    w->total += n;
    w->st.bytes += n;
    if (w->total > w->st.ring_peak)
        w->st.ring_peak = w->total;
    return 0;
}

static int put_u32(ntc__dump_files *w, uint32_t v)
{
    return put(w, &v, 4);
}

static int write_idb(ntc__dump_files *w, int lt)
{
    uint16_t lr[2] = {(uint16_t)lt, 0};
    return put_u32(w, 1) || put_u32(w, NG_IDB) || put(w, lr, 4) || put_u32(w, w->c.snaplen) ||
                   put_u32(w, NG_IDB)
               ? -1
               : 0;
}

static int write_header(ntc__dump_files *w, int lt)
{
    if (!w->c.pcapng) {
        uint32_t h[6] = {0xa1b2c3d4u, 0, 0, 0, w->c.snaplen, (uint32_t)lt};
        uint16_t ver[2] = {2, 4};
        memcpy(&h[1], ver, 4); /* major, minor as two host-order 16-bit fields */
        return put(w, h, sizeof(h));
    }
    uint32_t shb[7] = {0x0A0D0D0Au, NG_SHB, 0x1A2B3C4Du, 0, 0xffffffffu, 0xffffffffu, NG_SHB};
    uint16_t ver[2] = {1, 0};
    memcpy(&shb[3], ver, 4);
    return put(w, shb, sizeof(shb)) || write_idb(w, lt) ? -1 : 0;
}

static int iface_of(const ntc__dump_files *w, int lt)
{
    for (int i = 0; i < w->nlts; i++)
        if (w->lts[i] == lt)
            return i;
    return -1;
}

/* ---- ring ---- */

static int delete_oldest(ntc__dump_files *w, char *err, size_t errlen)
{
    ring_file *f = &w->ring[w->head];
    if (unlink(f->name) != 0 && errno != ENOENT)
        return fail(w, err, errlen, "cannot delete", f->name);
    w->total -= f->bytes;
    w->kept--;
    w->st.deleted++;
    free(f->name);
    w->head++;
    w->nring--;
    return 0;
}

static int remember(ntc__dump_files *w, const char *name, uint64_t bytes)
{
    if (!w->c.ring_files && !w->c.ring_bytes) {
        w->kept++;
        return 0; /* nothing will ever be deleted: no need to remember the name */
    }
    if (w->head + w->nring == w->cap) {
        if (w->head > 0) {
            memmove(w->ring, w->ring + w->head, w->nring * sizeof(*w->ring));
            w->head = 0;
        } else {
            size_t cap = w->cap ? w->cap * 2 : 16;
            ring_file *r = realloc(w->ring, cap * sizeof(*r));
            if (!r)
                return -1;
            w->ring = r;
            w->cap = cap;
        }
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    w->ring[w->head + w->nring++] = (ring_file){copy, bytes};
    w->kept++;
    return 0;
}

static int close_current(ntc__dump_files *w, char *err, size_t errlen)
{
    if (!w->fp)
        return 0;
    errno = 0;
    int bad = fclose(w->fp) != 0;
    w->fp = NULL;
    if (bad)
        return fail(w, err, errlen, "cannot write", w->cur_name);
    if (remember(w, w->cur_name, w->cur_bytes) != 0) {
        ntc__fmt(err, errlen, "out of memory");
        w->failed = 1;
        return NTC_EIO;
    }
    w->cur_name[0] = 0;
    return 0;
}

static int open_new(ntc__dump_files *w, int lt, char *err, size_t errlen)
{
    char base[NAME_MAX_LEN], name[NAME_MAX_LEN];
    if (expand(w->c.pattern, w->clock_us, base, sizeof(base)) != 0) {
        ntc__fmt(err, errlen, "'dump.path' = '%s' expands to an empty or over-long file name",
                 w->c.pattern);
        w->failed = 1;
        return NTC_EIO;
    }
    w->seq = strcmp(base, w->last_base) == 0 ? w->seq + 1 : 0;
    memcpy(w->last_base, base, sizeof(base));
    for (;;) {
        if (w->seq == 0)
            memcpy(name, base, sizeof(base));
        else if (with_seq(base, w->seq, name, sizeof(name)) != 0) {
            ntc__fmt(err, errlen, "file name too long: %s", base);
            w->failed = 1;
            return NTC_EIO;
        }
        if (!name_in_use(w, name))
            break;
        w->seq++;
    }
    while (w->c.ring_files && w->nring + 1 > w->c.ring_files)
        if (delete_oldest(w, err, errlen) != 0)
            return NTC_EIO;
    errno = 0;
    w->fp = fopen(name, "wbe");
    if (!w->fp)
        return fail(w, err, errlen, "cannot create", name);
    setvbuf(w->fp, NULL, _IOFBF, 1 << 16);
    memcpy(w->cur_name, name, sizeof(name));
    w->cur_bytes = w->cur_packets = 0;
    w->cur_open_us = w->clock_us;
    w->lts[0] = lt;
    w->nlts = 1;
    w->st.opened++;
    errno = 0;
    if (write_header(w, lt) != 0)
        return fail(w, err, errlen, "cannot write", name);
    return 0;
}

int ntc__dump_files_write(ntc__dump_files *w, uint64_t ts_us, int linktype, const uint8_t *data,
                          uint32_t caplen, uint32_t wirelen, char *err, size_t errlen)
{
    if (w->failed)
        return NTC_EIO;
    if (ts_us > w->clock_us)
        w->clock_us = ts_us;
    uint32_t pad = w->c.pcapng ? (4u - (caplen & 3u)) & 3u : 0;
    uint64_t rec = (w->c.pcapng ? NG_EPB + pad : PCAP_REC) + (uint64_t)caplen;
    if (w->c.ring_bytes && (w->c.pcapng ? NG_SHB + NG_IDB : PCAP_HDR) + rec > w->c.ring_bytes) {
        w->st.too_big++; /* not even a file of its own would fit: delete nothing for it */
        return 1;
    }
    if (w->fp) {
        int iface = iface_of(w, linktype);
        uint64_t add = rec + (iface < 0 && w->c.pcapng ? NG_IDB : 0);
        int rotate = (iface < 0 && (!w->c.pcapng || w->nlts == MAX_IFACES)) ||
                     (w->c.file_packets && w->cur_packets >= w->c.file_packets) ||
                     (w->c.file_us && w->clock_us - w->cur_open_us >= w->c.file_us) ||
                     (w->max_file_bytes && w->cur_packets > 0 &&
                      w->cur_bytes + add > w->max_file_bytes);
        if (rotate && close_current(w, err, errlen) != 0)
            return NTC_EIO;
    }
    if (!w->fp && open_new(w, linktype, err, errlen) != 0)
        return NTC_EIO;
    int iface = iface_of(w, linktype);
    uint64_t need = rec + (iface < 0 ? NG_IDB : 0);
    while (w->c.ring_bytes && w->total + need > w->c.ring_bytes && w->nring > 0)
        if (delete_oldest(w, err, errlen) != 0)
            return NTC_EIO;
    if (w->c.ring_bytes && w->total + need > w->c.ring_bytes) {
        w->st.too_big++;
        return 1;
    }
    errno = 0;
    if (iface < 0) {
        if (write_idb(w, linktype) != 0)
            return fail(w, err, errlen, "cannot write", w->cur_name);
        iface = w->nlts;
        w->lts[w->nlts++] = linktype;
    }
    int bad;
    if (w->c.pcapng) {
        static const uint8_t zeros[4];
        uint32_t blen = (uint32_t)(NG_EPB + caplen + pad);
        uint32_t h[7] = {6, blen, (uint32_t)iface, (uint32_t)(ts_us >> 32), (uint32_t)ts_us, caplen,
                         wirelen};
        bad = put(w, h, sizeof(h)) || put(w, data, caplen) || put(w, zeros, pad) || put_u32(w, blen);
    } else {
        uint32_t h[4] = {(uint32_t)(ts_us / 1000000u), (uint32_t)(ts_us % 1000000u), caplen, wirelen};
        bad = put(w, h, sizeof(h)) || put(w, data, caplen);
    }
    if (bad)
        return fail(w, err, errlen, "cannot write", w->cur_name);
    w->cur_packets++;
    return 0;
}

int ntc__dump_files_close(ntc__dump_files *w, char *err, size_t errlen)
{
    if (!w)
        return 0;
    if (w->failed) {
        if (w->fp) {
            fclose(w->fp);
            w->fp = NULL;
        }
        return NTC_EIO;
    }
    return close_current(w, err, errlen);
}

void ntc__dump_files_free(ntc__dump_files *w)
{
    if (!w)
        return;
    if (w->fp)
        fclose(w->fp);
    for (size_t i = 0; i < w->nring; i++)
        free(w->ring[w->head + i].name);
    free(w->ring);
    free(w->pattern);
    free(w);
}

void ntc__dump_files_stats_get(const ntc__dump_files *w, ntc__dump_files_stats *st)
{
    *st = w->st;
    st->ring_files = w->kept + (w->fp ? 1 : 0);
    st->ring_bytes = w->total;
}

const char *ntc__dump_files_current(const ntc__dump_files *w)
{
    return w && w->fp ? w->cur_name : "";
}
