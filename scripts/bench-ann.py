#!/usr/bin/env python3
"""hnswlib 0.8.0 and faiss-cpu 1.15.1 (IndexHNSWFlat) on the vectors `recommender bench ann` wrote,
side by side with our index, on the same vectors, in the same run.

Usage (the 1M case; the 59,047-item case is the same with --items 59047):
  recommender bench ann --items 1000000 --queries 2000 --json bench-ann.json \
      --vectors-out bench-ann-data --index-path bench-ann-data
  python3 scripts/bench-ann.py --data bench-ann-data --json bench-ann.json \
      --ours .build/release/recommender --ours-index bench-ann-data/bench.hnsw --rounds 3

Reads items.f32 / queries.f32 / truth.i32 / meta.json, builds hnswlib and faiss with the same M
and efConstruction (inner product; --build-threads threads, default all cores, as our build), or
loads them from --data when an earlier `--phase build` saved them. Then the query sweep on ONE
thread each, alternating in rounds: ours (a `bench ann --load-index --sweep-only` subprocess on
the saved index), hnswlib, faiss, ours, ... The best queries/s of the rounds is kept for every
configuration (recall does not change between rounds); every round's figure and the load
average are in the JSON. Adds "hnswlib", "faiss", "hnsw_alternating" and "at_recall_0_95" to the
report: each row has recall_at_10, queries_per_second and speedup_over_exact (against the exact
scan measured by `bench ann` on the same vectors).

Memory: the graph of each library is its index file size minus the raw vectors (n·d·4 bytes):
hnswlib's includes its per-item labels and link headers, faiss's its levels and offsets.
"""
import argparse
import importlib.metadata
import json
import math
import os
import subprocess
import tempfile
import time

import numpy as np


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def load_average():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def recall(found, truth):
    hits = 0
    total = 0
    for f, t in zip(found, truth):
        t = set(int(x) for x in t if x >= 0)
        hits += len(t.intersection(int(x) for x in f))
        total += len(t)
    return hits / max(1, total)


