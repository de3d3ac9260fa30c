/* Packet dump to a TAP interface (Linux): each selected packet becomes an Ethernet frame written
 * to the interface, where Wireshark or tcpdump can watch it live. Frames of other link types get
 * a made-up Ethernet header. The descriptor is non-blocking: a frame the kernel does not take at
 * once is dropped (and counted by the caller), so capture never waits for a viewer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dump/dump.h"
#include "ntopcore/engine.h"
#include "ntopcore/error.h"
#include "util/util.h"

#ifdef __linux__
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define ETH_HDR 14u
#define FRAME_MAX (262144u + ETH_HDR)

struct ntc__dump_tap {
    int fd;
    uint8_t frame[FRAME_MAX];
};

int ntc__dump_tap_open(ntc__dump_tap **out, const char *name, char *err, size_t errlen)
{
    *out = NULL;
    if (!name[0] || strlen(name) >= IFNAMSIZ || strchr(name, '/')) {
        ntc__fmt(err, errlen, "'dump.tap' = '%s' is not an interface name (1 to %d characters)",
                 name, IFNAMSIZ - 1);
        return NTC_EINVAL;
    }
    ntc__dump_tap *t = calloc(1, sizeof(*t));
    if (!t) {
        ntc__fmt(err, errlen, "out of memory");
        return NTC_ENOMEM;
    }
    t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (t->fd < 0) {
        ntc__fmt(err, errlen, "TAP %s: cannot open /dev/net/tun: %s", name, strerror(errno));
        free(t);
        return NTC_EIO;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(t->fd, TUNSETIFF, &ifr) != 0) {
        ntc__fmt(err, errlen, "TAP %s: cannot attach or create it: %s%s", name, strerror(errno),
                 errno == EPERM ? " (needs CAP_NET_ADMIN, or a persistent TAP owned by this user)"
                                : errno == EINVAL || errno == EBUSY
                                      ? " (is it a TAP interface, not already in use?)"
                                      : "");
        ntc__dump_tap_close(t);
        return NTC_EIO;
    }
    /* Bring it up, unless it already is: writes to a TAP that is down fail. */
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int rc = 0;
    if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
        rc = -1;
    } else if (!(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    if (s >= 0)
        close(s);
    if (rc != 0) {
        ntc__fmt(err, errlen, "TAP %s: is down and cannot be brought up: %s", name, strerror(saved));
        ntc__dump_tap_close(t);
        return NTC_EIO;
    }
    *out = t;
    return 0;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethertype of a raw IP packet, from its version nibble (0 if neither). */
static uint16_t ip_ethertype(const uint8_t *p, uint32_t len)
{
    if (len < 1)
        return 0;
    return (p[0] >> 4) == 4 ? 0x0800 : (p[0] >> 4) == 6 ? 0x86DD : 0;
}

int ntc__dump_tap_send(ntc__dump_tap *t, int dir, int linktype, const uint8_t *data,
                       uint32_t caplen)
{
    const uint8_t *payload = data;
    uint32_t len = caplen;
    uint16_t type = 0;
    switch (linktype) {
    case NTC_LINKTYPE_ETHERNET:
        if (caplen < ETH_HDR)
            return -1;
        return write(t->fd, data, caplen) == (ssize_t)caplen ? 0 : -1;
    case NTC_LINKTYPE_RAW:
    case NTC_LINKTYPE_IPV4:
    case NTC_LINKTYPE_IPV6:
        type = ip_ethertype(data, caplen);
        break;
    case NTC_LINKTYPE_NULL:
    case NTC_LINKTYPE_LOOP:
        if (caplen < 4)
            return -1;
        payload = data + 4;
        len = caplen - 4;
        type = ip_ethertype(payload, len);
        break;
    case NTC_LINKTYPE_LINUX_SLL:
        if (caplen < 16)
            return -1;
        type = be16(data + 14);
        payload = data + 16;
        len = caplen - 16;
        break;
    case NTC_LINKTYPE_LINUX_SLL2:
        if (caplen < 20)
            return -1;
        type = be16(data);
        payload = data + 20;
        len = caplen - 20;
        break;
    default:
        return -1;
    }
    if (type < 0x0600 || len > FRAME_MAX - ETH_HDR)
        return -1; /* not an Ethernet type (802.2 frames of cooked captures): cannot be framed */
    static const uint8_t cli[6] = {2, 0, 0, 0, 0, 1}, srv[6] = {2, 0, 0, 0, 0, 2};
    memcpy(t->frame, dir == 1 ? cli : srv, 6);
    memcpy(t->frame + 6, dir == 1 ? srv : cli, 6);
    t->frame[12] = (uint8_t)(type >> 8);
    t->frame[13] = (uint8_t)type;
    memcpy(t->frame + ETH_HDR, payload, len);
    return write(t->fd, t->frame, ETH_HDR + len) == (ssize_t)(ETH_HDR + len) ? 0 : -1;
}

void ntc__dump_tap_close(ntc__dump_tap *t)
{
    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

#else /* not Linux */

struct ntc__dump_tap {
    int unused;
};

int ntc__dump_tap_open(ntc__dump_tap **out, const char *name, char *err, size_t errlen)
{
    *out = NULL;
    ntc__fmt(err, errlen, "TAP %s: TAP output is only supported on Linux", name);
    return NTC_ENOTSUP;
}

int ntc__dump_tap_send(ntc__dump_tap *t, int dir, int linktype, const uint8_t *data,
                       uint32_t caplen)
{
    (void)t, (void)dir, (void)linktype, (void)data, (void)caplen;
    return -1;
}

void ntc__dump_tap_close(ntc__dump_tap *t)
{
    free(t);
}

#endif
