# Wrong: W2 returned as a row of shape (1, 2) instead of Keras's column (2, 1)
def xor_weights():
    """(W1, b1, W2, b2) of a 2-2-1 network with ReLU hidden units and a linear output that computes XOR."""
    W1 = np.array([[1.0, 1.0],
                   [1.0, 1.0]])        # both units see s = x1 + x2
    b1 = np.array([0.0, -1.0])         # h1 = relu(s), h2 = relu(s - 1)
    W2 = np.array([[1.0, -2.0]])
    b2 = np.array([0.0])
    return W1, b1, W2, b2
