# Wrong: feature order grouped by sigma (smoothed value, l1, l2, l3 for each sigma) instead of all smoothed values first.
def voxel_features(volume, sigmas):
    """Per voxel: Gaussian-smoothed value per sigma, then sorted eigenvalues of sigma^2 * Hessian per sigma."""
    v = np.asarray(volume, dtype=np.float64)
    columns = []
    for s in sigmas:
        columns.append(ndimage.gaussian_filter(v, s).ravel())
        hessian = np.empty(v.shape + (3, 3))
        for i in range(3):
            for j in range(i, 3):
                order = [0, 0, 0]
                order[i] += 1
                order[j] += 1
                hessian[..., i, j] = hessian[..., j, i] = s**2 * ndimage.gaussian_filter(v, s, order=order)
        columns.append(np.linalg.eigvalsh(hessian).reshape(-1, 3))
    return np.column_stack(columns)
