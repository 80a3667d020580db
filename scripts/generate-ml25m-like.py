#!/usr/bin/env python3
"""Write a synthetic ratings.csv in MovieLens 25M's exact format and shape (seeded).

Shape: header `userId,movieId,rating,timestamp`, 25,000,095 ratings by 162,541 users
(ids 1..162541, each with at least 20 ratings, heavy-tailed counts) on 59,047 distinct
movie ids drawn from 1..209171, power-law item popularity, no duplicated (user, movie)
pair, ratings 0.5..5.0 in steps of 0.5 written like ML-25M ("4.0", "3.5") with ML-25M's
rough value frequencies, 10-digit Unix timestamps. Rows are in the real file's documented
order: "ordered first by userId, then, within user, by movieId" (ML-25M's README); within a
user the timestamps are therefore in no particular order, as in the real file. (Before
session 8 the rows were sorted by user then timestamp; the rows themselves, for a seed, are
the same: only their order within each user changed.)
About 684 MB. Used by scripts/bench-load.sh; needs numpy.

Usage: scripts/generate-ml25m-like.py [OUTPUT_DIR] [--seed N] [--rows N]
"""
import argparse
import os
import sys
import time

import numpy as np

USERS = 162_541
MOVIES = 59_047
MAX_MOVIE_ID = 209_171
ROWS = 25_000_095
POPULARITY_SHUFFLE = 3.5
VALUES = np.array(["0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"])
# Rough share of each rating value in ML-25M.
SHARES = np.array([1.6, 3.1, 1.6, 6.6, 5.0, 19.5, 12.7, 26.6, 8.8, 14.5])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", nargs="?", default="bench-data", help="output folder (default bench-data)")
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--rows", type=int, default=ROWS, help="number of ratings (default 25,000,095)")
    args = parser.parse_args()
    rows = args.rows
    users = min(USERS, max(1, rows // 20))
    movies = min(MOVIES, rows)
    rng = np.random.default_rng(args.seed)
    started = time.time()

    # Movie ids: 1 and the maximum id always present, the rest spread over the range.
    movie_ids = rng.choice(np.arange(2, MAX_MOVIE_ID), size=movies - 2, replace=False)
    movie_ids = np.sort(np.concatenate([[1, MAX_MOVIE_ID], movie_ids])).astype(np.int64)
    # Power-law popularity (Zipf-like, exponent ~1); as in MovieLens, older (lower) ids tend
    # to be the popular ones, so popularity order is id order shuffled by a random factor.
    rank = np.argsort(np.argsort(np.arange(movies) * rng.lognormal(0.0, POPULARITY_SHUFFLE, movies)))
    weights = 1.0 / (rank + 10.0) ** 1.05
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]

    # Ratings per user: at least 20, heavy-tailed, summing exactly to `rows`.
    minimum = min(20, rows // users)
    raw = rng.lognormal(mean=0.0, sigma=1.3, size=users)
    counts = np.floor(raw / raw.sum() * (rows - minimum * users)).astype(np.int64) + minimum
    counts = np.minimum(counts, movies // 2)
    while counts.sum() < rows:
        short = rows - counts.sum()
        pick = rng.choice(np.nonzero(counts < movies // 2)[0], size=min(short, users), replace=False)
        counts[pick] += 1
    user_col = np.repeat(np.arange(users, dtype=np.int64), counts)

    # Items by popularity; every movie at least once; then no (user, movie) pair twice.
    item_col = np.searchsorted(cdf, rng.random(rows)).astype(np.int64)
    cover = rng.choice(rows, size=movies, replace=False)
    item_col[cover] = rng.permutation(movies)
    # Resampling only the second and later copies of a pair keeps every movie covered.
    for attempt in range(50):
        key = user_col * movies + item_col
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        still = order[1:][sorted_key[1:] == sorted_key[:-1]]
        del key, order, sorted_key
        if len(still) == 0:
            break
        item_col[still] = rng.integers(0, movies, size=len(still))
    else:
        sys.exit("could not remove duplicated pairs")

    ratings = rng.choice(len(VALUES), size=rows, p=SHARES / SHARES.sum())
    # Timestamps: each user rates within their own period (drawn in row order, then the rows
    # are put in the file's order below).
    start = rng.integers(1_000_000_000, 1_560_000_000, size=users)
    span = np.minimum(rng.exponential(200_000_000, size=users), 1_574_000_000 - start).astype(np.int64) + 1
    offset = (rng.random(rows) * span[user_col]).astype(np.int64)
    offset = np.sort((user_col << 31) | offset) & ((1 << 31) - 1)
    times = start[user_col] + offset

    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, "ratings.csv")
    ids = movie_ids[item_col]
    user_ids = user_col + 1
    # The real file's order: by userId, then by movieId within a user (no pair repeats).
    order = np.lexsort((ids, user_ids))
    ids, user_ids, ratings, times = ids[order], user_ids[order], ratings[order], times[order]
    del order
    with open(path, "w", newline="\n") as out:
        out.write("userId,movieId,rating,timestamp\n")
        step = 1_000_000
        for lo in range(0, rows, step):
            hi = min(rows, lo + step)
            out.write("".join(f"{u},{m},{r},{t}\n" for u, m, r, t in zip(
                user_ids[lo:hi].tolist(), ids[lo:hi].tolist(), VALUES[ratings[lo:hi]].tolist(), times[lo:hi].tolist())))
    size = os.path.getsize(path)
    print(f"wrote {path}: {rows:,} ratings, {users:,} users, {len(np.unique(item_col)):,} movies, "
          f"{size / 1e6:.0f} MB in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
