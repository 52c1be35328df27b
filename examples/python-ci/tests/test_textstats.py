"""Unit tests for textstats (stdlib unittest; run from the example's directory
with PYTHONPATH=src, as the `test` job does)."""

import os
import unittest
from pathlib import Path

import textstats

FIXTURE = os.environ.get("TEXTSTATS_FIXTURE", "")


class WordsTest(unittest.TestCase):
    def test_lowercases_and_drops_punctuation(self):
        self.assertEqual(textstats.words("Hello, World!"), ["hello", "world"])

    def test_keeps_apostrophes_and_numbers(self):
        self.assertEqual(textstats.words("It's 2024"), ["it's", "2024"])

    def test_empty(self):
        self.assertEqual(textstats.words(""), [])
        self.assertEqual(textstats.word_count("  ...  "), 0)


class StatsTest(unittest.TestCase):
    def test_word_count(self):
        self.assertEqual(textstats.word_count("a b\tc\nd"), 4)

    def test_average_word_length(self):
        self.assertAlmostEqual(textstats.average_word_length("ab abcd"), 3.0)
        self.assertEqual(textstats.average_word_length(""), 0.0)

    def test_top_words_orders_by_count_then_first_use(self):
        self.assertEqual(textstats.top_words("x y y z z", n=2), [("y", 2), ("z", 2)])
        self.assertEqual(textstats.top_words("x", n=0), [])

    def test_top_words_rejects_negative_n(self):
        with self.assertRaises(ValueError):
            textstats.top_words("x", n=-1)

    def test_reading_time(self):
        self.assertEqual(textstats.reading_time("w " * 100, words_per_minute=100), 1.0)
        with self.assertRaises(ValueError):
            textstats.reading_time("w", words_per_minute=0)


@unittest.skipUnless(FIXTURE and Path(FIXTURE).is_file(),
                     "fixture not fetched (run the fetch-fixtures job)")
class FixtureTest(unittest.TestCase):
    """Checks against the fetched corpus (A Tale of Two Cities, first sentence)."""

    def setUp(self):
        self.text = Path(FIXTURE).read_text(encoding="utf-8")

    def test_counts(self):
        self.assertEqual(textstats.word_count(self.text), 60)

    def test_most_common(self):
        expected = [("it", 10), ("was", 10), ("the", 10)]
        self.assertEqual(textstats.top_words(self.text, n=3), expected)


if __name__ == "__main__":
    unittest.main()
