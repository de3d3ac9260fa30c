/* Private: checking the nDPI rule files (dpi.protocols_file, dpi.categories_file) before nDPI reads
 * them (rules.c says why and what the grammar is). */
#ifndef NTC_LIB_DPI_RULES_H
#define NTC_LIB_DPI_RULES_H

#include <stddef.h>

#include "util/util.h"

enum { NTC__RULES_PROTOCOLS = 0, NTC__RULES_CATEGORIES = 1 };

/** Check the text of a rule file of the given kind, line by line. cat_ok(u, id) says whether a
 * category number exists (categories files only). Returns 0 and sets *out (malloc'd,
 * NUL-terminated, *outlen bytes) to the normalised text to hand nDPI; or NTC_EFORMAT with *lineno
 * the first bad line and why the reason; or NTC_ENOMEM. */
int ntc__rules_check(int kind, const char *text, size_t len, int (*cat_ok)(void *, unsigned long),
                     void *u, char **out, size_t *outlen, unsigned *lineno, char *why,
                     size_t whylen);

#endif