def at_recall(rows, target=0.95):
    """Queries/s at `target` recall: log-linear interpolation between the two rows around it."""
    rows = sorted(rows, key=lambda r: r["recall_at_10"])
    for lo, hi in zip(rows, rows[1:]):
        if lo["recall_at_10"] <= target <= hi["recall_at_10"] and hi["recall_at_10"] > lo["recall_at_10"]:
            w = (target - lo["recall_at_10"]) / (hi["recall_at_10"] - lo["recall_at_10"])
            return math.exp((1 - w) * math.log(lo["queries_per_second"]) + w * math.log(hi["queries_per_second"]))
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--json", required=True, help="the report of `recommender bench ann` to extend")
    ap.add_argument("--efs", default="10,16,24,32,48,64,96,128")
    ap.add_argument("--build-threads", type=int, default=os.cpu_count())
    ap.add_argument("--skip", default="", help="comma-separated: hnswlib,faiss")
    ap.add_argument("--phase", choices=["build", "sweep", "all"], default="all",
                    help="build: build and save the peers' indexes into --data; sweep: load them and time queries; all: both")
    ap.add_argument("--ours", help="the recommender binary, to time our index in the same rounds")
    ap.add_argument("--ours-index", help="our saved index (bench ann --index-path FOLDER writes FOLDER/bench.hnsw)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    meta = json.load(open(os.path.join(args.data, "meta.json")))
    n, nq, d, k = meta["items"], meta["queries"], meta["dimension"], meta["k"]
    m, efc = meta["m"], meta["ef_construction"]
    exact_qps = meta["exact_queries_per_second"]
    items = np.fromfile(os.path.join(args.data, "items.f32"), dtype=np.float32).reshape(n, d)
    queries = np.fromfile(os.path.join(args.data, "queries.f32"), dtype=np.float32).reshape(nq, d)
    truth = np.fromfile(os.path.join(args.data, "truth.i32"), dtype=np.int32).reshape(nq, k)
    efs = [int(x) for x in args.efs.split(",")]
    skip = set(args.skip.split(","))
    report = json.load(open(args.json)) if os.path.exists(args.json) else {}
    # The exact scan of the `bench ann` run whose JSON this extends (same session) beats the figure
    # stored with the vectors when they were written (possibly another day and load).
    same_run_exact = (report.get("exact_scan") or {}).get("queries_per_second")
    if same_run_exact:
        exact_qps = same_run_exact
    print(f"exact scan: {exact_qps:.1f} queries/s ({'this JSON' if same_run_exact else 'meta.json'}): the 'x exact' figures are against it", flush=True)
    vector_bytes = n * d * 4
    hnswlib_file = os.path.join(args.data, "hnswlib.bin")
    faiss_file = os.path.join(args.data, "faiss.index")
    builds_file = os.path.join(args.data, "peers-build.json")
    builds = json.load(open(builds_file)) if os.path.exists(builds_file) else {}

    # Only the peers that run are imported, so --skip hnswlib,faiss measures ours without them installed.
    hnswlib = __import__("hnswlib") if "hnswlib" not in skip else None
    faiss = __import__("faiss") if "faiss" not in skip else None

    indexes = {}
    if args.phase in ("build", "all"):
        if "hnswlib" not in skip:
            before, load = rss_mb(), load_average()
            t = time.perf_counter()
            index = hnswlib.Index(space="ip", dim=d)
            index.init_index(max_elements=n, ef_construction=efc, M=m, random_seed=42)
            index.add_items(items, np.arange(n), num_threads=args.build_threads)
            build = time.perf_counter() - t
            memory = rss_mb() - before
            index.save_index(hnswlib_file)
            size = os.path.getsize(hnswlib_file)
            builds["hnswlib"] = {"build_seconds": build, "build_threads": args.build_threads, "rss_increase_megabytes": memory,
                                 "file_megabytes": size / 1e6, "graph_megabytes": (size - vector_bytes) / 1e6,
                                 "vector_megabytes": vector_bytes / 1e6, "m": m, "ef_construction": efc,
                                 "load_average_before": load, "load_average_after": load_average()}
            print(f"hnswlib build {build:.1f} s on {args.build_threads} threads, RSS +{memory:.0f} MB, "
                  f"graph {(size - vector_bytes) / 1e6:.1f} MB; load {load} -> {load_average()}", flush=True)
            indexes["hnswlib"] = index
            json.dump(builds, open(builds_file, "w"), indent=2, sort_keys=True)
        if "faiss" not in skip:
            faiss.omp_set_num_threads(args.build_threads)
            before, load = rss_mb(), load_average()
            t = time.perf_counter()
            index = faiss.IndexHNSWFlat(d, m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = efc
            index.add(items)
            build = time.perf_counter() - t
            memory = rss_mb() - before
            faiss.write_index(index, faiss_file)
            size = os.path.getsize(faiss_file)
            builds["faiss"] = {"build_seconds": build, "build_threads": args.build_threads, "rss_increase_megabytes": memory,
                               "file_megabytes": size / 1e6, "graph_megabytes": (size - vector_bytes) / 1e6,
                               "vector_megabytes": vector_bytes / 1e6, "m": m, "ef_construction": efc,
                               "load_average_before": load, "load_average_after": load_average()}
            print(f"faiss build {build:.1f} s on {args.build_threads} threads, RSS +{memory:.0f} MB, "
                  f"graph {(size - vector_bytes) / 1e6:.1f} MB; load {load} -> {load_average()}", flush=True)
            indexes["faiss"] = index
        json.dump(builds, open(builds_file, "w"), indent=2, sort_keys=True)
        if args.phase == "build":
            return

    if "hnswlib" not in skip and "hnswlib" not in indexes:
        index = hnswlib.Index(space="ip", dim=d)
        index.load_index(hnswlib_file, max_elements=n)
        indexes["hnswlib"] = index
    if "faiss" not in skip and "faiss" not in indexes:
        indexes["faiss"] = faiss.read_index(faiss_file)
    if faiss is not None:
        faiss.omp_set_num_threads(1)
    if "hnswlib" in indexes:
        indexes["hnswlib"].set_num_threads(1)

    def sweep_hnswlib(index):
        rows = []
        for ef in efs:
            index.set_ef(max(ef, k))
            t = time.perf_counter()
            labels, _ = index.knn_query(queries, k=k, num_threads=1)
            seconds = time.perf_counter() - t
            rows.append({"name": f"hnswlib ef={ef}", "ef": ef, "recall_at_10": recall(labels, truth), "queries_per_second": nq / seconds})
        return rows

    def sweep_faiss(index):
        rows = []
        for ef in efs:
            index.hnsw.efSearch = max(ef, k)
            t = time.perf_counter()
            _, labels = index.search(queries, k)
            seconds = time.perf_counter() - t
            rows.append({"name": f"faiss IndexHNSWFlat ef={ef}", "ef": ef, "recall_at_10": recall(labels, truth), "queries_per_second": nq / seconds})
        return rows

    def sweep_ours():
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "ours.json")
            subprocess.run([args.ours, "bench", "ann", "--vectors-in", args.data, "--load-index", args.ours_index, "--sweep-only",
                            "--efs", args.efs, "--json", out], check=True, stdout=subprocess.DEVNULL)
            return [{"name": f"hnsw-swift ef={r['ef']}", "ef": r["ef"], "recall_at_10": r["recall_at_10"],
                     "queries_per_second": r["queries_per_second"]} for r in json.load(open(out))["hnsw"]]

    contenders = []
    if args.ours and args.ours_index:
        contenders.append(("hnsw-swift", sweep_ours))
    for name in ("hnswlib", "faiss"):
        if name in indexes:
            index = indexes[name]
            contenders.append((name, (lambda i=index, s=(sweep_hnswlib if name == "hnswlib" else sweep_faiss): s(i))))

    rounds = {name: [] for name, _ in contenders}
    loads = []
    for r in range(args.rounds):
        for name, sweep in contenders:
            load = load_average()
            rows = sweep()
            rounds[name].append(rows)
            loads.append({"round": r + 1, "library": name, "load_average": load})
            print(f"round {r + 1} {name:10s} load {load[0]:5.2f}: " +
                  ", ".join(f"ef {x['ef']} {x['recall_at_10']:.4f}/{x['queries_per_second']:.0f}" for x in rows), flush=True)

    def best_of(name):
        rows = []
        for i, ef in enumerate(efs):
            per_round = [rs[i]["queries_per_second"] for rs in rounds[name]]
            row = dict(rounds[name][0][i])
            row["queries_per_second"] = max(per_round)
            row["queries_per_second_rounds"] = per_round
            row["speedup_over_exact"] = row["queries_per_second"] / exact_qps
            rows.append(row)
        return rows

    def version(name, module):
        # hnswlib has no __version__: ask the installed distribution (faiss ships as faiss-cpu).
        try:
            return importlib.metadata.version({"faiss": "faiss-cpu"}.get(name, name))
        except importlib.metadata.PackageNotFoundError:
            return getattr(module, "__version__", "unknown")
    versions = {name: version(name, module) for name, module in (("hnswlib", hnswlib), ("faiss", faiss)) if module is not None}
    matched = {}
    for name, _ in contenders:
        rows = best_of(name)
        first = next((r for r in rows if r["recall_at_10"] >= 0.95), None)
        matched[name] = {"first_row_at_or_above_0_95": first, "queries_per_second_at_recall_0_95": at_recall(rows)}
        if name == "hnsw-swift":
            report["hnsw_alternating"] = {"rows": rows, "rounds": args.rounds}
        else:
            entry = {"version": versions[name], "m": m, "ef_construction": efc, "rows": rows, "rounds": args.rounds}
            entry.update(builds.get(name, {}))
            report[name] = entry
        for row in rows:
            print(f"{name:10s} ef {row['ef']:4d}: recall@10 {row['recall_at_10']:.4f}, {row['queries_per_second']:9.1f} queries/s "
                  f"(best of {args.rounds}), {row['speedup_over_exact']:7.1f}x exact", flush=True)
    report["at_recall_0_95"] = matched
    report["alternating_load_averages"] = loads
    for name, v in matched.items():
        if v["first_row_at_or_above_0_95"]:
            row = v["first_row_at_or_above_0_95"]
            qps = v["queries_per_second_at_recall_0_95"]
            print(f"at recall 0.95: {name:10s} first row ef {row['ef']:4d} recall {row['recall_at_10']:.4f} "
                  f"{row['queries_per_second']:9.1f} q/s; interpolated at 0.95: {qps if qps is None else round(qps, 1)} q/s")
    for name in ("hnswlib", "faiss"):
        if name in builds:
            b = builds[name]
            print(f"{name} build {b['build_seconds']:.1f} s on {b['build_threads']} threads, graph {b['graph_megabytes']:.1f} MB "
                  f"+ vectors {b['vector_megabytes']:.1f} MB (file {b['file_megabytes']:.1f} MB), RSS +{b['rss_increase_megabytes']:.0f} MB")
    json.dump(report, open(args.json, "w"), indent=2, sort_keys=True)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
