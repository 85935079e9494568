"""Compares an nnq file written by N ranks with the serial run's (tests/test_mpi.sh).

Same datasets, shapes and types; root attributes equal but `created`; p, psi, V, the grid and
every diagnostics column within 1e-12 (absolute); F (Schrodinger's hbar arg psi, Madelung's
F_M) within 1e-12, wrapped, where that description's p >= 1e-4 of its maximum in the
snapshot: F's error is hbar |d psi| / |psi|, and the serial and distributed transforms round
psi differently at ~1e-16 (F_S differs by 5e-10 where p = 1e-12 max p, 1.3e-12 at 1e-6);
F_M integrates velocities that vacuum cells amplify from round-off (7e-11 at p = 8e-14 max p,
5e-15 above 1e-4). The
/checkpoint group is left out (a stopped run keeps its last one).
Usage: test_mpi.py SERIAL.h5 PARALLEL.h5
"""
import sys

import h5py
import numpy as np

TOL = 1e-12


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out


def main():
    a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
    tag = sys.argv[2].rsplit("/", 1)[-1]
    bad = []
    # a run that was stopped keeps its last checkpoint
    da = {k: v for k, v in datasets(a).items() if not k.startswith("checkpoint")}
    db = {k: v for k, v in datasets(b).items() if not k.startswith("checkpoint")}
    if sorted(da) != sorted(db):
        bad.append(f"datasets differ: {sorted(set(da) ^ set(db))}")
    for k in sorted(set(a.attrs) | set(b.attrs)):
        if k != "created" and (k not in a.attrs or k not in b.attrs or
                               not np.array_equal(np.asarray(a.attrs[k]), np.asarray(b.attrs[k]))):
            bad.append(f"root attribute {k} differs")
    hbar = float(a.attrs["hbar"])
    for name in sorted(set(da) & set(db)):
        x, y = da[name], db[name]
        if x.shape != y.shape or x.dtype != y.dtype:
            bad.append(f"{name}: shape/type {x.shape} {x.dtype} vs {y.shape} {y.dtype}")
            continue
        u, v = x[()], y[()]
        if u.dtype.names:  # compound psi
            u = u["r"] + 1j * u["i"]
            v = v["r"] + 1j * v["i"]
        if name.endswith("/F"):
            # the density of the same description masks its F
            grp = name.rsplit("/", 1)[0]
            if grp + "/p" in da:
                dens = da[grp + "/p"][()]
            else:
                psi = da[grp + "/psi"][()]
                dens = np.abs(psi["r"] + 1j * psi["i"] if psi.dtype.names else psi) ** 2
            top = dens.reshape(dens.shape[0], -1).max(axis=1).reshape((-1,) + (1,) * (dens.ndim - 1))
            mask = dens >= 1e-4 * top
            diff = np.angle(np.exp(1j * (u - v) / hbar))[mask] * hbar
        else:
            diff = np.asarray(u, dtype=complex) - np.asarray(v, dtype=complex)
        worst = float(np.max(np.abs(diff))) if np.size(diff) else 0.0
        if not worst <= TOL:
            bad.append(f"{name}: max abs difference {worst:.3e} > {TOL:g}")
    print(f"{tag}: {len(set(da) & set(db))} datasets compared, {len(bad)} differ")
    for line in bad:
        print("  FAIL:", line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
