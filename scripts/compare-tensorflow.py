#!/usr/bin/env python3
"""The notebook's two models in TensorFlow 2 with XLA, side by side with ours, in one run.

Issue 15 asks for ratios measured in the same run rather than against figures from another
day. This script alternates (ours, TensorFlow, ours, TensorFlow, ...) and prints the best time
of each and their ratio (and each round's ratio, with their range, their median and how many
rounds reach the issue's target, since one noisy round moves a best-against-best ratio):

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
import statistics
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
    match = re.search(r"run 1: ([\d.]+) s total.*CPU time [\d.]+ s\), (.*)", out)
    if not match:
        sys.exit("could not read `bench softmax` output:\n" + out)
    return float(match.group(1)), match.group(2)


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
    """The notebook's softmax model, fed as the notebook feeds it: sparse bags.

    The notebook builds each feature with `tf.feature_column.embedding_column(...,
    combiner="mean")`, which looks the bag up with `safe_embedding_lookup_sparse`: a gather of
    the bag's ids and a segment mean over them, so its cost follows the number of ids in the
    batch (about 19,000 movie ids for 200 users), not 200 × the longest bag (737). Here the
    same lookup is written with XLA-compilable ops (`tf.gather` and
    `tf.math.unsorted_segment_sum` divided by the bag sizes) on flat id and segment arrays.
    XLA needs static shapes, so the flat arrays are padded up to a multiple of `bucket` ids
    (the padding goes to an extra segment that is dropped); every bucket the run will meet is
    compiled before timing starts. Without XLA (--no-xla) the lookup is the notebook's own
    `tf.nn.safe_embedding_lookup_sparse` on a `SparseTensor`, unpadded. Batches (user ids) and their flat arrays are built in numpy
    before the loop, so the timed loop is TensorFlow's steps only.

    Variables and initialisers are the notebook's: embedding tables ~ truncated normal with
    stddev 1/sqrt(dimension) (the embedding column's default), the hidden layer's variable ~
    truncated normal with stddev 1/sqrt(35), used divided by 10, no bias; Adagrad lr 8 with
    initial accumulator 0.1; the label is one of the user's movies left in the bag (the leak);
    the test loss and precision@10 of 100 held-out users every 10 iterations.
    """

    def __init__(self, tf, u, i, users, items, item_genres, item_year, years, xla, iterations, seed=0, bucket=2048):
        tf.random.set_seed(seed)
        rng = np.random.default_rng(seed)
        self.tf, self.xla = tf, xla
        order = np.argsort(u, kind="stable")
        bag_items = i[order].astype(np.int32)
        bag_offsets = np.zeros(users + 1, np.int64)
        np.add.at(bag_offsets, u + 1, 1)
        bag_offsets = np.cumsum(bag_offsets)
        genre_count = 1 + max(g for gs in item_genres for g in gs)
        genre_offsets = np.zeros(items + 1, np.int64)
        genre_offsets[1:] = np.cumsum([len(gs) for gs in item_genres])
        genre_flat = np.array([g for gs in item_genres for g in gs], np.int32)
        with_ratings = np.flatnonzero(np.diff(bag_offsets) > 0)
        shuffled = rng.permutation(with_ratings)
        held, kept = shuffled[: len(shuffled) // 10], shuffled[len(shuffled) // 10:]

        def flat(batch):
            """The sparse bags of `batch`: movie ids, year ids and genre ids with their rows."""
            starts, lengths = bag_offsets[batch], np.diff(bag_offsets)[batch]
            rows = np.repeat(np.arange(len(batch), dtype=np.int32), lengths)
            firsts = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
            movies = bag_items[firsts + np.arange(len(rows))]
            genre_lengths = genre_offsets[movies + 1] - genre_offsets[movies]
            genre_rows = np.repeat(rows, genre_lengths)
            gfirsts = np.repeat(genre_offsets[movies] - np.concatenate(([0], np.cumsum(genre_lengths)[:-1])), genre_lengths)
            genres = genre_flat[gfirsts + np.arange(len(genre_rows))]
            labels = movies[(np.concatenate(([0], np.cumsum(lengths)[:-1])) + (rng.random(len(batch)) * lengths).astype(np.int64))]
            return movies, item_year[movies], rows, genres, genre_rows, labels.astype(np.int32)

        def padded(batch):
            movies, years_, rows, genres, genre_rows, labels = flat(batch)
            b = len(batch)
            cap = -(-len(movies) // bucket) * bucket
            gcap = -(-len(genres) // bucket) * bucket
            def pad(x, n, fill):
                return np.concatenate((x, np.full(n - len(x), fill, np.int32))).astype(np.int32)
            return (pad(movies, cap, 0), pad(years_, cap, 0), pad(rows, cap, b), pad(genres, gcap, 0), pad(genre_rows, gcap, b), labels)

        # The batches of the whole run, drawn as the notebook's shuffled, repeated dataset does
        # (every training user once per pass, in a fresh order each pass).
        def batches(pool, size, count):
            passes = -(-size * count // len(pool))
            draws = np.concatenate([rng.permutation(pool) for _ in range(passes)])
            return [padded(draws[k * size:(k + 1) * size]) for k in range(count)]

        if not xla:
            bucket = 1  # graph mode takes any shape: no padding
        self.train_batches = batches(kept, 200, iterations + 1)
        self.test_batches = batches(held, 100, iterations // 10 + 2)
        self.ids = sum(len(b[0]) for b in self.train_batches) / len(self.train_batches)
        init = tf.keras.initializers.TruncatedNormal
        self.movies = tf.Variable(init(stddev=1 / np.sqrt(35), seed=seed)([items, 35]))
        self.genres = tf.Variable(init(stddev=1 / np.sqrt(3), seed=seed + 1)([genre_count, 3]))
        self.years = tf.Variable(init(stddev=1 / np.sqrt(2), seed=seed + 2)([years, 2]))
        self.hidden = tf.Variable(init(stddev=1 / np.sqrt(35), seed=seed + 3)([40, 35]))
        self.variables = [self.movies, self.genres, self.years, self.hidden]
        self.optimizer = tf.keras.optimizers.Adagrad(learning_rate=8.0, initial_accumulator_value=0.1)

        def bag_mean(table, ids, rows, b):
            if not xla:
                # The notebook's own op (what embedding_column(combiner="mean") calls).
                rows64 = tf.cast(rows, tf.int64)
                positions = tf.range(tf.size(rows64, out_type=tf.int64))
                sparse = tf.sparse.SparseTensor(tf.stack([rows64, positions], axis=1), tf.cast(ids, tf.int64),
                                                tf.stack([tf.constant(b, tf.int64), tf.size(rows64, out_type=tf.int64)]))
                return tf.nn.safe_embedding_lookup_sparse(table, sparse, None, combiner="mean")
            # The same lookup in XLA-compilable ops: gather, segment sum, / bag size.
            sums = tf.math.unsorted_segment_sum(tf.gather(table, ids), rows, b + 1)[:b]
            counts = tf.math.unsorted_segment_sum(tf.ones_like(rows, tf.float32), rows, b + 1)[:b]
            return sums / tf.maximum(counts, 1.0)[:, None]

        def logits_of(movies, years_, rows, genres, genre_rows, b):
            inputs = tf.concat([bag_mean(self.movies, movies, rows, b), bag_mean(self.genres, genres, genre_rows, b),
                                bag_mean(self.years, years_, rows, b)], axis=1)
            user = tf.matmul(inputs, self.hidden / 10.0)
            return tf.matmul(user, self.movies, transpose_b=True)

        def train_step(movies, years_, rows, genres, genre_rows, labels):
            with tf.GradientTape() as tape:
                logits = logits_of(movies, years_, rows, genres, genre_rows, 200)
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
            grads = tape.gradient(loss, self.variables)
            self.optimizer.apply_gradients(zip(grads, self.variables))
            return loss

        def test_step(movies, years_, rows, genres, genre_rows, labels):
            logits = logits_of(movies, years_, rows, genres, genre_rows, 100)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
            # tf.metrics.precision_at_k with one label: a hit when the label is in the top 10.
            hits = tf.reduce_sum(tf.cast(tf.math.in_top_k(labels, logits, 10), tf.float32))
            return loss, hits

        if xla:
            self.train_step = tf.function(train_step, jit_compile=True)
            self.test_step = tf.function(test_step, jit_compile=True)
        else:
            signature = [tf.TensorSpec([None], tf.int32)] * 5 + [tf.TensorSpec([None], tf.int32)]
            self.train_step = tf.function(train_step, input_signature=signature)
            self.test_step = tf.function(test_step, input_signature=signature)
        self.initial = [v.numpy() for v in self.variables]

    def seconds(self, iterations):
        """Restores the initial variables, compiles every bucket, then times the run."""
        tf = self.tf
        for v, x in zip(self.variables, self.initial):
            v.assign(x)
        def shapes(batches):
            # One batch of each padded shape (XLA compiles each once); graph mode traces once.
            firsts = {}
            for b in batches:
                firsts.setdefault(tuple(len(x) for x in b[:5]) if self.xla else 0, b)
            return firsts.values()
        for b in shapes(self.train_batches):
            self.train_step(*[tf.constant(x) for x in b]).numpy()
        for b in shapes(self.test_batches):
            self.test_step(*[tf.constant(x) for x in b])[0].numpy()
        for v, x in zip(self.variables, self.initial):
            v.assign(x)
        for s in self.optimizer.variables:
            if "accumulator" in s.name:
                s.assign(tf.fill(s.shape, 0.1))
        train = [[tf.constant(x) for x in b] for b in self.train_batches[: iterations + 1]]
        test = [[tf.constant(x) for x in b] for b in self.test_batches]
        hits = examples = 0
        start = time.perf_counter()
        for k in range(iterations + 1):
            loss = self.train_step(*train[k])
            if k % 10 == 0 or k == iterations:
                test_loss, h = self.test_step(*test[k // 10])
                hits += float(h.numpy())
                examples += 100
                train_loss = float(loss.numpy())
        seconds = time.perf_counter() - start
        self.last = (train_loss, float(test_loss.numpy()), hits / (examples * 10))
        return seconds


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
    tf.get_logger().setLevel("ERROR")  # one trace per padded shape is expected (see TensorFlowSoftmax)
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
            print(f"mf round {round_ + 1}: ours {ours * 1e3:.3f} ms/iteration, {label} {theirs * 1e3:.3f} ms/iteration "
                  f"({theirs / ours:.1f}x)", flush=True)
            results.setdefault("mf", []).append((ours, theirs))
    if args.only in (None, "softmax"):
        tf_softmax = TensorFlowSoftmax(tf, u, i, users, items, item_genres, item_year, years, xla, args.softmax_iterations)
        print(f"softmax: {tf_softmax.ids:.0f} movie ids per training batch on average (sparse bags, padded to buckets of 2048)", flush=True)
        for round_ in range(args.rounds):
            ours, metrics = ours_softmax(args.recommender, data_options, args.softmax_iterations, args.threads)
            theirs = tf_softmax.seconds(args.softmax_iterations)
            train_loss, test_loss, precision = tf_softmax.last
            print(f"softmax round {round_ + 1}: ours {ours:.2f} s, {label} {theirs:.2f} s ({args.softmax_iterations} iterations; "
                  f"{theirs / ours:.1f}x)", flush=True)
            print(f"  final metrics: ours {metrics}; TensorFlow train_loss={train_loss:.4f} test_loss={test_loss:.4f} "
                  f"precision_at_10={precision:.4f} (running mean, as the notebook's tf.metrics.precision_at_k)", flush=True)
            results.setdefault("softmax", []).append((ours, theirs))
    for name, pairs in results.items():
        ours = min(p[0] for p in pairs)
        theirs = min(p[1] for p in pairs)
        unit = "ms/iteration" if name == "mf" else "s"
        scale = 1e3 if name == "mf" else 1
        ratios = [p[1] / p[0] for p in pairs]
        median = statistics.median(ratios)
        # Issue 15's targets: MF at least 50x TensorFlow XLA, softmax at least 5x.
        target = 50 if name == "mf" else 5
        print(f"{name}: best ours {ours * scale:.3f} {unit}, best {label} {theirs * scale:.3f} {unit}: ours is {theirs / ours:.1f}x faster "
              f"(round by round {min(ratios):.1f}x to {max(ratios):.1f}x, median {median:.1f}x; "
              f"{sum(r >= target for r in ratios)} of {len(ratios)} rounds at the target {target}x or more)")


if __name__ == "__main__":
    main()
