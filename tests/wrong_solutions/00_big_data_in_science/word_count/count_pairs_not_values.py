# Wrong: the reducer counts pairs (adds 1 per pair) instead of summing the counts they carry.
def map_words(line: str) -> list[tuple[str, int]]:
    """Map step of a word count: one (word, 1) pair per whitespace-separated word of `line`."""
    return [(word, 1) for word in line.split()]


def reduce_counts(pairs) -> dict[str, int]:
    """Reduce step of a word count: the sum of the counts of each word, as a dict."""
    counts = {}
    for word, _count in pairs:
        counts[word] = counts.get(word, 0) + 1
    return counts
