"""Run by pvbatch (ParaView's Python): opens nnq's XDMF sidecars headless and checks, against
h5py, the number of time steps, the mesh and the values of every scalar field at the last
step. Usage: pvbatch test_paraview.py NAME.xmf ... (NAME.h5 beside each)."""
import sys

try:
    import h5py
except ImportError:
    print("skipped: h5py not importable in pvbatch's Python (Debian package python3-h5py)")
    sys.exit(77)
import numpy as np
from paraview.simple import UpdatePipeline, XDMFReader, servermanager
from vtk.util.numpy_support import vtk_to_numpy

failed = 0
for xmf in sys.argv[1:]:
    h5 = h5py.File(xmf[:-4] + ".h5", "r")
    reader = XDMFReader(FileNames=[xmf])
    times = list(reader.TimestepValues or [0.0])
    UpdatePipeline(time=times[-1], proxy=reader)
    data = servermanager.Fetch(reader)
    n = [int(v) for v in h5.attrs["n"]]
    want_dims = tuple(reversed(n)) + (1,) * (3 - len(n))  # x is nnq's last axis
    checks = {
        "time steps": (len(times), len(h5["snapshots/t"])),
        "last time": (times[-1], float(h5["snapshots/t"][-1])),
        "dimensions": (data.GetDimensions(), want_dims),
        "origin": (data.GetOrigin()[: len(n)], tuple(float(v) for v in reversed(h5["grid"].attrs["qmin"]))),
    }
    fields = {"p_S": "schrodinger/p", "F_S": "schrodinger/F", "p_M": "madelung/p", "F_M": "madelung/F"}
    for name, path in fields.items():
        if path in h5:
            got = vtk_to_numpy(data.GetPointData().GetArray(name))
            checks[name + " values"] = (float(np.abs(got - h5[path][-1].ravel()).max()), 0.0)
    for what, (got, want) in checks.items():
        ok = got == want if not isinstance(got, float) else abs(got - want) < 1e-12
        print("%s %s: %s: got %s, want %s" % ("ok" if ok else "FAILED", xmf, what, got, want))
        failed += not ok
sys.exit(1 if failed else 0)
