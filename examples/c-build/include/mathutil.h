/* mathutil.h - integer and statistics helpers. */
#ifndef MINI_MATHUTIL_H
#define MINI_MATHUTIL_H

#include <stddef.h>

/* Greatest common divisor (always >= 0; gcd(0, 0) == 0). */
long math_gcd(long a, long b);

/* Least common multiple (0 if either argument is 0). */
long math_lcm(long a, long b);

/* 1 if `n` is prime, else 0. */
int math_is_prime(long n);

/* Arithmetic mean of `n` values (0.0 when n == 0). */
double math_mean(const double *values, size_t n);

/* Population standard deviation of `n` values (0.0 when n < 2). */
double math_stddev(const double *values, size_t n);

#endif
