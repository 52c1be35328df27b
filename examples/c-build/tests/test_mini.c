/* Unit tests for libmini: plain assert(), one function per area.
 * Built without -DNDEBUG so the asserts are always checked. */
#undef NDEBUG
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mathutil.h"
#include "strutil.h"

static int close_to(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

static void test_reverse(void)
{
    char empty[] = "";
    char one[] = "x";
    char word[] = "hello";
    char even[] = "abcd";
    assert(strcmp(str_reverse(empty), "") == 0);
    assert(strcmp(str_reverse(one), "x") == 0);
    assert(strcmp(str_reverse(word), "olleh") == 0);
    assert(strcmp(str_reverse(even), "dcba") == 0);
}

static void test_count_and_words(void)
{
    assert(str_count_char("banana", 'a') == 3);
    assert(str_count_char("banana", 'z') == 0);
    assert(str_word_count("") == 0);
    assert(str_word_count("   ") == 0);
    assert(str_word_count("one") == 1);
    assert(str_word_count("  two words  ") == 2);
    assert(str_word_count("tabs\tand\nnewlines too") == 4);
}

static void test_trim(void)
{
    char padded[] = " \t padded text \n";
    char blank[] = "   ";
    char clean[] = "clean";
    assert(strcmp(str_trim(padded), "padded text") == 0);
    assert(strcmp(str_trim(blank), "") == 0);
    assert(strcmp(str_trim(clean), "clean") == 0);
}

static void test_palindrome(void)
{
    assert(str_is_palindrome(""));
    assert(str_is_palindrome("racecar"));
    assert(str_is_palindrome("Never odd or even"));
    assert(str_is_palindrome("A man, a plan, a canal: Panama!"));
    assert(!str_is_palindrome("palindrome"));
}

static void test_gcd_lcm(void)
{
    assert(math_gcd(12, 18) == 6);
    assert(math_gcd(-12, 18) == 6);
    assert(math_gcd(0, 5) == 5);
    assert(math_gcd(0, 0) == 0);
    assert(math_lcm(4, 6) == 12);
    assert(math_lcm(-4, 6) == 12);
    assert(math_lcm(0, 6) == 0);
}

static void test_primes(void)
{
    static const long primes[] = {2, 3, 5, 7, 11, 13, 97, 7919};
    static const long composites[] = {-7, 0, 1, 4, 9, 15, 91, 7917};
    for (size_t i = 0; i < sizeof primes / sizeof *primes; i++)
        assert(math_is_prime(primes[i]));
    for (size_t i = 0; i < sizeof composites / sizeof *composites; i++)
        assert(!math_is_prime(composites[i]));
}

static void test_stats(void)
{
    const double values[] = {2, 4, 4, 4, 5, 5, 7, 9};
    size_t n = sizeof values / sizeof *values;
    assert(close_to(math_mean(values, n), 5.0));
    assert(close_to(math_stddev(values, n), 2.0));
    assert(close_to(math_mean(values, 0), 0.0));
    assert(close_to(math_stddev(values, 1), 0.0));
}

int main(void)
{
    struct {
        const char *name;
        void (*run)(void);
    } tests[] = {
        {"reverse", test_reverse},     {"count_and_words", test_count_and_words},
        {"trim", test_trim},           {"palindrome", test_palindrome},
        {"gcd_lcm", test_gcd_lcm},     {"primes", test_primes},
        {"stats", test_stats},
    };
    size_t count = sizeof tests / sizeof *tests;
    for (size_t i = 0; i < count; i++) {
        tests[i].run();
        printf("ok %zu - %s\n", i + 1, tests[i].name);
    }
    printf("1..%zu: all tests passed\n", count);
    return 0;
}
