#!/usr/bin/env python3
"""How much of the exact top k a running server's HNSW index returns, over random known users.

For each of --users users drawn with --seed from 1..--max-user (or from --ids FILE, one id a line),
asks GET /v1/users/{id}/recommendations?k=K twice: through the index (the default when the model
has one) and with ?exact=true (every item scored), and prints the mean share of the exact list the
index returned (recall@k against the exact scan, the same exclusions applied inside both), the
number of short lists, and the mean latency of each, one request at a time.

Usage: scripts/serve-index-recall.py [--url http://127.0.0.1:8080] [--model NAME] [--users 300]
         [--max-user 162541] [--k 10] [--seed 7]
"""
import argparse
import json
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def get(url):
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = json.load(response)
    return body, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--model", default=None)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--max-user", type=int, default=None, help="draw user ids from 1..N (default: the model's user count)")
    parser.add_argument("--ids", default=None, help="a file of user ids to draw from instead")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not 1 <= args.users <= 100_000 or not 1 <= args.k <= 1000:
        sys.exit("--users must be 1...100000 and --k 1...1000")

    models, _ = get(f"{args.url}/v1/models")
    chosen = next((m for m in models["models"] if m["name"] == (args.model or models["default"])), None)
    if chosen is None:
        sys.exit(f"no model {args.model!r} on {args.url}")
    print(f"model {chosen['name']}: {chosen['data']['users']:,} users x {chosen['data']['items']:,} items; "
          f"retrieval {chosen['retrieval']}; history {chosen.get('history', '?')}")
    rng = random.Random(args.seed)
    if args.ids:
        with open(args.ids) as f:
            pool = [line.strip() for line in f if line.strip()]
    else:
        pool = [str(u) for u in range(1, (args.max_user or chosen["data"]["users"]) + 1)]
    users = rng.sample(pool, min(args.users, len(pool)))
    model = f"&model={urllib.parse.quote(chosen['name'])}"
    shares, short, index_seconds, exact_seconds, skipped = [], 0, 0.0, 0.0, 0
    for user in users:
        base = f"{args.url}/v1/users/{urllib.parse.quote(user)}/recommendations?k={args.k}{model}"
        try:
            approximate, t1 = get(base)
            exact, t2 = get(base + "&exact=true")
        except urllib.error.HTTPError as error:
            if error.code == 404:
                skipped += 1
                continue
            raise
        index_seconds += t1
        exact_seconds += t2
        a = [r["item"] for r in approximate["recommendations"]]
        e = [r["item"] for r in exact["recommendations"]]
        if len(a) < len(e):
            short += 1
        if e:
            shares.append(len(set(a) & set(e)) / len(e))
    n = len(shares)
    if n == 0:
        sys.exit("no known user among those drawn")
    print(f"users asked: {n} ({skipped} unknown ids skipped); k {args.k}")
    print(f"recall@{args.k} of the index against ?exact=true: {sum(shares) / n:.4f}; short lists: {short}")
    print(f"mean latency, one client: index {1000 * index_seconds / n:.2f} ms, exact {1000 * exact_seconds / n:.2f} ms")


if __name__ == "__main__":
    main()
