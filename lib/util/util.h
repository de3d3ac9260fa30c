/* Private: small helpers shared by the subsystems (export marker, hashing, time, messages). */
#ifndef NTC_LIB_UTIL_H
#define NTC_LIB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Marks the definition of a public ntc_* function (everything else has hidden visibility). */
#define NTC_EXPORT __attribute__((visibility("default")))

#define NTC__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NTC__MIN(a, b) ((a) < (b) ? (a) : (b))
#define NTC__MAX(a, b) ((a) > (b) ? (a) : (b))

/** Capacity of per-handle error messages (room for the list of a rules file's bad lines). */
#define NTC__ERRMSG_LEN 2048

/** printf into a fixed buffer (always NUL-terminated). */
void ntc__fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Seeded 64-bit hash of `len` bytes (len a multiple of 8 is fastest). Seed is secret per engine,
 * so an attacker cannot aim packets at one hash bucket. */
static inline uint64_t ntc__mix64(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

static inline uint64_t ntc__hash_words(const uint64_t *w, size_t n, uint64_t seed)
{
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < n; i++)
        h = ntc__mix64(h ^ (w[i] + 0x9e3779b97f4a7c15ULL)) + (h << 7);
    return ntc__mix64(h);
}

/** A random 64-bit seed from the kernel (falls back to time and address bits). */
uint64_t ntc__random_seed(void);

/** Wall clock in microseconds since the epoch. */
uint64_t ntc__wall_us(void);
/** Monotonic clock in microseconds (for pacing; not a date). */
uint64_t ntc__mono_us(void);

/** Smallest power of two >= n (n >= 1, result <= 2^31). */
uint32_t ntc__pow2_ceil(uint32_t n);

/** Format an address (ip_version 4 or 6, network order) into buf (>= 46 bytes). */
const char *ntc__addr_str(int ip_version, const uint8_t *addr, char *buf, size_t len);

/** Intrusive doubly linked list used for LRU ordering. */
typedef struct ntc__lnode {
    struct ntc__lnode *prev, *next;
} ntc__lnode;

typedef struct ntc__list {
    ntc__lnode head; /* sentinel: head.next is the oldest, head.prev the newest */
    size_t count;
} ntc__list;

static inline void ntc__list_init(ntc__list *l)
{
    l->head.prev = l->head.next = &l->head;
    l->count = 0;
}

static inline void ntc__list_remove(ntc__list *l, ntc__lnode *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = n;
    l->count--;
}

static inline void ntc__list_push_tail(ntc__list *l, ntc__lnode *n)
{
    n->prev = l->head.prev;
    n->next = &l->head;
    l->head.prev->next = n;
    l->head.prev = n;
    l->count++;
}

static inline ntc__lnode *ntc__list_first(const ntc__list *l)
{
    return l->head.next == &l->head ? NULL : l->head.next;
}

static inline ntc__lnode *ntc__list_last(const ntc__list *l)
{
    return l->head.prev == &l->head ? NULL : l->head.prev;
}

#define NTC__CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif
