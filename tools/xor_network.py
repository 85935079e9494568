#!/usr/bin/env python3
"""The Madelung description on a real network's landscape, under refinement.

A 2-2-1 tanh network y = w2 . tanh(W1 x + b1) + b2 (9 weights) is trained by gradient
descent on XOR-like data (4 noisy clusters, label sign(x1 x2)). Swapping its two hidden units
gives the same network, so the loss has two mirror minima theta* and P theta*. The plane

    theta(alpha, beta) = c + alpha d1 + beta d2,  c = (theta* + P theta*) / 2,
                                                  d1 = (theta* - P theta*) / 2

holds both (alpha = +-1); d2 is a random direction made symmetric under the swap and
filter-normalised (each hidden unit's incoming weights and bias scaled to the mean norm of
the trained units', the output layer to the trained output layer's), so that
L(alpha, beta) = L(-alpha, beta) exactly. V = 0.5 L + 0.07 |theta|^2 (weight decay), written
as the file's L (the loss-landscape tool's layout) plus the decay as an expression of alpha
and beta. hbar = 0.25 (or HBAR), m = 1 (gamma = 0.5).

For a grid of N0 x N1 points on [-3, 3) x [-2, 2) it writes, into DIR:
  xor_landscape.h5   L at the grid's own points (the tool's layout)
  xor.ini            the run's config (the potential form; --set to change)
  ground.h5          the ground state phi0 (datasets p, F, q0, q1)
  tunnel.h5          (phi0 + 0.4 phi1) / sqrt(1.16): 0.78 of the mass in the alpha < 0 basin
and prints the four lowest energies, the residuals |H phi - E phi| / |phi| and the
tunnelling period 2 pi hbar / (E1 - E0). The eigenstates are those of nnq's own discrete H
(spectral Laplacian, V at the grid points), found by block imaginary time then a
preconditioned block Rayleigh-Ritz (LOBPCG without its history) to residual 1e-10.
Needs numpy and h5py only.

    python3 tools/xor_network.py DIR N0 N1 [HBAR]   (HBAR: 0.25 unless given)
"""
import os
import sys

import h5py
import numpy as np

HBAR, MASS, SCALE, DECAY, C = 0.25, 1.0, 0.5, 0.07, 0.4
QMAX = (3.0, 2.0)


def unpack(t):
    return t[..., 0:4].reshape(t.shape[:-1] + (2, 2)), t[..., 4:6], t[..., 6:8], t[..., 8]


def swap(t):
    W, b, w2, b2 = unpack(t)
    return np.concatenate([W[::-1].ravel(), b[::-1], w2[::-1], [b2]])


def network():
    rng = np.random.default_rng(7)
    X = np.concatenate([rng.normal([sx, sy], 0.2, (6, 2)) for sx in (-1, 1) for sy in (-1, 1)])
    Y = np.sign(X[:, 0] * X[:, 1])
    t = rng.normal(0, 0.5, 9)
    for _ in range(20000):  # gradient descent on the mean squared error
        W, b, w2, b2 = unpack(t)
        H = np.tanh(X @ W.T + b)
        e = 2 * (H @ w2 + b2 - Y) / len(Y)
        dH = np.outer(e, w2) * (1 - H**2)
        t = t - 0.1 * np.concatenate([(dH.T @ X).ravel(), dH.sum(0), H.T @ e, [e.sum()]])
    c, d1 = (t + swap(t)) / 2, (t - swap(t)) / 2
    r = rng.normal(size=9)
    r = (r + swap(r)) / 2
    W, b, w2, b2 = unpack(r)
    Wt, bt, w2t, b2t = unpack(t)
    unit = np.mean(np.hypot(np.linalg.norm(Wt, axis=1), bt))
    hid = unit / np.hypot(np.linalg.norm(W, axis=1), b)
    out = np.linalg.norm(np.r_[w2t, b2t]) / np.linalg.norm(np.r_[w2, b2])
    d2 = np.concatenate([(W * hid[:, None]).ravel(), b * hid, w2 * out, [b2 * out]])
    return X, Y, c, d1, d2


def loss(X, Y, T):
    W, b, w2, b2 = unpack(T)
    Z = np.einsum("...ij,nj->...ni", W, X) + b[..., None, :]
    yh = np.einsum("...ni,...i->...n", np.tanh(Z), w2) + b2[..., None]
    return ((yh - Y) ** 2).mean(-1)


