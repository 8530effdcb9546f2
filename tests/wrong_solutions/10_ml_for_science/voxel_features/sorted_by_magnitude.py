# Wrong: sorts the eigenvalues by absolute value (|l1| <= |l2| <= |l3|, as in vesselness filters), not ascending.
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
                hessian[..., i, j] = hessian[..., j, i] = s**2 * ndimage.gaussian_filter(v, s, order=order)
        eig = np.linalg.eigvalsh(hessian).reshape(-1, 3)
        columns.append(np.take_along_axis(eig, np.argsort(np.abs(eig), axis=1), axis=1))
    return np.column_stack(columns)
