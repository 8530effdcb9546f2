# Wrong: the reducer overwrites a word's count with the last value instead of adding.
def map_words(line: str) -> list[tuple[str, int]]:
    """Map step of a word count: one (word, 1) pair per whitespace-separated word of `line`."""
    return [(word, 1) for word in line.split()]


def reduce_counts(pairs) -> dict[str, int]:
    """Reduce step of a word count: the sum of the counts of each word, as a dict."""
    counts = {}
    for word, count in pairs:
        counts[word] = count
    return counts
