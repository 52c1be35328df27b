/* strutil.h - small, allocation-free string helpers. */
#ifndef MINI_STRUTIL_H
#define MINI_STRUTIL_H

#include <stddef.h>

/* Reverse `s` in place and return it. */
char *str_reverse(char *s);

/* Number of times `c` occurs in `s`. */
size_t str_count_char(const char *s, char c);

/* Strip leading and trailing ASCII whitespace from `s` in place; returns `s`. */
char *str_trim(char *s);

/* Number of whitespace-separated words in `s`. */
size_t str_word_count(const char *s);

/* 1 if `s` reads the same backwards, ignoring case and non-alphanumerics. */
int str_is_palindrome(const char *s);

#endif
