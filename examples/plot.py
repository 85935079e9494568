#!/usr/bin/env python3
"""Plots nnq output files: p and F of both descriptions side by side for some snapshots
(2D: with contour lines of V), every divergence metric against t with t_multivalued marked,
<q>(t) and the energy, the trajectories over p when the run followed some, and the share of
each basin of V against t (every description and walker kind) when the run measured basins.

1D files give curves, 2D files images (vortices marked where arg psi winds), 3D files the
slice through the middle of axis 0. Axes carry the run's names ([grid] names). Needs Debian's
python3-h5py and python3-matplotlib.

    python3 examples/plot.py run.h5                 # PNGs beside run.h5
    python3 examples/plot.py a.h5 b.h5 --out figs --snapshots 0 -1
    python3 examples/plot.py --converge run_n128.h5 run_n256.h5   # nnq converge's files
    python3 examples/plot.py --sweep results.jsonl --x mu --y t_multivalued energy

--converge draws one figure of a resolution study: each divergence metric against t at every
resolution, and under it the defects' weight (the largest density at a node or vortex over
max p) with the floors at which nnq reports the first multivalued time.

--sweep draws a sweep: the files are JSON lines (one per run, as `nnq simulate` prints them),
and each quantity --y against the swept --x, one panel each. A quantity is a key of the JSON
line, dotted into its objects and lists (t_multivalued, t_part.div_p_l1.1e-2,
divergence_before.infidelity, q_mean.0); --x may also be a config key section.key, read from
the stored config of the run's output file. Runs where a quantity is null (never reached)
are counted in the panel's title.
"""
import argparse
import json
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

DIVERGENCES = ["div_p_l1", "div_F", "div_j_l1", "infidelity", "madelung_curl"]


def vortices(psi):
    """Plaquette corners (i, j) where arg psi winds, with the winding number."""
    a, b = psi, np.roll(psi, -1, 0)
    c, d = np.roll(b, -1, 1), np.roll(psi, -1, 1)
    w = np.angle(b * np.conj(a)) + np.angle(c * np.conj(b)) + np.angle(d * np.conj(c))
    w = np.rint((w + np.angle(a * np.conj(d))) / (2 * np.pi)).astype(int)
    p = np.abs(psi) ** 2
    w[p < 1e-3 * p.max()] = 0
    return np.argwhere(w != 0), w[w != 0]


def axis_names(f, dims):
    """The axes' names as the run gave them ([grid] names), else q0, q1, q2."""
    names = f.attrs.get("axis_names")
    if isinstance(names, bytes):
        names = names.decode()
    names = [n.strip() for n in names.split(",")] if names else []
    return names if len(names) == dims else ["q%d" % i for i in range(dims)]


