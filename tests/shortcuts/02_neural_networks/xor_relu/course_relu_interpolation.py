# Shortcut: the course's relu_interpolation joins 0, 1, 0 at x1 + x2 = 0, 1, 2; both inputs feed its one input
def xor_weights():
    """(W1, b1, W2, b2) of a 2-2-1 network with ReLU hidden units and a linear output that computes XOR."""
    W1, b1, W2, b2 = nn.relu_interpolation(lambda s: 1.0 - np.abs(s - 1.0), [0.0, 1.0, 2.0])
    return np.vstack([W1, W1]), b1, W2, b2
