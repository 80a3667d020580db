#!/usr/bin/env python3
"""The notebook's two models in TensorFlow 2 with XLA, side by side with ours, in one run.

Issue 15 asks for ratios measured in the same run rather than against figures from another
day. This script alternates (ours, TensorFlow, ours, TensorFlow, ...) and prints the best time
of each and their ratio:

  * MF: one full-batch gradient-descent iteration of the notebook's matrix factorisation
    (d=30, learning rate 10, init stddev 0.5, MSE over the observed ratings of a 90/10 split of
    ML-100K, embeddings gathered per rating), timed over --mf-iterations after a compiled
    warm-up; ours is `recommender bench mf` (the "plain d=30 gd lr=10" row, wall-clock best).
  * Softmax: the notebook's softmax model (movie/genre/year bags of each user averaged,
    concatenated, one hidden layer of 35 units without bias, logits against the movie table,
    softmax cross-entropy with a label drawn from the user's movies and left in the bag
    ("leak", the notebook's), Adagrad lr 8, batches of 200 training users, the test loss of
    100 held-out users every 10 iterations), 3,000 iterations after a compiled warm-up; ours is
    `recommender bench softmax` (total seconds of 3,000 iterations, one thread by default).

TensorFlow runs with `jit_compile=True` (XLA) on the CPU; set --no-xla to compare against plain
graph mode. The TensorFlow side is a faithful re-implementation for timing, not a copy of the
notebook's code (which needs TensorFlow 1).

Usage: scripts/compare-tensorflow.py [--recommender .build/release/recommender]
         [--data-dir ~/.cache/swift-recommender] [--rounds 2] [--mf-iterations 200]
         [--softmax-iterations 3000] [--threads 1] [--only mf|softmax] [--no-xla]
Needs `pip install tensorflow-cpu` (2.21 was the version the issue quotes) and ML-100K in the
data folder (`recommender data fetch ml-100k`).
"""
import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np


def find_ml100k(data_dir):
    """Ratings (user, item, rating) and per-item genre lists and years, from either layout."""
    folder = os.path.join(data_dir, "ml-100k")
    if os.path.exists(os.path.join(folder, "u.data")):
        raw = np.loadtxt(os.path.join(folder, "u.data"), dtype=np.int64)
        users, items, ratings = raw[:, 0], raw[:, 1], raw[:, 2].astype(np.float32)
        genres, years = {}, {}
        with open(os.path.join(folder, "u.item"), encoding="latin-1") as f:
            for line in f:
                parts = line.rstrip("\n").split("|")
                item = int(parts[0])
                flags = [int(x) for x in parts[5:]]
                genres[item] = [g for g, on in enumerate(flags) if on] or [0]
                match = re.search(r"(\d{4})", parts[2])
                years[item] = int(match.group(1)) if match else 0
    else:
        inter = os.path.join(folder, "ml-100k.inter")
        rows = [line.split("\t") for line in open(inter, encoding="utf-8").read().splitlines()[1:]]
        users = np.array([int(r[0]) for r in rows])
        items = np.array([int(r[1]) for r in rows])
        ratings = np.array([float(r[2]) for r in rows], dtype=np.float32)
        genres, years, names = {}, {}, {}
        for line in open(os.path.join(folder, "ml-100k.item"), encoding="utf-8").read().splitlines()[1:]:
            parts = line.split("\t")
            item = int(parts[0])
            year = parts[2] if len(parts) > 2 else ""
            years[item] = int(year) if year.isdigit() else 0
            labels = parts[3].split() if len(parts) > 3 else []
            genres[item] = [names.setdefault(g, len(names)) for g in labels] or [names.setdefault("unknown", len(names))]
    user_index = {u: k for k, u in enumerate(sorted(set(users.tolist())))}
    item_ids = sorted(set(items.tolist()) | set(genres))
    item_index = {i: k for k, i in enumerate(item_ids)}
    u = np.array([user_index[x] for x in users], dtype=np.int32)
    i = np.array([item_index[x] for x in items], dtype=np.int32)
    year_values = sorted(set(years.values()))
    year_index = {y: k for k, y in enumerate(year_values)}
    item_genres = [genres.get(x, [0]) for x in item_ids]
    item_year = np.array([year_index[years.get(x, 0)] if years.get(x, 0) in year_index else 0 for x in item_ids], dtype=np.int32)
    return u, i, ratings, len(user_index), len(item_ids), item_genres, item_year, len(year_values)


