/* minicalc - a command-line front end for libmini.
 *
 *   minicalc gcd 12 18          -> 6
 *   minicalc lcm 4 6            -> 12
 *   minicalc prime 97           -> yes
 *   minicalc mean 1 2 3 4       -> 2.5
 *   minicalc stddev 2 4 4 4 5 5 7 9 -> 2
 *   minicalc reverse hello      -> olleh
 *   minicalc words "a b  c"     -> 3
 *   minicalc palindrome "Never odd or even" -> yes
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mathutil.h"
#include "strutil.h"

#define MAX_VALUES 256

static void usage(FILE *out)
{
    fputs("usage: minicalc COMMAND ARGS...\n"
          "commands:\n"
          "  gcd A B | lcm A B | prime N\n"
          "  mean X... | stddev X...\n"
          "  reverse TEXT | words TEXT | palindrome TEXT\n",
          out);
}

static int parse_long(const char *text, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') {
        fprintf(stderr, "minicalc: '%s' is not a whole number\n", text);
        return 0;
    }
    return 1;
}

static int parse_values(int argc, char **argv, double *values, size_t *n)
{
    if (argc < 1 || argc > MAX_VALUES) {
        fprintf(stderr, "minicalc: give between 1 and %d numbers\n", MAX_VALUES);
        return 0;
    }
    for (int i = 0; i < argc; i++) {
        char *end;
        errno = 0;
        values[i] = strtod(argv[i], &end);
        if (errno != 0 || end == argv[i] || *end != '\0') {
            fprintf(stderr, "minicalc: '%s' is not a number\n", argv[i]);
            return 0;
        }
    }
    *n = (size_t)argc;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    int nargs = argc - 2;
    char **args = argv + 2;

    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if ((strcmp(cmd, "gcd") == 0 || strcmp(cmd, "lcm") == 0) && nargs == 2) {
        long a, b;
        if (!parse_long(args[0], &a) || !parse_long(args[1], &b))
            return 1;
        printf("%ld\n", cmd[0] == 'g' ? math_gcd(a, b) : math_lcm(a, b));
        return 0;
    }
    if (strcmp(cmd, "prime") == 0 && nargs == 1) {
        long n;
        if (!parse_long(args[0], &n))
            return 1;
        puts(math_is_prime(n) ? "yes" : "no");
        return 0;
    }
    if (strcmp(cmd, "mean") == 0 || strcmp(cmd, "stddev") == 0) {
        double values[MAX_VALUES];
        size_t n;
        if (!parse_values(nargs, args, values, &n))
            return 1;
        printf("%g\n", cmd[0] == 'm' ? math_mean(values, n) : math_stddev(values, n));
        return 0;
    }
    if (strcmp(cmd, "reverse") == 0 && nargs == 1) {
        puts(str_reverse(args[0]));
        return 0;
    }
    if (strcmp(cmd, "words") == 0 && nargs == 1) {
        printf("%zu\n", str_word_count(args[0]));
        return 0;
    }
    if (strcmp(cmd, "palindrome") == 0 && nargs == 1) {
        puts(str_is_palindrome(args[0]) ? "yes" : "no");
        return 0;
    }
    fprintf(stderr, "minicalc: unknown command or wrong number of arguments: %s\n", cmd);
    usage(stderr);
    return 2;
}
