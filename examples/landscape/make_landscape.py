#!/usr/bin/env python3
"""Writes the loss landscape of a tiny network in the layout of the loss-landscape tool
(Li et al., NeurIPS 2018): the file nnq reads with [potential] file.

The network is y = a tanh(w x), weights q = (w, a), fitted to 8 noisy points of tanh(1.5 x).
Its mean squared error L(w, a) has two mirror minima, (w, a) and (-w, -a): the network does
not change when both weights change sign. The file holds xcoordinates (w), ycoordinates (a)
and train_loss declared (nx, ny) but filled as the tool fills it, y-major
(train_loss.ravel()[j * nx + i] = L(w_i, a_j)). Needs numpy and h5py only.

    python3 examples/landscape/make_landscape.py [OUT.h5]     # default: landscape.h5
"""
import sys

import h5py
import numpy as np


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "landscape.h5"
    rng = np.random.default_rng(2021)
    x = np.linspace(-2, 2, 8)
    y = np.tanh(1.5 * x) + 0.05 * rng.standard_normal(x.size)
    w = np.linspace(-6, 6, 121)  # the tool's usual linspace, nx != ny
    a = np.linspace(-5, 5, 101)
    W, A = np.meshgrid(w, a)     # shape (ny, nx): the tool's meshgrid
    pred = A[..., None] * np.tanh(W[..., None] * x)
    loss = ((pred - y) ** 2).mean(axis=-1)
    with h5py.File(out, "w") as f:
        f["xcoordinates"] = w
        f["ycoordinates"] = a
        # declared (nx, ny), buffer y-major: exactly what the tool's ravel() writes
        f.create_dataset("train_loss", data=loss.ravel().reshape(w.size, a.size))
    i = np.unravel_index(np.argmin(loss), loss.shape)
    print("%s: L on %d x %d weights, smallest %.4g at w = %.3g, a = %.3g (and its mirror)"
          % (out, w.size, a.size, loss.min(), w[i[1]], a[i[0]]))


if __name__ == "__main__":
    main()
