#include "strutil.h"

#include <ctype.h>
#include <string.h>

char *str_reverse(char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0, j = len ? len - 1 : 0; i < j; i++, j--) {
        char tmp = s[i];
        s[i] = s[j];
        s[j] = tmp;
    }
    return s;
}

size_t str_count_char(const char *s, char c)
{
    size_t count = 0;
    for (; *s; s++)
        if (*s == c)
            count++;
    return count;
}

char *str_trim(char *s)
{
    char *start = s;
    while (*start && isspace((unsigned char)*start))
        start++;
    size_t len = strlen(start);
    while (len > 0 && isspace((unsigned char)start[len - 1]))
        len--;
    memmove(s, start, len);
    s[len] = '\0';
    return s;
}

size_t str_word_count(const char *s)
{
    size_t words = 0;
    int in_word = 0;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    return words;
}

int str_is_palindrome(const char *s)
{
    const char *end = s + strlen(s);
    while (s < end) {
        if (!isalnum((unsigned char)*s)) {
            s++;
        } else if (!isalnum((unsigned char)end[-1])) {
            end--;
        } else {
            if (tolower((unsigned char)*s) != tolower((unsigned char)end[-1]))
                return 0;
            s++;
            end--;
        }
    }
    return 1;
}