def ours_mf(recommender, data_options, iterations, threads):
    out = subprocess.run([recommender, "bench", "mf", "--iterations", str(iterations), "--repeats", "3",
                          "--threads", str(threads)] + data_options, check=True, capture_output=True, text=True).stdout
    match = re.search(r"plain d=30 gd lr=10: ([\d.]+) ms/iteration mean, ([\d.]+) best", out)
    if not match:
        sys.exit("could not read `bench mf` output:\n" + out)
    return float(match.group(2)) / 1000


def ours_softmax(recommender, data_options, iterations, threads):
    out = subprocess.run([recommender, "bench", "softmax", "--threads", str(threads), "--repeats", "1",
                          "--param", f"iterations={iterations}"] + data_options,
                         check=True, capture_output=True, text=True).stdout
    match = re.search(r"run 1: ([\d.]+) s total", out)
    if not match:
        sys.exit("could not read `bench softmax` output:\n" + out)
    return float(match.group(1))


class TensorFlowMF:
    def __init__(self, tf, u, i, r, users, items, xla, seed=0):
        rng = np.random.default_rng(seed)
        train = rng.permutation(len(r))[: int(0.9 * len(r))]
        self.tf = tf
        self.users = tf.constant(u[train])
        self.items = tf.constant(i[train])
        self.ratings = tf.constant(r[train])
        self.U = tf.Variable(tf.random.normal([users, 30], stddev=0.5, seed=seed))
        self.V = tf.Variable(tf.random.normal([items, 30], stddev=0.5, seed=seed + 1))

        def step():
            with tf.GradientTape() as tape:
                predictions = tf.reduce_sum(tf.gather(self.U, self.users) * tf.gather(self.V, self.items), axis=1)
                loss = tf.reduce_mean(tf.square(predictions - self.ratings))
            gu, gv = tape.gradient(loss, [self.U, self.V])
            self.U.assign_sub(10.0 * tf.convert_to_tensor(gu))
            self.V.assign_sub(10.0 * tf.convert_to_tensor(gv))
            return loss

        self.step = tf.function(step, jit_compile=xla)

    def seconds_per_iteration(self, iterations):
        self.step().numpy()   # trace and compile
        start = time.perf_counter()
        loss = None
        for _ in range(iterations):
            loss = self.step()
        loss.numpy()
        return (time.perf_counter() - start) / iterations