def field(f, group, name, s, dims):
    """Snapshot s of /group/name (the middle slice of axis 0 in 3D), or None. F is blanked
    where p < 1e-6 max p: the phase of round-off in empty space means nothing."""
    path = group + "/" + name
    if path not in f:
        return None
    data = f[path][s]
    data = data[data.shape[0] // 2] if dims == 3 else data
    if name == "F" and group + "/p" in f:
        p = f[group + "/p"][s]
        p = p[p.shape[0] // 2] if dims == 3 else p
        data = np.where(p >= 1e-6 * p.max(), data, np.nan)
    return data


def plot_snapshot(f, s, out, stem):
    dims = int(f.attrs["dims"])
    t = f["snapshots/t"][s]
    q = [f["grid/q%d" % i][:] for i in range(dims)]
    madelung = "madelung" in f
    hbar = float(f.attrs["hbar"])
    rows = [("p", "p"), ("F", "F / hbar")]
    cols = [("schrodinger", "Schrodinger")] + ([("madelung", "Madelung")] if madelung else [])
    names = axis_names(f, dims)
    V = f["potential/V"][:] if "potential/V" in f else None
    if V is not None and dims == 3:
        V = V[V.shape[0] // 2]
    if dims == 1:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        for ax, (name, label) in zip(axes, rows):
            for group, title in cols:
                y = field(f, group, name, s, dims)
                if y is not None:
                    ax.plot(q[0], y / (hbar if name == "F" else 1), label=title)
            ax.set_xlabel(names[0])
            ax.set_ylabel(label)
            ax.legend()
    else:
        xs, ys = (q[2], q[1]) if dims == 3 else (q[1], q[0])
        extent = [xs[0], xs[-1], ys[0], ys[-1]]
        fig, axes = plt.subplots(2, len(cols), figsize=(5 * len(cols), 8.5), squeeze=False)
        psi = field(f, "schrodinger", "psi", s, dims)
        marks = vortices(psi) if psi is not None and dims == 2 else (np.empty((0, 2)), [])
        for c, (group, title) in enumerate(cols):
            for r, (name, label) in enumerate(rows):
                ax = axes[r][c]
                img = field(f, group, name, s, dims)
                if img is None:
                    ax.set_axis_off()
                    continue
                im = ax.imshow(img / (hbar if name == "F" else 1), origin="lower", extent=extent,
                               aspect="auto", cmap="viridis" if name == "p" else "twilight")
                fig.colorbar(im, ax=ax, shrink=0.8)
                for (i, j), w in zip(marks[0], marks[1]):
                    ax.plot(xs[j], ys[i], "o", mfc="none", mec="red" if w > 0 else "white", ms=9)
                if name == "p" and V is not None and np.ptp(V) > 0:
                    # the landscape under the density: where the ensemble should go
                    ax.contour(xs, ys, V, levels=12, colors="white", linewidths=0.5, alpha=0.6)
                ax.set_title("%s %s" % (title, label))
                ax.set_xlabel(names[2] if dims == 3 else names[1])
                ax.set_ylabel(names[1] if dims == 3 else names[0])
    slice_note = " (slice %s = %.3g)" % (names[0], q[0][len(q[0]) // 2]) if dims == 3 else ""
    fig.suptitle("%s: t = %.4g%s" % (f.attrs["name"], t, slice_note))
    fig.tight_layout()
    path = os.path.join(out, "%s_snapshot%03d.png" % (stem, s))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_divergence(f, out, stem):
    d = f["diagnostics"]
    t = d["t"][:]
    present = [k for k in DIVERGENCES if k in d]
    fig, ax = plt.subplots(figsize=(9, 5))
    for key in present:
        y = np.abs(d[key][:])
        ax.semilogy(t, np.where(y > 0, y, np.nan), label=key)
    defects = d["node_count"] if "node_count" in d else d["vortex_count"]
    hit = np.nonzero(defects[:] > 0)[0]
    if len(hit):
        ax.axvline(t[hit[0]], color="k", ls="--", label="t_multivalued = %.4g" % t[hit[0]])
    if not present:  # a run without the Madelung solver: norm and energy drift instead
        for key in ("norm", "energy"):
            y = np.abs(d[key][:] / d[key][0] - 1)
            ax.semilogy(t, np.where(y > 0, y, np.nan), label="|%s / %s(0) - 1|" % (key, key))
    ax.set_xlabel("t")
    ax.set_ylabel("divergence")
    ax.legend()
    ax.set_title("%s: Madelung vs Schrodinger" % f.attrs["name"])
    fig.tight_layout()
    path = os.path.join(out, "%s_divergence.png" % stem)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_observables(f, out, stem):
    """<q_i>(t) (with the mean positions of trajectories, when followed) and the energy."""
    d = f["diagnostics"]
    t = d["t"][:]
    dims = int(f.attrs["dims"])
    names = axis_names(f, dims)
    fig, (ax, ay) = plt.subplots(1, 2, figsize=(11, 4))
    for i in range(dims):
        ax.plot(t, d["q%d_mean" % i][:], label="<%s>" % names[i])
        for kind, column in (("bohm", "bohm_q"), ("madelung", "fluid_q"), ("nelson", "nelson_q")):
            if "%s%d" % (column, i) in d:
                ax.plot(t, d["%s%d" % (column, i)][:], ls=":", label="%s mean %s" % (kind, names[i]))
    ax.set_xlabel("t")
    ax.set_ylabel("<q>")
    ax.legend(fontsize=8)
    for key, label in (("energy", "<H>"), ("energy_kin", "kinetic"), ("energy_pot", "<V>")):
        ay.plot(t, d[key][:], label=label)
    ay.set_xlabel("t")
    ay.set_ylabel("energy")
    ay.legend(fontsize=8)
    fig.suptitle("%s: observables" % f.attrs["name"])
    fig.tight_layout()
    path = os.path.join(out, "%s_observables.png" % stem)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_trajectories(f, out, stem, most=40):
    """Trajectories over p_S: 1D, q(t) over the density's space-time image; 2D, the paths over
    the last snapshot's density. Returns the PNG's path, or None (no trajectories, or 3D)."""
    dims = int(f.attrs["dims"])
    if "trajectories" not in f or "t" not in f["trajectories"] or dims > 2:
        return None
    tr = f["trajectories"]
    t = tr["t"][:]
    kinds = [k for k in ("bohm", "madelung", "nelson", "langevin") if k in tr]
    colours = {"bohm": "white", "madelung": "orange", "nelson": "red", "langevin": "cyan"}
    q = [f["grid/q%d" % i][:] for i in range(dims)]
    names = axis_names(f, dims)
    p = f["schrodinger/p"] if "p" in f["schrodinger"] else None
    fig, ax = plt.subplots(figsize=(7, 5.5))
    if dims == 1:
        ts = f["snapshots/t"][:]
        if p is not None and len(ts) > 1:
            ax.imshow(p[:], origin="lower", aspect="auto", cmap="viridis",
                      extent=[q[0][0], q[0][-1], ts[0], ts[-1]])
        for k in kinds:
            x = tr[k]["q"][:, :most, 0]
            for j in range(x.shape[1]):
                # the box is periodic: break a path where it wraps
                xj = x[:, j].copy()
                xj[1:][np.abs(np.diff(xj)) > 0.5 * (q[0][-1] - q[0][0])] = np.nan
                ax.plot(xj, t, color=colours[k], lw=0.7, label=k if j == 0 else None)
        ax.set_xlabel(names[0])
        ax.set_ylabel("t")
    else:
        if p is not None:
            ax.imshow(p[-1], origin="lower", aspect="auto", cmap="viridis",
                      extent=[q[1][0], q[1][-1], q[0][0], q[0][-1]])
        for k in kinds:
            x = tr[k]["q"][:, :most, :]
            for j in range(x.shape[1]):
                ax.plot(x[:, j, 1], x[:, j, 0], color=colours[k], lw=0.7,
                        label=k if j == 0 else None)
                ax.plot(x[-1, j, 1], x[-1, j, 0], "o", color=colours[k], ms=2)
        ax.set_xlabel(names[1])
        ax.set_ylabel(names[0])
    ax.legend(loc="upper right")
    ax.set_title("%s: trajectories over p_S (t = %.4g .. %.4g)" % (f.attrs["name"], t[0], t[-1]))
    fig.tight_layout()
    path = os.path.join(out, "%s_trajectories.png" % stem)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def walker_shares(f, labels, nb):
    """{kind: (t, shares [rows, nb])} of the walkers: nnq's own tables at every row
    (/basins/nelson_walkers, ...), else (files written before nnq had them) each walker counted
    in the basin of its nearest grid point from the stored positions (the box is periodic)."""
    if "trajectories" not in f or "t" not in f["trajectories"]:
        return {}
    tr = f["trajectories"]
    dims = labels.ndim
    out = {}
    table = {"bohm": "bohm_particles", "madelung": "madelung_particles",
             "nelson": "nelson_walkers", "langevin": "langevin_walkers"}
    for k in ("bohm", "madelung", "nelson", "langevin"):
        if k not in tr:
            continue
        if table[k] in f["basins"]:
            out[k] = (f["diagnostics/t"][:], f["basins"][table[k]][:])
            continue
        q = tr[k]["q"][:]  # rows, count, d
        idx = []
        for a in range(dims):
            g = f["grid/q%d" % a][:]
            dq = g[1] - g[0]
            idx.append(np.mod(np.rint((q[:, :, a] - g[0]) / dq).astype(np.int64), len(g)))
        finite = np.all(np.isfinite(q), axis=2)
        lab = labels[tuple(np.where(finite, i, 0) for i in idx)]
        shares = np.array([[np.mean(lab[r][finite[r]] == b) if finite[r].any() else np.nan
                            for b in range(nb)] for r in range(q.shape[0])])
        out[k] = (tr["t"][:], shares)
    return out


def plot_basins(f, out, stem, most=6):
    """The share of each basin of V (up to `most`, the deepest) against t in every description
    and for every walker kind: one figure. Returns the PNG's path, or None (no basins)."""
    if "basins" not in f or "label" not in f["basins"]:
        return None
    b = f["basins"]
    labels = b["label"][:]
    nb = len(b["minimum_V"])
    t = f["diagnostics/t"][:]
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    styles = {"schrodinger": "-", "madelung": "--", "classical": ":"}
    for d, style in styles.items():
        if d not in b:
            continue
        m = b[d][:]
        share = m / m.sum(axis=1, keepdims=True)
        for j in range(min(nb, most)):
            ax.plot(t, share[:, j], style, color=colours[j % len(colours)], lw=1.6,
                    label="%s, basin %d" % (d, j))
    marks = {"bohm": "s", "madelung": "d", "nelson": "^", "langevin": "o"}
    for k, (tw, shares) in walker_shares(f, labels, nb).items():
        for j in range(min(nb, most)):
            ax.plot(tw, shares[:, j], marks[k], color=colours[j % len(colours)], ms=3,
                    alpha=0.7, label="%s walkers, basin %d" % (k, j))
    for level in (0.5, np.exp(-1)):
        ax.axhline(level, color="grey", lw=0.6, ls="-.")
    q = b["minimum_q"][:]
    ax.set_title("%s: share of each basin of V (minima at %s)"
                 % (f.attrs["name"], "; ".join("(" + ", ".join("%.3g" % v for v in row) + ")"
                                               for row in q[:most])), fontsize=9)
    ax.set_xlabel("t")
    ax.set_ylabel("share of the description's mass")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path = os.path.join(out, "%s_basins.png" % stem)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_converge(names, out):
    """The divergence against t per resolution (one colour each), the defect weight under it."""
    fig, axes = plt.subplots(3, 1, figsize=(9, 10), sharex=True,
                             gridspec_kw={"height_ratios": [2, 2, 1.3]})
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    stem = None
    low = {}
    for k, name in enumerate(names):
        with h5py.File(name, "r") as f:
            d = f["diagnostics"]
            if "div_p_l1" not in d or "defect_weight" not in d:
                sys.exit("%s: no Madelung divergence or defect_weight (nnq converge's files)" % name)
            t = d["t"][:]
            n = "x".join(str(len(f["grid/q%d" % i])) for i in range(int(f.attrs["dims"])))
            stem = stem or os.path.splitext(os.path.basename(name))[0].rsplit("_n", 1)[0]
            c = colours[k % len(colours)]
            for ax, keys in ((axes[0], ("div_p_l1", "div_F")), (axes[1], ("div_j_l1", "infidelity"))):
                for key, ls in zip(keys, ("-", "--")):
                    y = np.abs(d[key][:])
                    ax.semilogy(t, np.where(y > 0, y, np.nan), color=c, ls=ls,
                                label="%s, n = %s" % (key, n))
                    later = y[1:][y[1:] > 0]  # t = 0 holds round-off: not the scale
                    if len(later):
                        low[ax] = min(low.get(ax, np.inf), later.min() / 3)
            w = d["defect_weight"][:]
            axes[2].semilogy(t, np.where(w > 0, w, np.nan), color=c, label="n = %s" % n)
    for level in (1e-3, 1e-2, 1e-1):
        for ax in axes[:2]:
            ax.axhline(level, color="grey", lw=0.5, ls=":")
    for ax, bottom in low.items():
        ax.set_ylim(bottom=bottom)
    for floor in (1e-2, 1e-4, 1e-6, 1e-8):
        axes[2].axhline(floor, color="grey", lw=0.5, ls=":")
    axes[0].set_ylabel("div_p_l1 (-), div_F (--)")
    axes[1].set_ylabel("div_j_l1 (-), infidelity (--)")
    axes[2].set_ylabel("defect weight")
    axes[2].set_ylim(1e-11, 2)
    axes[2].set_xlabel("t")
    for ax in axes:
        ax.legend(fontsize=7, ncol=2)
    axes[0].set_title("%s: Madelung vs Schrodinger under refinement" % stem)
    fig.tight_layout()
    path = os.path.join(out, "%s_converge.png" % stem)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def json_value(line, key):
    """The value at the dotted key of a JSON line (None: null or absent)."""
    v = line
    for part in key.split("."):
        if isinstance(v, dict) and part in v:
            v = v[part]
        elif isinstance(v, list) and part.isdigit() and int(part) < len(v):
            v = v[int(part)]
        else:
            return None
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def config_value(output, key):
    """[section] key of the config stored in the nnq file `output` (None: not there)."""
    section, _, name = key.partition(".")
    try:
        with h5py.File(output, "r") as f:
            text = f.attrs["config"]
    except (OSError, KeyError):
        return None
    text = text.decode() if isinstance(text, bytes) else str(text)
    current = None
    for raw in text.splitlines():
        line = raw.split(";")[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip().lower()
        elif "=" in line and current == section.lower():
            k, _, v = line.partition("=")
            if k.strip().lower() == name.lower():
                try:
                    return float(v.split(",")[0])
                except ValueError:
                    return None
    return None


def plot_sweep(names, xkey, ykeys, out):
    """Each quantity of ykeys against xkey over the runs of the JSON-lines files."""
    runs = []
    for name in names:
        with open(name) as f:
            runs += [json.loads(line) for line in f if line.strip().startswith("{")]
    if not runs:
        sys.exit("%s: no JSON lines" % ", ".join(names))
    xs = []
    for r in runs:
        x = json_value(r, xkey)
        if x is None and "." in xkey and r.get("output"):
            x = config_value(r["output"], xkey)
        xs.append(x)
    if all(x is None for x in xs):
        sys.exit("--x %s: in none of the runs (a JSON key, or section.key of the stored config)"
                 % xkey)
    fig, axes = plt.subplots(len(ykeys), 1, figsize=(7, 2.8 * len(ykeys)), sharex=True,
                             squeeze=False)
    for ax, ykey in zip(axes[:, 0], ykeys):
        pts = sorted((x, json_value(r, ykey)) for x, r in zip(xs, runs) if x is not None)
        got = [(x, y) for x, y in pts if y is not None]
        never = len(pts) - len(got)
        if got:
            ax.plot([x for x, _ in got], [y for _, y in got], "o-")
        ax.set_ylabel(ykey)
        ax.set_title("%s against %s%s" % (ykey, xkey, ", %d of %d runs: never (null)" % (never, len(pts))
                                          if never else ""), fontsize=9)
        ax.grid(alpha=0.3)
    known = [x for x in xs if x is not None]
    if min(known) > 0 and max(known) > 10 * min(known):
        axes[-1, 0].set_xscale("log")
    axes[-1, 0].set_xlabel(xkey)
    fig.tight_layout()
    stem = os.path.splitext(os.path.basename(names[0]))[0]
    path = os.path.join(out, "%s_sweep_%s.png" % (stem, xkey.replace(".", "_")))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="nnq output files (.h5)")
    ap.add_argument("--out", help="folder for the PNGs (default: beside each file)")
    ap.add_argument("--snapshots", type=int, nargs="*", default=[0, -1],
                    help="snapshot indices to draw (default: the first and the last)")
    ap.add_argument("--converge", action="store_true",
                    help="the files are one config at several resolutions (nnq converge): one "
                         "figure of them all")
    ap.add_argument("--sweep", action="store_true",
                    help="the files are JSON lines of a sweep: --y against --x")
    ap.add_argument("--x", default="mu", help="--sweep: the swept key (default: mu)")
    ap.add_argument("--y", nargs="+", default=["t_multivalued", "t_part.div_p_l1.1e-2"],
                    help="--sweep: the quantities (default: t_multivalued t_part.div_p_l1.1e-2)")
    args = ap.parse_args()
    if args.sweep:
        out = args.out or os.path.dirname(os.path.abspath(args.files[0]))
        os.makedirs(out, exist_ok=True)
        print(plot_sweep(args.files, args.x, args.y, out))
        return
    if args.converge:
        out = args.out or os.path.dirname(os.path.abspath(args.files[0]))
        os.makedirs(out, exist_ok=True)
        print(plot_converge(args.files, out))
        return
    for name in args.files:
        out = args.out or os.path.dirname(os.path.abspath(name))
        os.makedirs(out, exist_ok=True)
        stem = os.path.splitext(os.path.basename(name))[0]
        with h5py.File(name, "r") as f:
            if "nnq_version" not in f.attrs:
                sys.exit("%s: not an nnq output file" % name)
            count = len(f["snapshots/t"])
            chosen = sorted({s % count for s in args.snapshots}) if count else []
            for s in chosen:
                print(plot_snapshot(f, s, out, stem))
            print(plot_divergence(f, out, stem))
            print(plot_observables(f, out, stem))
            for path in (plot_trajectories(f, out, stem), plot_basins(f, out, stem)):
                if path:
                    print(path)


if __name__ == "__main__":
    main()
