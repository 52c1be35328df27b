"""textstats: small, dependency-free statistics about plain text.

>>> word_count("The cat sat on the mat.")
6
>>> top_words("the cat and the hat", n=1)
[('the', 2)]
"""

import re
from collections import Counter

__all__ = ["words", "word_count", "average_word_length", "top_words", "reading_time"]
__version__ = "0.1.0"

_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")


def words(text: str) -> list[str]:
    """The words of `text`, lower-cased, punctuation dropped.

    >>> words("Don't panic: it's only 42!")
    ["don't", 'panic', "it's", 'only', '42']
    """
    return [match.group(0).lower() for match in _WORD_RE.finditer(text)]


def word_count(text: str) -> int:
    """How many words `text` has.

    >>> word_count("")
    0
    >>> word_count("one, two;  three")
    3
    """
    return len(words(text))


def average_word_length(text: str) -> float:
    """The mean length of the words in `text` (0.0 when it has none).

    >>> average_word_length("to be or not")
    2.25
    """
    found = words(text)
    if not found:
        return 0.0
    return sum(len(word) for word in found) / len(found)


def top_words(text: str, n: int = 3) -> list[tuple[str, int]]:
    """The `n` most common words with their counts; ties in order of first use.

    >>> top_words("b a b c a b", n=2)
    [('b', 3), ('a', 2)]
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    return Counter(words(text)).most_common(n)


def reading_time(text: str, words_per_minute: int = 200) -> float:
    """Minutes needed to read `text` at `words_per_minute`, to one decimal.

    >>> reading_time("word " * 300)
    1.5
    """
    if words_per_minute <= 0:
        raise ValueError("words_per_minute must be more than 0")
    return round(word_count(text) / words_per_minute, 1)
