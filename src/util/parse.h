/* parse.h — numbers and sizes as people write them, for options and recipe values. */
#ifndef DARTMK_PARSE_H
#define DARTMK_PARSE_H

#include <stdint.h>

/* Parses a decimal integer in [min, max]: digits only (a leading '-' when min < 0; no spaces,
 * no '+'). Returns 0 or -1. */
int dm_parse_int(const char *s, long min, long max, long *out);
/* Parses a size: decimal bytes, or with a K, M, G or T suffix (powers of 1024): "64M", "1G".
 * Returns 0 or -1. */
int dm_parse_size(const char *s, uint64_t *out);

#endif