def eigenstates(V, dq, k=4):
    n = V.shape
    K2 = sum(np.meshgrid(*[(2 * np.pi * np.fft.fftfreq(n[a], dq[a])) ** 2 for a in range(2)],
                         indexing="ij"))
    T = HBAR**2 / (2 * MASS) * K2
    H = lambda f: np.fft.ifft2(T * np.fft.fft2(f)).real + V * f
    half = np.exp(-0.01 * (V - V.min()) / HBAR)
    kin = np.exp(-0.02 * T / HBAR)
    P = np.random.default_rng(0).normal(size=(k,) + n)

    def ritz(B):
        Q, _ = np.linalg.qr(B.reshape(len(B), -1).T)
        B = Q.T.reshape((-1,) + n)
        HB = np.array([H(f) for f in B])
        M = np.einsum("iab,jab->ij", B, HB)
        e, U = np.linalg.eigh(0.5 * (M + M.T))
        return e[:k], np.einsum("ji,jab->iab", U[:, :k], B), np.einsum("ji,jab->iab", U[:, :k], HB)

    for it in range(1500):  # imaginary time: into the lowest k states' span
        P = np.array([half * np.fft.ifft2(kin * np.fft.fft2(half * f)).real for f in P])
        if it % 25 == 24:
            e, P, _ = ritz(P)
    shift = np.abs(V).mean()
    for it in range(200):  # preconditioned Rayleigh-Ritz: to the eigenstates of this H
        e, P, HP = ritz(P)
        R = HP - e[:, None, None] * P
        res = np.sqrt((R**2).sum(axis=(1, 2)))
        if res.max() < 1e-10:
            break
        W = np.array([np.fft.ifft2(np.fft.fft2(r) / (T + shift)).real for r in R])
        P = np.concatenate([P, W])
    P = P / np.sqrt((P**2).sum(axis=(1, 2)) * dq[0] * dq[1])[:, None, None]
    return e, P, res


def write_state(path, psi, q):
    with h5py.File(path, "w") as f:
        f["p"] = psi**2
        f["F"] = np.where(psi < 0, np.pi * HBAR, 0.0)
        for a, x in enumerate(q):
            f["q%d" % a] = x


def main():
    global HBAR
    out, n = sys.argv[1], (int(sys.argv[2]), int(sys.argv[3]))
    if len(sys.argv) > 4:
        HBAR = float(sys.argv[4])
    os.makedirs(out, exist_ok=True)
    X, Y, c, d1, d2 = network()
    q = [np.linspace(-QMAX[a], QMAX[a], n[a], endpoint=False) for a in range(2)]
    dq = [2 * QMAX[a] / n[a] for a in range(2)]
    A, B = np.meshgrid(*q, indexing="ij")
    L = loss(X, Y, c + A[..., None] * d1 + B[..., None] * d2)
    # |theta|^2 on the plane: c.d1 = d1.d2 = 0 (the swap's symmetry)
    k0, k1, k2, k3 = c @ c, d1 @ d1, d2 @ d2, 2 * c @ d2
    V = SCALE * L + DECAY * (k0 + k1 * A**2 + k2 * B**2 + k3 * B)
    with h5py.File(os.path.join(out, "xor_landscape.h5"), "w") as f:
        f["xcoordinates"], f["ycoordinates"] = q[0], q[1]
        f["train_loss"] = L.T.ravel().reshape(n)  # the tool's y-major buffer, declared (nx, ny)
    with open(os.path.join(out, "xor.ini"), "w") as f:
        f.write(f"""; A 2-2-1 tanh network on XOR-like data (tools/xor_network.py): the plane through
; its trained weights and their hidden-unit swap, V = {SCALE} L + weight decay {DECAY} |theta|^2.
[run]
dt         = 2e-3
t_end      = 8
diag_every = 50
snapshot_every = 0

[grid]
n     = {n[0]}, {n[1]}
qmin  = {-QMAX[0]}, {-QMAX[1]}
qmax  = {QMAX[0]}, {QMAX[1]}
names = alpha, beta

[network]
mu      = {HBAR}
epsilon = 1
gamma   = 0.5

[potential]
file = xor_landscape.h5
order = tool
V    = {SCALE} * L + {DECAY} * ({k0!r} + {k1!r} * alpha^2 + {k2!r} * beta^2 + {k3!r} * beta)

[initial]
file = ground.h5

[madelung]
form = potential

[output]
file = xor_run.h5
""")
    e, P, res = eigenstates(V, dq)
    phi0 = P[0] * np.sign(P[0].sum())
    phi1 = P[1] * np.sign((P[1] * (A < 0)).sum())
    write_state(os.path.join(out, "ground.h5"), phi0, q)
    psi = (phi0 + C * phi1) / np.sqrt(1 + C**2)
    write_state(os.path.join(out, "tunnel.h5"), psi, q)
    left = (psi**2 * (A < 0)).sum() * dq[0] * dq[1]
    print("E = %s, residuals %s, period 2 pi hbar / (E1 - E0) = %.4f, left-basin mass %.4f"
          % (np.array2string(e, precision=10), np.array2string(res, precision=2),
             2 * np.pi * HBAR / (e[1] - e[0]), left))


if __name__ == "__main__":
    main()
