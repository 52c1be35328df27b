#include "mathutil.h"

#include <math.h>

long math_gcd(long a, long b)
{
    if (a < 0)
        a = -a;
    if (b < 0)
        b = -b;
    while (b != 0) {
        long r = a % b;
        a = b;
        b = r;
    }
    return a;
}

long math_lcm(long a, long b)
{
    if (a == 0 || b == 0)
        return 0;
    long l = a / math_gcd(a, b) * b;
    return l < 0 ? -l : l;
}

int math_is_prime(long n)
{
    if (n < 2)
        return 0;
    if (n % 2 == 0)
        return n == 2;
    for (long d = 3; d <= n / d; d += 2)
        if (n % d == 0)
            return 0;
    return 1;
}

double math_mean(const double *values, size_t n)
{
    if (n == 0)
        return 0.0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += values[i];
    return sum / (double)n;
}

double math_stddev(const double *values, size_t n)
{
    if (n < 2)
        return 0.0;
    double mean = math_mean(values, n);
    double sq = 0.0;
    for (size_t i = 0; i < n; i++)
        sq += (values[i] - mean) * (values[i] - mean);
    return sqrt(sq / (double)n);
}
