#!/usr/bin/env python3
"""Top-k recommendations computed directly from Spark's factor CSVs with NumPy: the reference
the imported model (`recommender import spark-als`) must reproduce.

For every user with interactions in the export: scores = Y @ x_u (float64), the user's
exported (training) items excluded, the k best kept (ties broken by the lower dense item id,
as `recommend` does). Writes `user,rank,item,score` with raw ids, the layout of
`recommender recommend --all-users --format csv`.

With --compare FILE (that command's output) it checks both lists user by user and exits 1 on
a difference. Two lists may differ only where the items swapped have scores equal within
--tolerance (the Swift side computes in float32); every score in FILE must match NumPy's score
of that item within the same tolerance.

Usage: score_factors.py --factors FACTORS_DIR --export EXPORT_DIR [-k 10] [--output FILE] [--compare FILE]
"""
import argparse
import csv
import glob
import json
import os
import sys

import numpy as np


def read_factors(folder, rows, rank):
    out = np.zeros((rows, rank), dtype=np.float32)
    present = np.zeros(rows, dtype=bool)
    files = sorted(f for f in glob.glob(os.path.join(folder, "part-*")) if not f.endswith(".crc"))
    if not files:
        sys.exit(f"{folder}: no part-* files")
    for path in files:
        with open(path, newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                continue
            if header[0] != "id" or len(header) != rank + 1:
                sys.exit(f"{path}:1: unexpected header")
            for number, row in enumerate(reader, start=2):
                if len(row) != rank + 1:
                    sys.exit(f"{path}:{number}: expected {rank + 1} fields")
                k = int(row[0])
                out[k] = np.array(row[1:], dtype=np.float32)
                present[k] = True
    return out, present


def read_ids(path):
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [row[1] for row in reader]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--factors", required=True)
    p.add_argument("--export", required=True)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--output", help="write the lists here (default: standard output unless --compare)")
    p.add_argument("--compare", help="a `recommend --all-users --format csv` file to check against")
    p.add_argument("--tolerance", type=float, default=1e-4, help="score tolerance, relative to max(1, |score|)")
    args = p.parse_args()

    manifest = json.load(open(os.path.join(args.export, "manifest.json")))
    run = json.load(open(os.path.join(args.factors, "spark_als.json")))
    rank, users, items = run["rank"], manifest["users"], manifest["items"]
    x, _ = read_factors(os.path.join(args.factors, "user_factors"), users, rank)
    y, _ = read_factors(os.path.join(args.factors, "item_factors"), items, rank)
    user_ids = read_ids(os.path.join(args.export, manifest["users_file"]["path"]))
    item_ids = read_ids(os.path.join(args.export, manifest["items_file"]["path"]))
    seen = [[] for _ in range(users)]
    for entry in manifest["interaction_files"]:
        data = np.loadtxt(os.path.join(args.export, entry["path"]), delimiter=",", skiprows=1, ndmin=2)
        for u, i in data[:, :2].astype(np.int64):
            seen[u].append(i)

    scores_all = x.astype(np.float64) @ y.astype(np.float64).T
    lists = {}
    for u in range(users):
        if not seen[u]:
            continue
        s = scores_all[u].copy()
        s[seen[u]] = -np.inf
        order = np.lexsort((np.arange(items), -s))[: args.k]
        order = [i for i in order if np.isfinite(s[i])]
        lists[user_ids[u]] = [(item_ids[i], float(s[i])) for i in order]

    if args.output or not args.compare:
        handle = open(args.output, "w", newline="") if args.output else sys.stdout
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["user", "rank", "item", "score"])
        for user, entries in lists.items():
            for rank_, (item, score) in enumerate(entries, start=1):
                writer.writerow([user, rank_, item, repr(np.float32(score).item())])
        if args.output:
            handle.close()

    if args.compare:
        item_index = {iid: k for k, iid in enumerate(item_ids)}
        user_index = {uid: k for k, uid in enumerate(user_ids)}
        theirs = {}
        with open(args.compare, newline="") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                theirs.setdefault(row["user"], []).append((row["item"], float(row["score"])))
        problems, swaps = [], 0
        if set(theirs) != set(lists):
            problems.append(f"users differ: {len(set(theirs) ^ set(lists))} present on one side only")
        for user in sorted(set(theirs) & set(lists), key=lambda u: user_index[u]):
            ours = lists[user]
            other = theirs[user]
            u = user_index[user]
            if len(ours) != len(other):
                problems.append(f"user {user}: {len(other)} items, NumPy {len(ours)}")
                continue
            for position, ((a, sa), (b, sb)) in enumerate(zip(ours, other)):
                ref_b = scores_all[u, item_index[b]]
                tol = args.tolerance * max(1.0, abs(sa))
                if abs(sb - ref_b) > tol:
                    problems.append(f"user {user} rank {position + 1}: score {sb} for item {b}, NumPy {ref_b:.7g}")
                if a != b:
                    if abs(sa - ref_b) <= tol:
                        swaps += 1
                    else:
                        problems.append(f"user {user} rank {position + 1}: item {b} (NumPy score {ref_b:.7g}), NumPy's item {a} ({sa:.7g})")
        compared = len(set(theirs) & set(lists))
        print(f"compared top-{args.k} lists of {compared} users: {len(problems)} difference(s), "
              f"{swaps} swap(s) of items with equal scores (within {args.tolerance:g})")
        for line in problems[:20]:
            print("  " + line)
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
