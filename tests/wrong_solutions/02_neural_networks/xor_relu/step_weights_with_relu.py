# Wrong: the step network's OR/AND weights reused with ReLU units: outputs -0.5, 0, 0, -0.5
def xor_weights():
    """(W1, b1, W2, b2) of a 2-2-1 network with ReLU hidden units and a linear output that computes XOR."""
    W1 = np.array([[1.0, 1.0],
                   [1.0, 1.0]])        # both units see s = x1 + x2
    b1 = np.array([-0.5, -1.5])
    W2 = np.array([[1.0], [-1.0]])
    b2 = np.array([-0.5])
    return W1, b1, W2, b2
