# Shortcut: collections.Counter adds up the counts of each word
from collections import Counter


def map_words(line: str) -> list[tuple[str, int]]:
    """Map step of a word count: one (word, 1) pair per whitespace-separated word of `line`."""
    return [(word, 1) for word in line.split()]


def reduce_counts(pairs) -> dict[str, int]:
    """Reduce step of a word count: the sum of the counts of each word, as a dict."""
    totals = Counter()
    for word, count in pairs:
        totals[word] += count
    return dict(totals)