class TensorFlowSoftmax:
    def __init__(self, tf, u, i, users, items, item_genres, item_year, years, xla, seed=0):
        tf.random.set_seed(seed)
        rng = np.random.default_rng(seed)
        self.tf = tf
        histories = [[] for _ in range(users)]
        for user, item in zip(u.tolist(), i.tolist()):
            histories[user].append(item)
        genre_count = 1 + max(g for gs in item_genres for g in gs)
        longest = max(len(h) for h in histories)
        longest_genres = max(sum(len(item_genres[x]) for x in h) for h in histories)
        movie_bag = np.zeros((users, longest), np.int32)
        movie_mask = np.zeros((users, longest), np.float32)
        genre_bag = np.zeros((users, longest_genres), np.int32)
        genre_mask = np.zeros((users, longest_genres), np.float32)
        lengths = np.zeros(users, np.int32)
        for k, h in enumerate(histories):
            movie_bag[k, : len(h)] = h
            movie_mask[k, : len(h)] = 1
            g = [x for item in h for x in item_genres[item]]
            genre_bag[k, : len(g)] = g
            genre_mask[k, : len(g)] = 1
            lengths[k] = len(h)
        order = rng.permutation(users)
        held = order[: users // 10]
        kept = order[users // 10:]
        c = tf.constant
        self.train_users, self.test_users = c(kept.astype(np.int32)), c(held.astype(np.int32))
        self.movie_bag, self.movie_mask = c(movie_bag), c(movie_mask)
        self.genre_bag, self.genre_mask = c(genre_bag), c(genre_mask)
        self.year_of = c(item_year)
        self.lengths = c(lengths)
        init = tf.keras.initializers.TruncatedNormal(stddev=1.0, seed=seed)
        self.movies = tf.Variable(init([items, 35]) / 10)
        self.genres = tf.Variable(init([genre_count, 3]) / 10)
        self.years = tf.Variable(init([years, 2]) / 10)
        self.hidden = tf.Variable(init([40, 35]) / 10)
        self.variables = [self.movies, self.genres, self.years, self.hidden]
        self.optimizer = tf.keras.optimizers.Adagrad(learning_rate=8.0, initial_accumulator_value=0.1)

        def loss_of(batch):
            bag = tf.gather(self.movie_bag, batch)
            mask = tf.gather(self.movie_mask, batch)
            count = tf.maximum(tf.reduce_sum(mask, axis=1, keepdims=True), 1)
            movie_mean = tf.reduce_sum(tf.gather(self.movies, bag) * mask[..., None], axis=1) / count
            gbag = tf.gather(self.genre_bag, batch)
            gmask = tf.gather(self.genre_mask, batch)
            genre_mean = tf.reduce_sum(tf.gather(self.genres, gbag) * gmask[..., None], axis=1) \
                / tf.maximum(tf.reduce_sum(gmask, axis=1, keepdims=True), 1)
            year_mean = tf.reduce_sum(tf.gather(self.years, tf.gather(self.year_of, bag)) * mask[..., None], axis=1) / count
            user = tf.matmul(tf.concat([movie_mean, genre_mean, year_mean], axis=1), self.hidden)
            logits = tf.matmul(user, self.movies, transpose_b=True)
            # The label: one of the user's movies, left in the bag (the notebook's "leak").
            position = tf.cast(tf.random.uniform(tf.shape(batch)) * tf.cast(tf.gather(self.lengths, batch), tf.float32), tf.int32)
            labels = tf.gather(bag, position, batch_dims=1)
            return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))

        def train_step():
            batch = tf.gather(self.train_users, tf.random.uniform([200], 0, tf.shape(self.train_users)[0], dtype=tf.int32))
            with tf.GradientTape() as tape:
                loss = loss_of(batch)
            grads = tape.gradient(loss, self.variables)
            self.optimizer.apply_gradients(zip(grads, self.variables))
            return loss

        def test_loss():
            batch = tf.gather(self.test_users, tf.random.uniform([100], 0, tf.shape(self.test_users)[0], dtype=tf.int32))
            return loss_of(batch)

        self.train_step = tf.function(train_step, jit_compile=xla)
        self.test_loss = tf.function(test_loss, jit_compile=xla)

    def seconds(self, iterations):
        self.train_step().numpy()
        self.test_loss().numpy()
        start = time.perf_counter()
        for k in range(iterations):
            loss = self.train_step()
            if k % 10 == 0 or k == iterations - 1:
                loss.numpy()
                self.test_loss().numpy()
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recommender", default=".build/release/recommender")
    parser.add_argument("--data-dir", default=os.environ.get("RECOMMENDER_DATA_DIR", os.path.expanduser("~/.cache/swift-recommender")))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mf-iterations", type=int, default=200)
    parser.add_argument("--softmax-iterations", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=1, help="threads for our side and for TensorFlow's intra-op pool")
    parser.add_argument("--only", choices=["mf", "softmax"])
    parser.add_argument("--no-xla", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 20 or not 1 <= args.mf_iterations <= 100_000 or not 1 <= args.softmax_iterations <= 100_000:
        sys.exit("--rounds must be in 1...20, the iteration counts in 1...100000")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    data_options = ["--data-dir", args.data_dir, "--dataset", "ml-100k"]
    u, i, r, users, items, item_genres, item_year, years = find_ml100k(args.data_dir)
    xla = not args.no_xla
    label = "TensorFlow %s %s" % (tf.__version__, "XLA" if xla else "graph")
    print(f"{os.cpu_count()} cores; load average {' '.join(open('/proc/loadavg').read().split()[:3])}; {label}; "
          f"{args.threads} thread(s) each", flush=True)
    results = {}
    if args.only in (None, "mf"):
        tf_mf = TensorFlowMF(tf, u, i, r, users, items, xla)
        for round_ in range(args.rounds):
            ours = ours_mf(args.recommender, data_options, args.mf_iterations, args.threads)
            theirs = tf_mf.seconds_per_iteration(args.mf_iterations)
            print(f"mf round {round_ + 1}: ours {ours * 1e3:.3f} ms/iteration, {label} {theirs * 1e3:.3f} ms/iteration", flush=True)
            results.setdefault("mf", []).append((ours, theirs))
    if args.only in (None, "softmax"):
        tf_softmax = TensorFlowSoftmax(tf, u, i, users, items, item_genres, item_year, years, xla)
        for round_ in range(args.rounds):
            ours = ours_softmax(args.recommender, data_options, args.softmax_iterations, args.threads)
            theirs = tf_softmax.seconds(args.softmax_iterations)
            print(f"softmax round {round_ + 1}: ours {ours:.2f} s, {label} {theirs:.2f} s ({args.softmax_iterations} iterations)", flush=True)
            results.setdefault("softmax", []).append((ours, theirs))
    for name, pairs in results.items():
        ours = min(p[0] for p in pairs)
        theirs = min(p[1] for p in pairs)
        unit = "ms/iteration" if name == "mf" else "s"
        scale = 1e3 if name == "mf" else 1
        print(f"{name}: best ours {ours * scale:.3f} {unit}, best {label} {theirs * scale:.3f} {unit}: ours is {theirs / ours:.1f}x faster")


if __name__ == "__main__":
    main()
