#!/usr/bin/env python3
"""hnswlib 0.8.0 and faiss-cpu 1.15.1 (IndexHNSWFlat) on the vectors `recommender bench ann` wrote.

Usage:
  recommender bench ann --items 1000000 --json bench-ann.json --vectors-out bench-ann-data
  python3 scripts/bench-ann.py --data bench-ann-data --json bench-ann.json

Reads items.f32 / queries.f32 / truth.i32 / meta.json, builds both indexes with the same M and
efConstruction (inner product; all cores for the build), sweeps the query ef on ONE thread, and
adds "hnswlib" and "faiss" sections to the JSON report (each row: recall_at_10,
queries_per_second, speedup_over_exact against the Swift exact scan measured in the same run).
"""
import argparse
import json
import os
import time

import numpy as np


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def recall(found, truth):
    hits = 0
    total = 0
    for f, t in zip(found, truth):
        t = set(int(x) for x in t if x >= 0)
        hits += len(t.intersection(int(x) for x in f))
        total += len(t)
    return hits / max(1, total)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--json", required=True, help="the report of `recommender bench ann` to extend")
    ap.add_argument("--efs", default="10,16,24,32,48,64,96,128,192,256")
    ap.add_argument("--build-threads", type=int, default=os.cpu_count())
    ap.add_argument("--skip", default="", help="comma-separated: hnswlib,faiss")
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

    if "hnswlib" not in skip:
        import hnswlib
        before = rss_mb()
        t = time.perf_counter()
        index = hnswlib.Index(space="ip", dim=d)
        index.init_index(max_elements=n, ef_construction=efc, M=m, random_seed=42)
        index.add_items(items, np.arange(n), num_threads=args.build_threads)
        build = time.perf_counter() - t
        memory = rss_mb() - before
        rows = []
        for ef in efs:
            index.set_ef(max(ef, k))
            t = time.perf_counter()
            labels, _ = index.knn_query(queries, k=k, num_threads=1)
            seconds = time.perf_counter() - t
            r = recall(labels, truth)
            rows.append({"name": f"hnswlib ef={ef}", "ef": ef, "recall_at_10": r, "queries_per_second": nq / seconds,
                         "speedup_over_exact": nq / seconds / exact_qps})
            print(f"hnswlib ef {ef:4d}: recall@10 {r:.4f}, {nq / seconds:9.1f} queries/s, {nq / seconds / exact_qps:6.1f}x exact", flush=True)
        report["hnswlib"] = {"version": hnswlib.__version__ if hasattr(hnswlib, "__version__") else "0.8.0",
                             "build_seconds": build, "build_threads": args.build_threads, "rss_increase_megabytes": memory,
                             "m": m, "ef_construction": efc, "rows": rows}
        print(f"hnswlib build {build:.1f} s on {args.build_threads} threads, RSS +{memory:.0f} MB", flush=True)
        del index

    if "faiss" not in skip:
        import faiss
        faiss.omp_set_num_threads(args.build_threads)
        before = rss_mb()
        t = time.perf_counter()
        index = faiss.IndexHNSWFlat(d, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = efc
        index.add(items)
        build = time.perf_counter() - t
        memory = rss_mb() - before
        faiss.omp_set_num_threads(1)
        rows = []
        for ef in efs:
            index.hnsw.efSearch = max(ef, k)
            t = time.perf_counter()
            _, labels = index.search(queries, k)
            seconds = time.perf_counter() - t
            r = recall(labels, truth)
            rows.append({"name": f"faiss IndexHNSWFlat ef={ef}", "ef": ef, "recall_at_10": r, "queries_per_second": nq / seconds,
                         "speedup_over_exact": nq / seconds / exact_qps})
            print(f"faiss   ef {ef:4d}: recall@10 {r:.4f}, {nq / seconds:9.1f} queries/s, {nq / seconds / exact_qps:6.1f}x exact", flush=True)
        report["faiss"] = {"version": faiss.__version__, "build_seconds": build, "build_threads": args.build_threads,
                           "rss_increase_megabytes": memory, "m": m, "ef_construction": efc, "rows": rows}
        print(f"faiss build {build:.1f} s on {args.build_threads} threads, RSS +{memory:.0f} MB", flush=True)

    # Matched recall: the first row of each library at recall >= 0.95.
    def first(rows):
        for r in rows:
            if r["recall_at_10"] >= 0.95:
                return r
        return None
    matched = {}
    if "hnsw" in report:
        matched["hnsw-swift"] = first(report["hnsw"])
    for lib in ("hnswlib", "faiss"):
        if lib in report:
            matched[lib] = first(report[lib]["rows"])
    report["at_recall_0_95"] = matched
    for name, row in matched.items():
        if row:
            print(f"at recall >= 0.95: {name:10s} ef {row['ef']:4d} recall {row['recall_at_10']:.4f} {row['queries_per_second']:9.1f} q/s")
    json.dump(report, open(args.json, "w"), indent=2, sort_keys=True)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
