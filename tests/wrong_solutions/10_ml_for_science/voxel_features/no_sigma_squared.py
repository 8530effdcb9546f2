# Wrong: forgets the sigma**2 scale normalisation of the Hessian.
def voxel_features(volume, sigmas):
    """Per voxel: Gaussian-smoothed value per sigma, then sorted eigenvalues of sigma^2 * Hessian per sigma."""
    v = np.asarray(volume, dtype=np.float64)
    columns = [ndimage.gaussian_filter(v, s).ravel() for s in sigmas]
    for s in sigmas:
        hessian = np.empty(v.shape + (3, 3))
        for i in range(3):
            for j in range(i, 3):
                order = [0, 0, 0]
                order[i] += 1
                order[j] += 1
                hessian[..., i, j] = hessian[..., j, i] = ndimage.gaussian_filter(v, s, order=order)
        columns.append(np.linalg.eigvalsh(hessian).reshape(-1, 3))
    return np.column_stack(columns)
