"""h5py reads an nnq file as docs/output.md documents it: psi as complex128 of shape
(snapshots, n0, n1), p and F, the grid, the Madelung group, every diagnostics column by name,
the root attributes. Usage: python3 test_h5py.py FILE.h5 (a 2D run with the Madelung solver)."""
import sys

try:
    import h5py
    import numpy as np
except ImportError:
    print("skipped: python3-h5py not installed")
    sys.exit(77)

f = h5py.File(sys.argv[1], "r")
failed = 0


def check(what, ok):
    global failed
    print("%s %s" % ("ok" if ok else "FAILED", what))
    failed += not ok


n0, n1 = (int(v) for v in f.attrs["n"])
S = len(f["snapshots/t"])
psi = f["schrodinger/psi"][:]
check("psi is complex128", psi.dtype == np.complex128)
check("psi shape (S, n0, n1) = %s" % (psi.shape,), psi.shape == (S, n0, n1))
check("p = |psi|^2", np.allclose(f["schrodinger/p"][:], np.abs(psi) ** 2, rtol=0, atol=1e-15))
hbar = float(f.attrs["hbar"])
F = f["schrodinger/F"][:]
big = np.abs(psi) > 1e-3
check("F = hbar arg psi", np.allclose(F[big], hbar * np.angle(psi[big]), atol=1e-13))
check("grid q0, q1", f["grid/q0"].shape == (n0,) and f["grid/q1"].shape == (n1,))
dq = f["grid"].attrs["dq"]
check("norm of the first snapshot", abs((np.abs(psi[0]) ** 2).sum() * dq[0] * dq[1] - 1) < 1e-12)
check("madelung p, F, j", f["madelung/p"].shape == (S, n0, n1) and f["madelung/F"].shape == (S, n0, n1)
      and f["madelung/j"].shape == (S, n0, n1, 2))
columns = ["t", "step", "norm", "energy", "energy_kin", "energy_pot", "q0_mean", "q0_sq_mean",
           "q1_mean", "q1_sq_mean", "vortex_count", "defect_weight", "div_p_l1", "div_F", "div_j_l1", "infidelity",
           "madelung_curl", "madelung_mass", "madelung_momentum0", "madelung_momentum1",
           "madelung_substeps"]
rows = len(f["diagnostics/t"])
check("every diagnostics column, %d rows" % rows,
      all(c in f["diagnostics"] and len(f["diagnostics"][c]) == rows for c in columns))
check("step is int64", f["diagnostics/step"].dtype == np.int64)
check("attributes", isinstance(f.attrs["config"], str) and f.attrs["completed"] == 1
      and int(f.attrs["dims"]) == 2 and isinstance(f.attrs["nnq_version"], str))
sys.exit(1 if failed else 0)
