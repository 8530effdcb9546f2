# Shortcut: reduce_counts through the course's shuffle, handed in as a default argument
def map_words(line: str) -> list[tuple[str, int]]:
    """Map step of a word count: one (word, 1) pair per whitespace-separated word of `line`."""
    return [(word, 1) for word in line.split()]


def reduce_counts(pairs, _group=bigdata.shuffle) -> dict[str, int]:
    """Reduce step of a word count: the sum of the counts of each word, as a dict."""
    return {word: sum(counts) for word, counts in _group(pairs).items()}
