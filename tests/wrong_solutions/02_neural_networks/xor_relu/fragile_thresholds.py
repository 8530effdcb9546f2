# Wrong: exact at the four corners, but the hidden thresholds sit right next to them, so (0.85, 0) is misclassified
def xor_weights():
    """(W1, b1, W2, b2) of a 2-2-1 network with ReLU hidden units and a linear output that computes XOR."""
    W1 = np.array([[10.0, 10.0],
                   [10.0, 10.0]])
    b1 = np.array([-9.0, -11.0])
    W2 = np.array([[1.0], [-11.0 / 9.0]])
    b2 = np.array([0.0])
    return W1, b1, W2, b2
